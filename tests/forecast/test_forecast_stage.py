"""The forecast stage on the synthetic force: accuracy, RCRP, coherence, reuse."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demand.config import EventConfig, ForecastConfig
from demand.forecast.stage import backtest_store, run_forecast
from demand.ingest import ingest
from demand.series import build_hierarchy, to_financial_years, write_demand
from demand.store import Store
from demand.synth import RCRP_GO_LIVE, generate_force

STREAMS = ("calls", "incidents", "mental_health", "missing_persons", "crimes")
TRAIN_END = "2025-03-31"  # the last generated year (FY 2025/26) is held back
RCRP = EventConfig("rcrp", RCRP_GO_LIVE.isoformat(), streams=("mental_health",))


def _forecasts(store: Store, run_id: str) -> pd.DataFrame:
    return store.con.execute(
        "SELECT * FROM forecasts WHERE run_id = ? ORDER BY ALL", [run_id]
    ).df()


@pytest.fixture(scope="module")
def force(tmp_path_factory: pytest.TempPathFactory):
    """Four years of Northshire to 2026-03-31, forecast from 2025-03-31."""
    root = tmp_path_factory.mktemp("force")
    truth = generate_force(root / "raw", years=4, end=date(2026, 3, 31), seed=2024)
    store = Store(root / "demand.duckdb")
    assert ingest(store, [root / "raw"], adapter="northshire").ok
    for stream in STREAMS:
        for freq in ("D", "M"):
            measures = ("count", "officer_hours") if stream == "mental_health" else ()
            for measure in measures or ("count",):
                frame = build_hierarchy(store, stream, freq, measure=measure)
                write_demand(store, frame, stream, freq, measure)
    section = ForecastConfig(
        models=("auto_ets",),  # auto takes ~30 s a series: see test_auto_choices_*
        measures=("count", "officer_hours"),
        hourly_streams=(),
        events=(RCRP,),
        train_end=TRAIN_END,
        backtest=False,
        n_jobs=1,
        models_dir=str(root / "models"),
    )
    run_forecast(store, section, "main")
    yield store, section, truth
    store.close()


@pytest.mark.slow
def test_next_year_daily_mean_is_within_5_percent_of_truth(force) -> None:
    store, _, truth = force
    forecasts = _forecasts(store, "main")
    for stream in STREAMS:
        monthly = forecasts[
            (forecasts["unique_id"] == stream)
            & (forecasts["freq"] == "M")
            & (forecasts["measure"] == "count")
        ]
        daily_mean = monthly.nsmallest(12, "ds")["mean"].sum() / 365
        # The held-back year is the generator's last 365 days.
        expected = truth["streams"][stream]["expected_daily_mean_last_365"]
        assert daily_mean == pytest.approx(expected, rel=0.05), stream


@pytest.mark.slow
def test_80_percent_intervals_cover_70_to_90_percent_of_held_back_days(
    force,
) -> None:
    store, _, _ = force
    held = store.con.execute(
        "SELECT f.lo_80, f.hi_80, d.y FROM forecasts f JOIN demand d USING "
        "(unique_id, stream, freq, measure, ds) WHERE f.run_id = 'main' "
        "AND f.freq = 'D' AND d.ds > CAST(? AS TIMESTAMP)",
        [TRAIN_END],
    ).df()
    assert len(held) == 91 * 6 * 5  # 13 weeks, 6 stream-measures, force + 4 areas
    covered = ((held["lo_80"] <= held["y"]) & (held["y"] <= held["hi_80"])).mean()
    assert 0.70 <= covered <= 0.90


@pytest.mark.slow
def test_mental_health_forecast_follows_the_post_rcrp_level(force) -> None:
    store, _, _ = force
    history = store.con.execute(
        "SELECT ds >= CAST(? AS TIMESTAMP) AS post, avg(y) FROM demand "
        "WHERE unique_id = 'mental_health' AND measure = 'officer_hours' "
        "AND freq = 'D' AND ds <= CAST(? AS TIMESTAMP) GROUP BY ALL",
        [RCRP.date, TRAIN_END],
    ).fetchall()
    pre, post = (dict(history)[k] for k in (False, True))
    assert post < 0.8 * pre  # the step is there to be respected
    forecasts = _forecasts(store, "main")
    mh = forecasts[
        (forecasts["unique_id"] == "mental_health")
        & (forecasts["measure"] == "officer_hours")
    ]
    for freq in ("D", "M"):
        rows = mh[mh["freq"] == freq].nsmallest(12 if freq == "M" else 91, "ds")
        level = rows["mean"].sum() / (365 if freq == "M" else 91)
        assert level == pytest.approx(post, rel=0.08), freq
        assert abs(level - post) < 0.2 * abs(pre - post)


@pytest.mark.slow
def test_reconciled_areas_sum_exactly_to_the_force(force) -> None:
    store, _, _ = force
    forecasts = _forecasts(store, "main")
    forecasts["root"] = forecasts["unique_id"].str.split("/").str[0]
    is_force = forecasts["unique_id"] == forecasts["root"]
    keys = ["root", "freq", "measure", "ds"]
    areas = forecasts[~is_force].groupby(keys)["mean"].sum()
    total = forecasts[is_force].set_index(keys)["mean"]
    np.testing.assert_allclose(areas.loc[total.index], total, rtol=1e-9)


@pytest.mark.slow
def test_saved_models_reload_and_forecast_identically(force) -> None:
    store, section, _ = force
    folder = Path(section.models_dir) / "main"
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    entry = meta["models"][f"mental_health__D__count__{meta_model(meta)}.joblib"]
    assert {"parameters", "data_fingerprint", "choices"} <= set(entry)
    assert {"pandas", "statsmodels", "scikit-learn", "prophet"} <= set(meta["versions"])
    reuse = dataclasses.replace(section, reuse_models="main")
    run_forecast(store, reuse, "reused")
    pd.testing.assert_frame_equal(
        _forecasts(store, "reused").drop(columns="run_id"),
        _forecasts(store, "main").drop(columns="run_id"),
    )


def meta_model(meta: dict) -> str:
    """The model alias the saved files carry (auto, or auto_ets where absent)."""
    return next(iter(meta["models"].values()))["model"]


@pytest.mark.slow
def test_parallel_fitting_equals_serial(force) -> None:
    store, section, _ = force
    subset = dataclasses.replace(section, streams=("mental_health",), n_jobs=2)
    run_forecast(store, subset, "parallel")
    main = _forecasts(store, "main")
    serial = main[main["stream"] == "mental_health"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        _forecasts(store, "parallel").drop(columns="run_id"),
        serial.drop(columns="run_id"),
    )


@pytest.mark.slow
def test_strategic_forecasts_are_never_negative_and_stay_in_a_sane_band(
    force,
) -> None:
    store, _, _ = force
    forecasts = _forecasts(store, "main")
    numeric = forecasts[["mean", "lo_80", "hi_80", "lo_95", "hi_95"]]
    assert (numeric >= 0).all().all()
    monthly = forecasts[(forecasts["freq"] == "M")]
    assert monthly.groupby(["unique_id", "measure"]).size().eq(48).all()
    history = store.con.execute(
        "SELECT unique_id, ds, y FROM demand WHERE freq = 'M' AND measure = 'count' "
        "AND ds <= CAST(? AS TIMESTAMP)",
        [TRAIN_END],
    ).df()
    last_year = to_financial_years(history).query("financial_year == '2024/25'")
    ahead = to_financial_years(monthly[monthly["measure"] == "count"], "mean")
    assert set(ahead["financial_year"]) == {"2025/26", "2026/27", "2027/28", "2028/29"}
    ratio = ahead.merge(last_year, on="unique_id").eval("mean / y")
    assert ratio.between(0.85, 1.45).all(), ratio.describe()


@pytest.mark.slow
def test_backtest_store_writes_backtests_and_scores(force, tmp_path: Path) -> None:
    store, section, _ = force
    light = dataclasses.replace(
        section, streams=("mental_health",), measures=("count",), backtest_windows=2
    )
    rows = backtest_store(store, light, "bt")
    assert (
        rows
        == store.con.execute(
            "SELECT count(*) FROM backtests WHERE run_id = 'bt'"
        ).fetchone()[0]
    )
    scores = store.con.execute("SELECT * FROM model_scores WHERE run_id = 'bt'").df()
    assert len(scores) == 10  # force + 4 areas, daily and monthly
    assert scores["mase"].gt(0).all()
    assert scores["cov80"].between(0, 1).all()
