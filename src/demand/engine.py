"""Where many fits run: this process, local processes (joblib) or a Dask cluster."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

# Not under demand.forecast: a worker imports its initializer's module before
# anything else, and that package takes seconds to import.
from demand.worker_lifetime import exit_with_parent

if TYPE_CHECKING:
    from demand.config import EngineConfig

__all__ = [
    "ENGINES",
    "EngineError",
    "Progress",
    "active_client",
    "balance_batches",
    "is_engine_open",
    "iter_tasks",
    "open_engine",
    "run_tasks",
]

logger = logging.getLogger(__name__)

ENGINES = ("local", "dask")

Progress = Callable[[int, int, str], None]
"""Called as work finishes with (tasks done, tasks in all, a label)."""

T = TypeVar("T")
R = TypeVar("R")

BATCHES_PER_WORKER = 4
"""Batches sent per Dask worker: enough that a slow batch or a lost worker
leaves the others busy, few enough that each batch amortises its transfer."""


DASK_SETTINGS = {"distributed.admin.low-level-log-length": 0}
"""Dask settings while the engine is open. Dask's developer logs keep the last
1,000 messages each comm sent (every batch's series, in the driver's client and
a `LocalCluster`'s scheduler) and each worker's profiles: memory that grew with
every batch of a national run (bench/RESULTS.md, issue 18). Nothing of ours
reads them."""


class EngineError(ValueError):
    """The engine asked for cannot run here (unknown, extra missing, unreachable)."""


@dataclass(frozen=True)
class _Engine:
    """The engine open in this context: its kind, local processes, Dask client."""

    kind: str
    workers: int = 0
    client: Any = None
    retries: int = 2


_ACTIVE: ContextVar[_Engine | None] = ContextVar("demand_engine", default=None)
"""The engine opened by `open_engine`; None means each call's own settings."""


def _dask_missing() -> EngineError:
    return EngineError(
        "The dask engine needs Dask: install the optional extra with "
        "pip install 'demand[dask]' (dask[distributed]), or set [engine] "
        'kind = "local".'
    )


@contextmanager
def open_engine(config: EngineConfig) -> Iterator[None]:
    """Open the engine `config` names for the block; `run_tasks` inside uses it.

    For Dask this connects to `config.scheduler` (failing within
    `connect_timeout_seconds`) or starts a `LocalCluster` of `config.workers`
    processes with one thread each, and closes what it started on leaving.

    Raises:
        EngineError: Dask is not installed, or the scheduler cannot be reached.
    """
    if config.kind == "local":
        token = _ACTIVE.set(_Engine("local", workers=config.workers))
        try:
            yield
        finally:
            _ACTIVE.reset(token)
        return
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise _dask_missing() from None
    with dask.config.set(DASK_SETTINGS):
        with _dask_client(config, Client, LocalCluster) as client:
            logger.info("Dask engine on %s.", client.scheduler.address)
            token = _ACTIVE.set(_Engine("dask", client=client, retries=config.retries))
            try:
                yield
            finally:
                _ACTIVE.reset(token)


@contextmanager
def _dask_client(config: EngineConfig, Client: Any, LocalCluster: Any) -> Iterator[Any]:
    """A client of `config.scheduler`, or of a `LocalCluster` started for the block."""
    cluster = None
    if config.scheduler:
        try:
            client = Client(
                config.scheduler,
                timeout=f"{config.connect_timeout_seconds}s",
                set_as_default=False,
            )
        except (OSError, TimeoutError) as exc:
            raise EngineError(
                f"Could not reach the Dask scheduler at {config.scheduler} within "
                f"{config.connect_timeout_seconds:g} s ({type(exc).__name__}); "
                "check the address and that dask-scheduler is running, or set "
                '[engine] kind = "local".'
            ) from None
    else:
        cluster = LocalCluster(
            n_workers=config.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: runs side by side never clash
            silence_logs=logging.ERROR,
        )
        client = Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def is_engine_open() -> bool:
    """Whether an `open_engine` block is open here (its engine is then used)."""
    return _ACTIVE.get() is not None


def active_client() -> Any:
    """The Dask client of the engine open here, or None (e.g. to ask workers'
    memory in a benchmark)."""
    active = _ACTIVE.get()
    return active.client if active is not None else None


def balance_batches(costs: Sequence[float], n_batches: int) -> list[list[int]]:
    """Split task indices into at most `n_batches` batches of near-equal cost.

    Largest cost first into the cheapest batch so far (ties by batch number), so
    the split is the same on every run; each batch keeps its indices in order.

    Returns:
        Non-empty batches of indices into `costs`, covering each index once.
    """
    n = max(1, min(n_batches, len(costs)))
    loads = [0.0] * n
    batches: list[list[int]] = [[] for _ in range(n)]
    for i in sorted(range(len(costs)), key=lambda i: (-costs[i], i)):
        b = min(range(n), key=lambda b: (loads[b], b))
        batches[b].append(i)
        loads[b] += costs[i]
    return [sorted(b) for b in batches if b]


def _run_batch(func: Callable[[T], R], batch: list[T]) -> list[R]:
    """One Dask task: a batch of whole tasks (series), run one after another."""
    return [func(t) for t in batch]


def _iter_dask(
    engine: _Engine,
    func: Callable[[T], R],
    tasks: Sequence[T],
    cost: Callable[[T], float],
    progress: Progress | None,
    label: Callable[[T], str],
) -> Iterator[list[tuple[int, R]]]:
    """Send cost-balanced batches to the cluster; yield each as it finishes."""
    from distributed import as_completed

    client = engine.client
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    batches = balance_batches([cost(t) for t in tasks], BATCHES_PER_WORKER * n_workers)
    futures = {
        client.submit(
            _run_batch,
            func,
            [tasks[i] for i in batch],
            retries=engine.retries,
            pure=False,
        ): batch
        for batch in batches
    }
    logger.debug("Sent %d tasks as %d batches to Dask.", len(tasks), len(batches))
    done = 0
    for k, future in enumerate(as_completed(futures, loop=client.loop), start=1):
        batch = futures.pop(future)
        finished = list(zip(batch, future.result(), strict=True))
        future.release()  # the cluster forgets the batch once we hold its results
        done += len(batch)
        if progress is not None:
            progress(done, len(tasks), f"batch {k}/{len(batches)} {label(tasks[0])}")
        yield finished


@contextmanager
def _joblib_processes() -> Iterator[None]:
    """Loky processes that exit with this one."""
    from joblib import parallel_config

    main = threading.current_thread() is threading.main_thread()
    with parallel_config(
        backend="loky", initializer=exit_with_parent, initargs=(os.getpid(), main)
    ):
        yield


def iter_tasks(
    func: Callable[[T], R],
    tasks: Sequence[T],
    *,
    n_jobs: int = -1,
    engine: str = "local",
    progress: Progress | None = None,
    label: Callable[[T], str] = str,
    cost: Callable[[T], float] | None = None,
) -> Iterator[list[tuple[int, R]]]:
    """Apply `func` to every task in parallel, yielding results as they finish.

    `func` must be a pure, module-level function of its task (picklable, no shared
    state, randomness only through seeds inside the task), so the results are the
    same whatever the engine or number of workers: a task does not know where it
    runs. Inside `open_engine` the open engine is used: on Dask, tasks go as
    cost-balanced batches of whole tasks, retried if a worker is lost.

    Each finished batch is yielded at once, so the caller can write its results
    and let them go before the next arrives: nothing is gathered here. Locally a
    batch is one task, in task order; on Dask, one batch sent, in the order the
    batches finish — place results by their index for an order that does not
    depend on where they ran.

    Args:
        func: The work of one task, e.g. fitting one series.
        tasks: Independent tasks.
        n_jobs: Local worker processes; -1 means every core, 1 runs in this
            process (an open local engine with `workers` > 0 overrides it).
        engine: "local" unless an engine is open; "dask" needs `open_engine`.
        progress: Called as tasks finish (in task order locally, per batch on
            Dask, with "batch k/n" in the label).
        label: Names a task for `progress`.
        cost: Relative cost of a task for balancing Dask batches (default 1).

    Yields:
        Finished batches as `(index into tasks, func(task))` pairs; every index
        once in all.

    Raises:
        EngineError: unknown engine, or "dask" without an open Dask engine.
    """
    active = _ACTIVE.get()
    if engine not in ENGINES:
        raise EngineError(
            f"Unknown engine {engine!r}; use one of {', '.join(ENGINES)}."
        )
    if active is not None and active.kind == "dask":
        yield from _iter_dask(
            active, func, tasks, cost or (lambda _t: 1.0), progress, label
        )
        return
    if engine == "dask":
        raise EngineError(
            'The dask engine is opened by the run: set [engine] kind = "dask" '
            "with scheduler or workers in the pipeline, or wrap the call in "
            "demand.engine.open_engine."
        )
    if active is not None and active.workers > 0:
        n_jobs = active.workers
    total = len(tasks)
    with _joblib_processes():
        if n_jobs == 1 or total <= 1:
            results_iter: Any = (func(t) for t in tasks)
        else:
            from joblib import Parallel, delayed

            parallel = Parallel(n_jobs=n_jobs, return_as="generator")
            results_iter = parallel(delayed(func)(t) for t in tasks)
            logger.debug(
                "Running %d tasks on local processes, n_jobs=%d.", total, n_jobs
            )
        # next(), not zip(): a zip keeps its last tuple, so a result would stay
        # alive until the next one is fitted.
        for i, task in enumerate(tasks):
            result = next(results_iter)
            if progress is not None:
                progress(i + 1, total, label(task))
            yield [(i, result)]


def run_tasks(
    func: Callable[[T], R],
    tasks: Sequence[T],
    *,
    n_jobs: int = -1,
    engine: str = "local",
    progress: Progress | None = None,
    label: Callable[[T], str] = str,
    cost: Callable[[T], float] | None = None,
) -> list[R]:
    """Apply `func` to every task, in parallel, returning results in task order.

    `iter_tasks` gathered: the same arguments, engines and guarantees.

    Returns:
        `[func(t) for t in tasks]`, in the same order.

    Raises:
        EngineError: unknown engine, or "dask" without an open Dask engine.
    """
    results: list[Any] = [None] * len(tasks)
    for finished in iter_tasks(
        func,
        tasks,
        n_jobs=n_jobs,
        engine=engine,
        progress=progress,
        label=label,
        cost=cost,
    ):
        for i, result in finished:
            results[i] = result
    return results
