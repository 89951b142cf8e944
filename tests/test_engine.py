"""The engine: a Dask cluster gives exactly the in-process answers, survives a
lost worker, and an unreachable scheduler is one sentence before anything is
written."""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from demand.cli import cli
from demand.config import ConfigError, EngineConfig, ForecastConfig, load_pipeline
from demand.engine import balance_batches, open_engine, run_tasks
from demand.forecast.baselines import SeasonalNaive
from demand.forecast.reuse import fit_once, reusing_fits
from demand.forecast.stage import run_forecast
from demand.ingest import ingest
from demand.series import build_hierarchy, write_demand
from demand.store import Store
from demand.synth import generate_force

distributed = pytest.importorskip("distributed")

STREAMS = ("incidents", "mental_health")
TABLES = ("forecasts", "backtests", "model_scores", "model_choices")


@pytest.fixture(scope="module")
def force(tmp_path_factory: pytest.TempPathFactory):
    """One year of Northshire's daily incidents and mental health, force and areas."""
    root = tmp_path_factory.mktemp("engine")
    generate_force(root / "raw", years=1, end=date(2025, 3, 31), seed=7)
    store = Store(root / "demand.duckdb")
    assert ingest(store, [root / "raw"], adapter="northshire").ok
    for stream in STREAMS:
        write_demand(store, build_hierarchy(store, stream, "D"), stream, "D", "count")
    section = ForecastConfig(
        streams=STREAMS,
        models=("auto_ets",),
        hourly_streams=(),
        backtest=True,
        backtest_windows=2,
        n_jobs=1,
        models_dir=str(root / "models"),
    )
    run_forecast(store, section, "in_process")
    yield store, section
    store.close()


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes × 1 thread, as a real cluster is."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local


def _tables(store: Store, run_id: str) -> dict[str, pd.DataFrame]:
    out = {}
    for table in TABLES:
        frame = store.con.execute(
            f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ?",  # noqa: S608
            [run_id],
        ).df()
        keys = [c for c in frame.columns if frame[c].dtype == object or c == "ds"]
        out[table] = frame.sort_values(keys).reset_index(drop=True)
    return out


def _assert_same_run(store: Store, run_id: str) -> None:
    expected, found = _tables(store, "in_process"), _tables(store, run_id)
    assert len(expected["forecasts"]) > 0 and len(expected["backtests"]) > 0
    for table in TABLES:
        pd.testing.assert_frame_equal(found[table], expected[table], check_exact=True)


def test_local_cluster_of_two_workers_equals_the_in_process_run(force) -> None:
    store, section = force
    seen: list[str] = []
    with open_engine(EngineConfig(kind="dask", workers=2)):
        run_forecast(store, section, "dask", progress=lambda d, t, s: seen.append(s))
    _assert_same_run(store, "dask")
    assert seen and all(label.startswith("batch ") for label in seen)


def test_local_processes_equal_the_in_process_run(force) -> None:
    store, section = force
    with open_engine(EngineConfig(kind="local", workers=2)):
        run_forecast(store, section, "local2")
    _assert_same_run(store, "local2")


def test_a_worker_killed_mid_run_gives_the_identical_result(force, cluster) -> None:
    store, section = force
    client = distributed.Client(cluster, set_as_default=False)
    pids = client.run(os.getpid)
    killed: list[int] = []

    def kill_one_worker(done: int, total: int, label: str) -> None:
        if not killed:  # after the first batch: the rest are queued or running
            pid = sorted(pids.values())[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    engine = EngineConfig(kind="dask", scheduler=cluster.scheduler_address)
    with open_engine(engine):
        run_forecast(store, section, "killed", progress=kill_one_worker)
    client.close()
    assert killed
    _assert_same_run(store, "killed")


def test_unreachable_scheduler_is_one_sentence_exit_1_and_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.toml").write_text(
        '[pipeline]\nname = "p"\nstages = ["forecast"]\n'
        "[engine]\nconnect_timeout_seconds = 1\n",
        encoding="utf-8",
    )
    db = tmp_path / "store.duckdb"
    result = CliRunner().invoke(
        cli,
        ["run", "p.toml", "--db", str(db), "--scheduler", "tcp://127.0.0.1:9"],
    )
    assert result.exit_code == 1
    assert "Could not reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.toml"]


def test_old_forecast_engine_dask_key_is_refused_with_the_new_table(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.toml"
    path.write_text(
        '[pipeline]\nname = "old"\n[forecast]\nengine = "dask"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"\[engine\] kind = \"dask\""):
        load_pipeline(path)
    path.write_text(
        '[pipeline]\nname = "new"\n[engine]\nkind = "dask"\nworkers = 3\n',
        encoding="utf-8",
    )
    assert load_pipeline(path).engine == EngineConfig(kind="dask", workers=3)


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ('kind = "dask"', 'engine.kind = "dask" needs either scheduler'),
        ('kind = "local"\nscheduler = "tcp://a:1"', "engine.scheduler: only for"),
        ('kind = "spark"', "engine.kind: expected one of local, dask"),
        ("connect_timeout_seconds = 0", "engine.connect_timeout_seconds: expected"),
    ],
)
def test_a_bad_engine_table_names_its_key_once(
    tmp_path: Path, table: str, said: str
) -> None:
    path = tmp_path / "p.toml"
    path.write_text(f'[pipeline]\nname = "p"\n[engine]\n{table}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_pipeline(path)
    assert f"{path}: {said}" in str(error.value)
    assert "engine.engine" not in str(error.value)


def test_batches_hold_whole_tasks_and_balance_their_cost() -> None:
    costs = [10.0, 1.0, 1.0, 1.0, 9.0, 2.0, 3.0]
    batches = balance_batches(costs, 3)
    assert sorted(i for b in batches for i in b) == list(range(len(costs)))
    loads = sorted(sum(costs[i] for i in b) for b in batches)
    assert loads == [8.0, 9.0, 10.0]  # the 10 alone: no split does better
    assert balance_batches(costs, 3) == batches  # the same split every run


def test_dask_engine_keeps_task_order_for_any_number_of_workers(cluster) -> None:
    engine = EngineConfig(kind="dask", scheduler=cluster.scheduler_address)
    tasks = list(range(23))
    with open_engine(engine):
        found = run_tasks(abs, [-t for t in tasks], cost=lambda t: float(-t % 5))
    assert found == tasks


class _Payload:
    """A task's data, counted in the driver's memory after its batch is done."""

    def __init__(self, n: int) -> None:
        self.values = list(range(n))


def _size(payload: _Payload) -> int:
    return len(payload.values)


def test_the_driver_keeps_no_task_of_a_finished_batch() -> None:
    # The engine's own LocalCluster: its scheduler runs in this (the driver's)
    # process, where Dask's message logs kept every batch sent.
    with open_engine(EngineConfig(kind="dask", workers=1)):
        alive = []
        for _ in range(3):
            assert run_tasks(_size, [_Payload(100) for _ in range(8)]) == [100] * 8
            time.sleep(0.5)  # the scheduler forgets released batches asynchronously
            gc.collect()
            alive.append(sum(isinstance(o, _Payload) for o in gc.get_objects()))
    assert alive[-1] <= alive[0] <= 2, alive  # at most the last batch, not all


def _series(n_days: int) -> pd.DataFrame:
    ds = pd.date_range("2024-01-01", periods=n_days, freq="D")
    return pd.DataFrame({"unique_id": "force", "ds": ds, "y": range(n_days)})


def test_fit_cache_is_per_thread_under_threaded_workers() -> None:
    """Two tasks on two threads of one worker: neither sees nor ends the other's."""
    data = _series(28)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    found: dict[str, object] = {}

    def task_a() -> None:
        with reusing_fits():
            found["a"] = fit_once(SeasonalNaive(season_length=7), data)
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def task_b() -> None:
        a_in.wait(10)
        # Outside a block of its own: a plain fit, never task A's model.
        found["b_plain"] = fit_once(SeasonalNaive(season_length=7), data)
        with reusing_fits():
            b_in.set()
            first = fit_once(SeasonalNaive(season_length=7), data)
            a_out.wait(10)  # task A's block has closed meanwhile
            again = fit_once(SeasonalNaive(season_length=7), data)
            found["b_reused"] = again is first

    threads = [threading.Thread(target=task_a), threading.Thread(target=task_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert found["b_plain"] is not found["a"]
    assert found["b_reused"] is True


def test_a_series_whose_fit_raises_gets_its_fallback_on_the_cluster(cluster) -> None:
    from demand.forecast.fitting import SeriesTask, fit_series

    history = _series(120)
    key = ("incidents", "D", "count", "operational", "force")
    tasks = [
        SeriesTask(key, "seasonal_naive", "seasonal_naive", history, 14, (80, 95)),
        SeriesTask(key, "no_such_model", "seasonal_naive", history, 14, (80, 95)),
    ]
    engine = EngineConfig(kind="dask", scheduler=cluster.scheduler_address)
    with open_engine(engine):
        good, bad = run_tasks(fit_series, tasks)
    assert not good.failed and bad.failed
    assert bad.chosen == "seasonal_naive" and "no_such_model failed" in bad.reason
    pd.testing.assert_frame_equal(bad.forecast, fit_series(tasks[0]).forecast)


PIPELINE = """
[pipeline]
name = "{name}"
stages = ["ingest", "series", "forecast"]
[ingest]
paths = ["{raw}"]
[series]
streams = ["mental_health"]
freqs = ["D"]
[forecast]
streams = ["mental_health"]
models = ["auto_ets"]
hourly_streams = []
backtest_windows = 2
models_dir = "{models}"
{engine}
"""


def test_a_pipeline_with_engine_dask_fills_the_store_as_a_local_run(
    tmp_path: Path,
) -> None:
    from demand.pipeline import run_pipeline

    raw = tmp_path / "raw"
    generate_force(raw, years=1, end=date(2025, 3, 31), seed=3)
    found = {}
    for name, engine in (
        ("local", "[engine]\nworkers = 1"),
        ("dask", '[engine]\nkind = "dask"\nworkers = 2'),
    ):
        path = tmp_path / f"{name}.toml"
        models = tmp_path / name / "models"
        text = PIPELINE.format(name=name, raw=raw, models=models, engine=engine)
        path.write_text(text, encoding="utf-8")
        db = tmp_path / f"{name}.duckdb"
        result = run_pipeline(load_pipeline(path), db, log_dir=tmp_path / "logs")
        assert result.status == "ok", result.error
        with Store(db, read_only=True) as store:
            found[name] = _tables(store, result.run_id)
    for table in TABLES:
        expected = found["local"][table]
        pd.testing.assert_frame_equal(found["dask"][table], expected, check_exact=True)
