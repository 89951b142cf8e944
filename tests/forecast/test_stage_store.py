"""The forecast stage on a small hand-built store: tables, fallback, reuse, safety."""

from __future__ import annotations

import dataclasses
import gc
import json
import logging
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from demand.config import ForecastConfig
from demand.forecast import MODELS, BaseForecaster, artefacts
from demand.forecast.artefacts import ArtefactError
from demand.forecast.fitting import bound_growth
from demand.forecast.stage import backtest_store, run_forecast
from demand.series import write_demand
from demand.store import Store

AREAS = ("North", "South")


def _daily(days: int = 730, end: str = "2024-03-31", seed: int = 0) -> pd.DataFrame:
    """Force and two areas of daily counts with a weekly cycle (force = Σ areas)."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range(end=end, periods=days, freq="D")
    weekly = np.array([1.1, 1.0, 1.0, 1.0, 1.05, 0.95, 0.9])[ds.day_of_week]
    areas = {
        a: rng.poisson(20 * (i + 1) * weekly).astype(float) for i, a in enumerate(AREAS)
    }
    frames = [
        pd.DataFrame({"unique_id": f"crimes/area={a}", "ds": ds, "y": y})
        for a, y in areas.items()
    ]
    frames.insert(
        0, pd.DataFrame({"unique_id": "crimes", "ds": ds, "y": sum(areas.values())})
    )
    return pd.concat(frames, ignore_index=True)


def _monthly(daily: pd.DataFrame) -> pd.DataFrame:
    month = daily["ds"].dt.to_period("M").dt.start_time
    return (
        daily.assign(ds=month).groupby(["unique_id", "ds"], as_index=False)["y"].sum()
    )


def _fill(store: Store, daily: pd.DataFrame) -> None:
    write_demand(store, daily, "crimes", "D")
    write_demand(store, _monthly(daily), "crimes", "M")


@pytest.fixture
def section(tmp_path: Path) -> ForecastConfig:
    return ForecastConfig(
        models=("seasonal_naive",),
        hourly_streams=(),
        backtest=False,
        n_jobs=1,
        strategic_months=24,
        models_dir=str(tmp_path / "models"),
    )


def test_run_forecast_writes_forecasts_choices_scores_and_models(
    store: Store, section: ForecastConfig
) -> None:
    _fill(store, _daily())
    section = dataclasses.replace(section, backtest=True, backtest_windows=2)
    progress: list[tuple[int, int, str]] = []
    rows = run_forecast(store, section, "r1", progress=lambda *a: progress.append(a))
    assert rows == 3 * (91 + 24)
    assert len(progress) == 6 and progress[-1][:2] == (6, 6)
    forecasts = store.con.execute("SELECT * FROM forecasts").df()
    assert set(forecasts["horizon"]) == {"operational", "strategic"}
    assert (forecasts[["mean", "lo_80", "lo_95"]] >= 0).all().all()
    assert (forecasts["lo_95"] <= forecasts["lo_80"]).all()
    assert (forecasts["lo_80"] <= forecasts["mean"] + 1e-9).all()
    scores = store.con.execute("SELECT * FROM model_scores WHERE run_id = 'r1'").df()
    assert len(scores) == 6
    # Monthly MASE needs more than a year before the first cutoff; two years of
    # history leave less, so only the daily scores are finite here.
    assert scores.loc[scores["freq"] == "D", "mase"].notna().all()
    choices = store.con.execute("SELECT * FROM model_choices").df()
    assert len(choices) == 6 and set(choices["chosen"]) == {"seasonal_naive"}
    meta = json.loads((Path(section.models_dir) / "r1" / "metadata.json").read_text())
    entry = meta["models"]["crimes__M__count__seasonal_naive.joblib"]
    assert entry["parameters"]["alias"] == "seasonal_naive"
    assert len(entry["backtest_scores"]) == 3


def test_a_part_last_month_is_not_forecast_from(store: Store, section) -> None:
    _fill(store, _daily(end="2024-03-15"))
    run_forecast(store, section, "r1")
    first = store.con.execute(
        "SELECT min(ds) FROM forecasts WHERE freq = 'M'"
    ).fetchone()[0]
    assert first == pd.Timestamp("2024-03-01")


def test_train_end_holds_back_the_later_history(store: Store, section) -> None:
    _fill(store, _daily())
    run_forecast(store, dataclasses.replace(section, train_end="2023-12-31"), "r1")
    first = store.con.execute(
        "SELECT freq, min(ds) FROM forecasts GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert first == [
        ("D", pd.Timestamp("2024-01-01")),
        ("M", pd.Timestamp("2024-01-01")),
    ]


def test_reuse_refuses_changed_data_and_other_versions_or_code(
    store: Store, section
) -> None:
    daily = _daily()
    _fill(store, daily)
    run_forecast(store, section, "r1")
    reuse = dataclasses.replace(section, reuse_models="r1")
    run_forecast(store, reuse, "r2")  # same data: accepted
    meta_path = Path(section.models_dir) / "r1" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["versions"]["pandas"] = "0.0.1"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ArtefactError, match=r"other library versions \(pandas 0.0.1"):
        run_forecast(store, reuse, "r3")
    run_forecast(store, section, "r1")  # refit and save again
    meta = json.loads(meta_path.read_text())
    meta["code_version"] = "0.0.0+older"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ArtefactError, match=r"other forecasting code \(0.0.0\+older"):
        run_forecast(store, reuse, "r3")
    run_forecast(store, section, "r1")  # refit and save again
    changed = daily.copy()
    changed.loc[changed.index[-1], "y"] += 1
    _fill(store, changed)
    with pytest.raises(ArtefactError, match="data fingerprint differs"):
        run_forecast(store, reuse, "r3")
    with pytest.raises(ArtefactError, match="No saved models"):
        run_forecast(store, dataclasses.replace(section, reuse_models="nope"), "r3")


class _Broken(BaseForecaster):
    """A model that never fits (for the fallback test)."""

    def __init__(self, freq: str | None = None, alias: str = "broken"):
        self.freq = freq
        self.alias = alias

    def _fit(self, series: pd.DataFrame) -> None:
        raise RuntimeError("cannot fit")


def test_a_model_that_fails_falls_back_logged_and_recorded(
    store: Store, section, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    monkeypatch.setitem(MODELS, "broken", _Broken)
    _fill(store, _daily())
    with caplog.at_level(logging.WARNING, logger="demand.forecast"):
        run_forecast(store, dataclasses.replace(section, models=("broken",)), "r1")
    choices = store.con.execute("SELECT * FROM model_choices").df()
    assert set(choices["chosen"]) == {"seasonal_naive"}
    assert choices["reason"].str.contains("broken failed").all()
    assert "broken failed" in caplog.text
    models = store.con.execute("SELECT DISTINCT model FROM forecasts").fetchall()
    assert models == [("seasonal_naive",)]


def test_auto_choices_reach_model_choices(
    store: Store, section, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "auto" not in MODELS:
        pytest.skip("the auto model is not registered yet")
    auto = MODELS["auto"]

    def light(**params):  # two quick candidates instead of five slow ones
        return auto(candidates=("seasonal_naive", "auto_ets"), top_k=1, **params)

    light._get_param_names = auto._get_param_names  # type: ignore[attr-defined]
    monkeypatch.setitem(MODELS, "auto", light)
    _fill(store, _daily(days=400))
    run_forecast(
        store,
        dataclasses.replace(section, models=("auto",), operational_days=14),
        "r1",
    )
    choices = store.con.execute("SELECT * FROM model_choices WHERE freq = 'D'").df()
    assert set(choices["chosen"]) <= {"seasonal_naive", "auto_ets"}
    assert choices["reason"].str.contains("MASE").all()


def test_bound_growth_caps_absurd_growth_and_leaves_sane_forecasts() -> None:
    ds = pd.date_range("2020-01-01", periods=36, freq="MS")
    history = pd.DataFrame({"unique_id": "x", "ds": ds, "y": 100.0})
    future = pd.date_range("2023-01-01", periods=48, freq="MS")
    wild = pd.DataFrame(
        {
            "unique_id": "x",
            "ds": future,
            "model": "m",
            "mean": 100 * 2.0 ** (np.arange(48) / 12),
        }
    )
    capped, flag = bound_growth(wild, history, "M", 0.25)
    assert flag and "growth capped" in flag
    years = (future - ds[-7]) / pd.Timedelta(days=365.25)  # middle of the base
    assert (capped["mean"] <= 100 * 1.25 ** np.maximum(years, 1) + 1e-9).all()
    sane = wild.assign(mean=105.0)
    same, none = bound_growth(sane, history, "M", 0.25)
    assert none is None and same.equals(sane)


def test_backtest_store_alone_writes_scores(store: Store, section) -> None:
    _fill(store, _daily())
    rows = backtest_store(store, dataclasses.replace(section, backtest_windows=2), "bt")
    assert rows > 0
    assert store.count("model_scores") == 6


def test_hourly_streams_get_the_hourly_operational_horizon(
    store: Store, section
) -> None:
    rng = np.random.default_rng(1)
    ds = pd.date_range("2024-01-01", periods=6 * 168, freq="h")
    shape = 1 + 0.5 * np.sin(2 * np.pi * ds.hour / 24)
    north, south = (rng.poisson(k * shape).astype(float) for k in (8, 5))
    hourly = pd.concat(
        [
            pd.DataFrame({"unique_id": uid, "ds": ds, "y": y})
            for uid, y in [
                ("calls", north + south),
                ("calls/area=North", north),
                ("calls/area=South", south),
            ]
        ],
        ignore_index=True,
    )
    write_demand(store, hourly, "calls", "h")
    hours = dataclasses.replace(
        section, hourly_streams=("calls",), operational_hours=48
    )
    assert run_forecast(store, hours, "r1") == 3 * 48
    last = store.con.execute("SELECT max(ds) FROM forecasts").fetchone()[0]
    assert last == ds[-1] + pd.Timedelta(hours=48)


def test_the_forecast_stage_backtests_each_series_once(
    store: Store, section: ForecastConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from demand.context import PipelineContext
    from demand.forecast.baselines import SeasonalNaive
    from demand.stages import STAGE_SPECS

    _fill(store, _daily(days=1100))  # every monthly cutoff leaves > 1 season
    fits: list[str] = []
    original = SeasonalNaive._fit

    def counted(self, series):
        fits.append(str(series["unique_id"].iloc[0]))
        return original(self, series)

    monkeypatch.setattr(SeasonalNaive, "_fit", counted)
    section = dataclasses.replace(section, backtest=True, backtest_windows=3)
    STAGE_SPECS["forecast"].run(store, section, PipelineContext("p", "once"), None)
    # 3 series x 2 frequencies: one final fit plus one per backtest cutoff each
    # (before, the stage backtested every series twice: 3 x 2 x (1 + 3 + 3)).
    assert len(fits) == 3 * 2 * (1 + 3)
    assert store.count("backtests") > 0 and store.count("model_scores") == 6


def test_one_pass_backtests_equal_backtest_store_run_apart(
    store: Store, section: ForecastConfig
) -> None:
    _fill(store, _daily())
    section = dataclasses.replace(section, backtest=True, backtest_windows=2)
    run_forecast(store, section, "one_pass")
    backtest_store(store, section, "apart")

    def table(name: str, run_id: str) -> pd.DataFrame:
        return store.con.execute(
            f"SELECT * EXCLUDE (run_id) FROM {name} WHERE run_id = ? ORDER BY ALL",
            [run_id],
        ).df()

    for name in ("backtests", "model_scores"):
        pd.testing.assert_frame_equal(table(name, "one_pass"), table(name, "apart"))


def test_saved_models_are_written_per_group_with_one_metadata_file(
    store: Store, section: ForecastConfig
) -> None:
    _fill(store, _daily())
    run_forecast(store, section, "r2")
    folder = Path(section.models_dir) / "r2"
    meta = json.loads((folder / "metadata.json").read_text())
    assert sorted(meta["models"]) == [
        "crimes__D__count__seasonal_naive.joblib",
        "crimes__M__count__seasonal_naive.joblib",
    ]
    files = [file for entry in meta["models"].values() for file in entry["files"]]
    assert len(files) == 2 and all((folder / file).is_file() for file in files)
    reused = dataclasses.replace(section, reuse_models="r2")
    assert run_forecast(store, reused, "r3") == run_forecast(store, section, "r4")


def _fitted_forecasters() -> int:
    gc.collect()
    return sum(
        isinstance(o, BaseForecaster)
        and any(k.endswith("_") and not k.startswith("_") for k in vars(o))
        for o in gc.get_objects()
    )


def test_fitted_models_are_saved_as_they_arrive_not_held_per_group(
    store: Store, section: ForecastConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(store, _daily(days=1461))  # groups of 3 series, none falls back
    monkeypatch.setattr(artefacts, "PART_SERIES", 1, raising=False)
    held: list[int] = []
    dump = joblib.dump

    def counting_dump(value: object, *args: object, **kwargs: object) -> object:
        held.append(_fitted_forecasters())
        return dump(value, *args, **kwargs)

    monkeypatch.setattr(joblib, "dump", counting_dump)
    section = dataclasses.replace(section, backtest=True, backtest_windows=2)
    expected = run_forecast(store, section, "parts")
    assert len(held) == 6 and max(held) == 1  # one model at a time, not a group
    meta = json.loads((Path(section.models_dir) / "parts/metadata.json").read_text())
    assert [len(e["files"]) for e in meta["models"].values()] == [3, 3]
    reused = dataclasses.replace(section, reuse_models="parts")
    assert run_forecast(store, reused, "from_parts") == expected


def test_every_group_goes_to_the_engine_together(
    store: Store, section: ForecastConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from demand.forecast import stage

    _fill(store, _daily(days=1461))  # two groups (D, M) of three series
    sent: list[int] = []
    send = stage.iter_tasks

    def counting(func: object, tasks: list, **options: object) -> object:
        sent.append(len(tasks))
        return send(func, tasks, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(stage, "iter_tasks", counting, raising=False)
    run_forecast(store, section, "together")
    assert sent == [6]  # one engine call: a wide cluster is not left waiting
