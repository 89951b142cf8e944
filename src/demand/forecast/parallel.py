"""Run many independent fits on local cores (joblib, loky) or on a Dask cluster."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["ENGINES", "EngineError", "Progress", "run_tasks"]

logger = logging.getLogger(__name__)

ENGINES = ("local", "dask")

Progress = Callable[[int, int, str], None]
"""Called after each task with (tasks done, tasks in all, the task's label)."""

T = TypeVar("T")
R = TypeVar("R")


class EngineError(RuntimeError):
    """The engine asked for cannot run here (unknown, or its extra is missing)."""


def _exit_with_parent(parent_pid: int, every_seconds: float = 0.5) -> None:
    """Make this worker process end when the process that started it does.

    loky's workers outlive a driver killed by SIGKILL (a scheduler's timeout, the
    OOM killer): they wait for work that never comes, each holding hundreds of MB.
    A daemon thread in every worker checks that its parent is still the driver
    and ends the worker once it is not. It polls rather than use Linux's
    PR_SET_PDEATHSIG, which fires when the *thread* that spawned a worker ends
    (loky also spawns from its manager thread) and exists on Linux only.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every_seconds)
        os._exit(1)  # the driver is gone: nobody will read this worker's results

    if os.getppid() != parent_pid:  # the driver died before this worker started
        os._exit(1)
    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@contextmanager
def _backend(engine: str) -> Iterator[str]:
    """Set up joblib's backend for `engine` in the block; yield the engine."""
    if engine == "local":
        from joblib import parallel_config

        with parallel_config(
            backend="loky", initializer=_exit_with_parent, initargs=(os.getpid(),)
        ):
            yield "local"
        return
    if engine != "dask":
        raise EngineError(
            f"Unknown engine {engine!r}; use one of {', '.join(ENGINES)}."
        )
    try:
        import dask.distributed  # noqa: F401  (registers joblib's dask backend)
    except ImportError:
        raise EngineError(
            "The dask engine needs Dask: install the optional extra with "
            "pip install 'demand[dask]' (dask[distributed]), or set engine = "
            '"local".'
        ) from None
    from joblib import parallel_config

    with parallel_config(backend="dask"):
        yield "dask"  # workers are the cluster's, not this process's children


def run_tasks(
    func: Callable[[T], R],
    tasks: Sequence[T],
    *,
    n_jobs: int = -1,
    engine: str = "local",
    progress: Progress | None = None,
    label: Callable[[T], str] = str,
) -> list[R]:
    """Apply `func` to every task, in parallel, returning results in task order.

    `func` must be a pure, module-level function of its task (picklable, no shared
    state, randomness only through seeds inside the task), so the results are the
    same whatever `n_jobs` or engine: a task does not know where it runs.

    Args:
        func: The work of one task, e.g. fitting one series.
        tasks: Independent tasks.
        n_jobs: Worker processes; -1 means every core, 1 runs in this process.
        engine: "local" (joblib's loky processes) or "dask" (a running
            `dask.distributed` client; needs the `dask` extra).
        progress: Called after each task finishes, in task order.
        label: Names a task for `progress`.

    Returns:
        `[func(t) for t in tasks]`, in the same order.

    Raises:
        EngineError: unknown engine, or "dask" without Dask installed.
    """
    total = len(tasks)
    with _backend(engine):
        if (n_jobs == 1 and engine == "local") or total <= 1:
            results_iter: Any = (func(t) for t in tasks)
        else:
            from joblib import Parallel, delayed

            parallel = Parallel(n_jobs=n_jobs, return_as="generator")
            results_iter = parallel(delayed(func)(t) for t in tasks)
            logger.debug(
                "Running %d tasks on %s with n_jobs=%d.", total, engine, n_jobs
            )
        results = []
        for done, (task, result) in enumerate(
            zip(tasks, results_iter, strict=True), start=1
        ):
            results.append(result)
            if progress is not None:
                progress(done, total, label(task))
    return results
