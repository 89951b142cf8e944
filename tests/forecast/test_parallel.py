"""Fits run in parallel on local cores with the same results as in one process."""

from __future__ import annotations

import pytest

from demand.forecast.parallel import EngineError, run_tasks


def _square(x: int) -> int:
    return x * x


def test_parallel_results_equal_serial_and_keep_task_order() -> None:
    tasks = list(range(12))
    assert run_tasks(_square, tasks, n_jobs=2) == run_tasks(_square, tasks, n_jobs=1)
    assert run_tasks(_square, tasks, n_jobs=2) == [t * t for t in tasks]


def test_progress_is_called_once_per_task_in_order() -> None:
    calls: list[tuple[int, int, str]] = []
    run_tasks(
        _square,
        [3, 4],
        n_jobs=1,
        progress=lambda done, total, label: calls.append((done, total, label)),
        label=lambda t: f"task {t}",
    )
    assert calls == [(1, 2, "task 3"), (2, 2, "task 4")]


def test_dask_engine_outside_an_open_engine_points_at_the_engine_table() -> None:
    with pytest.raises(EngineError, match=r'\[engine\] kind = "dask"'):
        run_tasks(_square, [1, 2], engine="dask")


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(EngineError, match="Unknown engine 'spark'"):
        run_tasks(_square, [1, 2], engine="spark")
