"""Rolling-origin backtests: the protocol's cutoffs, no leakage, and the metrics."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from demand.forecast import MODELS, SeasonalNaive
from demand.forecast.backtest import (
    cross_validate,
    protocol_cutoffs,
    run_protocol,
    score_backtests,
)
from demand.forecast.metrics import (
    bias,
    coverage,
    mase,
    msis,
    rmse,
    scaled_quantile_loss,
    seasonal_naive_mae,
    smape,
)

BACKTEST_COLUMNS = [
    "unique_id",
    "cutoff",
    "ds",
    "y",
    "model",
    "mean",
    "lo_80",
    "hi_80",
    "lo_95",
    "hi_95",
]


def _grid(freq: str, periods: int, start: str = "2015-01-01") -> pd.DataFrame:
    ds = pd.date_range(start, periods=periods, freq=freq)
    return pd.DataFrame({"unique_id": "a", "ds": ds, "y": 1.0})


# -- the protocol's cutoffs, horizons and training windows (bench/protocol.md) --


def test_daily_protocol_has_12_cutoffs_28_days_apart_tiling_the_last_336_days():
    series = _grid("D", 2000)
    last = series["ds"].max()
    plan = protocol_cutoffs(series, "D")
    expected = [last - pd.Timedelta(days=28 * (13 - k)) for k in range(1, 13)]
    assert list(plan.cutoffs) == expected
    assert (plan.h, plan.n_windows, plan.train_window, plan.season_length) == (
        28,
        12,
        1461,
        7,
    )
    assert plan.cutoffs[0] + pd.Timedelta(days=1) == last - pd.Timedelta(days=335)
    assert plan.cutoffs[-1] + pd.Timedelta(days=28) == last


def test_monthly_protocol_has_12_overlapping_cutoffs_and_all_history():
    series = _grid("MS", 60, start="2017-01-01")
    plan = protocol_cutoffs(series, "M")
    last = pd.Timestamp("2021-12-01")
    assert list(plan.cutoffs) == [
        last - pd.DateOffset(months=24 - k) for k in range(1, 13)
    ]
    assert plan.cutoffs[0] == pd.Timestamp("2020-01-01")
    assert (plan.h, plan.step, plan.train_window, plan.season_length) == (
        12,
        1,
        None,
        12,
    )


def test_hourly_protocol_has_8_weekly_cutoffs_and_all_history():
    series = _grid("h", 24 * 7 * 12)
    last = series["ds"].max()
    plan = protocol_cutoffs(series, "h")
    assert list(plan.cutoffs) == [
        last - pd.Timedelta(hours=168 * (9 - k)) for k in range(1, 9)
    ]
    assert (plan.h, plan.n_windows, plan.train_window, plan.season_length) == (
        168,
        8,
        None,
        168,
    )


def test_protocol_covers_only_daily_monthly_and_hourly():
    with pytest.raises(ValueError, match="D, M and h"):
        protocol_cutoffs(_grid("W-MON", 200), "W")


def test_daily_protocol_trains_on_exactly_the_last_1461_days(make_demand, monkeypatch):
    seen = []
    original = SeasonalNaive._fit

    def recording_fit(self, series):
        seen.append((series["ds"].min(), series["ds"].max(), len(series)))
        original(self, series)

    monkeypatch.setattr(SeasonalNaive, "_fit", recording_fit)
    series = make_demand(n_periods=1900, unique_ids=("a",))
    plan = protocol_cutoffs(series, "D")
    backtests = run_protocol(SeasonalNaive(), series, "D")
    assert [(end, n) for _, end, n in seen] == [(c, 1461) for c in plan.cutoffs]
    assert len(backtests) == 12 * 28
    assert backtests["ds"].is_unique  # the test windows tile the last 336 days


# -- cross_validate --


def test_cross_validate_returns_the_backtests_shape(make_demand):
    series = make_demand(n_periods=60)
    backtests = cross_validate(SeasonalNaive(), series, h=7, n_windows=3, step=5)
    assert list(backtests.columns) == BACKTEST_COLUMNS
    assert len(backtests) == 2 * 3 * 7
    last = series["ds"].max()
    cutoffs = sorted(backtests["cutoff"].unique())
    assert cutoffs == [last - pd.Timedelta(days=7 + 5 * (3 - k)) for k in (1, 2, 3)]
    ahead = backtests["ds"] - backtests["cutoff"]
    assert ahead.between(pd.Timedelta(days=1), pd.Timedelta(days=7)).all()
    actual = backtests.merge(series, on=["unique_id", "ds"], suffixes=("", "_series"))
    assert (actual["y"] == actual["y_series"]).all()


def test_cross_validate_leaves_the_forecaster_unfitted(make_demand):
    model = SeasonalNaive()
    cross_validate(model, make_demand(n_periods=40), h=7, n_windows=2, step=7)
    assert not hasattr(model, "states_")


def test_cross_validate_rejects_cutoffs_before_the_data(make_demand):
    with pytest.raises(ValueError, match="first cutoff"):
        cross_validate(
            SeasonalNaive(), make_demand(n_periods=20), h=7, n_windows=4, step=7
        )


@pytest.mark.parametrize("alias", sorted(MODELS))
def test_no_leakage_nothing_after_a_cutoff_or_before_the_window_is_used(
    alias, make_demand, make_cheap_model
):
    series = make_demand(n_periods=91, level=60.0, seed=11)
    h, n_windows, step, window = 7, 2, 7, 70
    model = make_cheap_model(alias)
    clean = cross_validate(model, series, h, n_windows, step, window)
    forecast_columns = [
        "unique_id",
        "cutoff",
        "ds",
        "model",
        "mean",
        *BACKTEST_COLUMNS[6:],
    ]
    for cutoff in clean["cutoff"].unique():
        poisoned = series.copy()
        after = poisoned["ds"] > cutoff
        before = poisoned["ds"] <= cutoff - pd.Timedelta(days=window)
        poisoned.loc[after, "y"] = 1e9  # the future: huge numbers
        poisoned.loc[before, "y"] = -1e9  # outside the training window
        dirty = cross_validate(model, poisoned, h, n_windows, step, window)
        expected = clean.loc[clean["cutoff"] == cutoff, forecast_columns]
        got = dirty.loc[dirty["cutoff"] == cutoff, forecast_columns]
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), expected.reset_index(drop=True)
        )
        assert (dirty.loc[dirty["cutoff"] == cutoff, "y"] == 1e9).all()


# -- metrics --


def test_metric_known_answers():
    assert seasonal_naive_mae([1, 2, 4, 7], 1) == pytest.approx(2.0)
    assert seasonal_naive_mae([5, 6, 5, 9], 2) == pytest.approx(1.5)
    assert math.isnan(seasonal_naive_mae([1, 2], 2))
    assert mase([10, 20], [12, 17], 2.0) == pytest.approx(1.25)
    assert mase([10, 20], [12, 17], [1.0, 3.0]) == pytest.approx(1.5)
    assert smape([0, 0], [0, 0]) == 0.0  # 0/0 = 0
    assert smape([0, 10], [5, 10]) == pytest.approx(100.0)
    assert smape([100], [50]) == pytest.approx(200 * 50 / 150)
    assert rmse([1, 2, 3], [2, 2, 5]) == pytest.approx(math.sqrt(5 / 3))
    assert bias([10, 30], [15, 30]) == pytest.approx(12.5)
    assert bias([0, 0], [0, 0]) == 0.0 and math.isnan(bias([0], [1]))
    assert coverage([1, 5, 9], [0, 6, 9], [2, 8, 9]) == pytest.approx(2 / 3)


def test_probabilistic_score_known_answers():
    # median only: pinball 0.5 |e| = 1, scaled by 2 -> MASE / 2
    assert scaled_quantile_loss([10], {0.5: [12]}, 2.0) == pytest.approx(0.5)
    # q 0.1 below y by 2: 0.1 * 2; q 0.9 above y by 4: (1 - 0.9) * 4; mean of both
    loss = scaled_quantile_loss([10], {0.1: [8], 0.9: [14]}, 1.0)
    assert loss == pytest.approx((0.2 + 0.4) / 2)
    # a miss costs 2 / alpha = 40 per unit outside: width 8 + 40 * 2, scale 2
    assert msis([10], [12], [20], 2.0) == pytest.approx(88 / 2)
    assert msis([25], [12], [20], 1.0) == pytest.approx(8 + 40 * 5)
    assert msis([15, 15], [12, 10], [20, 20], [1.0, 2.0]) == pytest.approx(6.5)


def test_score_backtests_scales_mase_by_each_cutoffs_training_window():
    series = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": pd.date_range("2024-01-01", periods=6),
            "y": [0.0, 2.0, 4.0, 4.0, 4.0, 4.0],
        }
    )
    cutoffs = pd.to_datetime(["2024-01-03", "2024-01-03", "2024-01-05"])
    backtests = pd.DataFrame(
        {
            "unique_id": "a",
            "cutoff": cutoffs,
            "ds": pd.to_datetime(["2024-01-04", "2024-01-05", "2024-01-06"]),
            "y": [4.0, 4.0, 4.0],
            "model": "m",
            "mean": [6.0, 4.0, 7.0],
            "lo_80": [3.0, 3.0, 5.0],
            "hi_80": [7.0, 5.0, 9.0],
            "lo_95": [2.0, 2.0, 0.0],
            "hi_95": [8.0, 6.0, 9.0],
        }
    )
    scores = score_backtests(backtests, series, season_length=1)
    row = scores.iloc[0]
    # scales: cutoff 01-03 sees 0, 2, 4 -> 2; cutoff 01-05 sees 0, 2, 4, 4, 4 -> 1
    assert row["mase"] == pytest.approx((2 / 2 + 0 / 2 + 3 / 1) / 3)
    assert row["smape"] == pytest.approx((40 + 0 + 600 / 11) / 3)
    assert row["rmse"] == pytest.approx(math.sqrt(13 / 3))
    assert row["bias"] == pytest.approx(100 * 5 / 12)
    assert (row["cov80"], row["cov95"]) == (pytest.approx(2 / 3), 1.0)
    # pinball losses at q 0.025, 0.1, 0.5, 0.9, 0.975 (bounds lo_95, lo_80, mean,
    # hi_80, hi_95), y = 4 each time:
    #   point 1 (2, 3, 6, 7, 8): .05 + .1 + 1.0 + .3 + .1 = 1.55, scale 2
    #   point 2 (2, 3, 4, 5, 6): .05 + .1 + 0 + .1 + .05 = 0.30, scale 2
    #   point 3 (0, 5, 7, 9, 9): .1 + .9 + 1.5 + .5 + .125 = 3.125, scale 1
    assert row["sql"] == pytest.approx((1.55 / 2 + 0.30 / 2 + 3.125) / 15)
    # 95 % widths 6, 4, 9, all inside: (6 / 2 + 4 / 2 + 9 / 1) / 3
    assert row["msis"] == pytest.approx(14 / 3)
    assert list(scores.columns[:8]) == [
        "unique_id",
        "model",
        "mase",
        "smape",
        "rmse",
        "bias",
        "cov80",
        "cov95",
    ]
    windowed = score_backtests(backtests, series, season_length=1, train_window=4)
    # with a 4-day window cutoff 01-05 sees 2, 4, 4, 4 -> 2/3
    assert windowed.iloc[0]["mase"] == pytest.approx((1 + 0 + 3 / (2 / 3)) / 3)


def test_stage_and_cross_validate_backtest_with_the_one_loop(make_demand):
    from demand.forecast.fitting import BacktestTask, backtest_series

    series = make_demand(n_periods=200, unique_ids=("a",), level=50.0, seed=3)
    kwargs = {"h": 14, "n_windows": 3, "step": 7, "train_window": 60}
    expected = cross_validate(SeasonalNaive(freq="D"), series, **kwargs)
    task = BacktestTask(
        ("incidents", "D", "count", "operational", "a"),
        "seasonal_naive",
        "naive",
        series[["unique_id", "ds", "y"]],
        coverages=(80, 95),
        events=(),
        max_growth_per_year=10.0,
        last=series["ds"].max(),
        **kwargs,
    )
    got = backtest_series(task)
    assert got["cutoff"].nunique() == 3
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
