"""Run many independent fits on local cores (joblib, loky) or on a Dask cluster."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

# Not under demand.forecast: a worker imports its initializer's module before
# anything else, and that package takes seconds to import.
from demand.worker_lifetime import exit_with_parent

__all__ = ["ENGINES", "EngineError", "Progress", "run_tasks"]

logger = logging.getLogger(__name__)

ENGINES = ("local", "dask")

Progress = Callable[[int, int, str], None]
"""Called after each task with (tasks done, tasks in all, the task's label)."""

T = TypeVar("T")
R = TypeVar("R")


class EngineError(RuntimeError):
    """The engine asked for cannot run here (unknown, or its extra is missing)."""


@contextmanager
def _backend(engine: str) -> Iterator[str]:
    """Set up joblib's backend for `engine` in the block; yield the engine."""
    if engine == "local":
        from joblib import parallel_config

        main = threading.current_thread() is threading.main_thread()
        with parallel_config(
            backend="loky",
            initializer=exit_with_parent,
            initargs=(os.getpid(), main),
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
