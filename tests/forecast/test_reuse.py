"""Fits reused within one unit of work, and forecasts past one-off holidays."""

from __future__ import annotations

import pandas as pd
import pytest

from demand.forecast import CountRegression, HarmonicRegression, SeasonalNaive
from demand.forecast.fitting import (
    BacktestTask,
    SeriesTask,
    backtest_series,
    fit_series,
    forecast_and_backtest,
)
from demand.forecast.reuse import fit_once, reusing_fits


def test_fit_once_returns_the_earlier_fit_of_the_same_model_and_data(
    make_demand,
) -> None:
    demand = make_demand(60, "D")
    with reusing_fits():
        first = fit_once(SeasonalNaive(season_length=7), demand)
        again = fit_once(SeasonalNaive(season_length=7), demand.copy())
        other_params = fit_once(SeasonalNaive(season_length=14), demand)
        other_data = fit_once(SeasonalNaive(season_length=7), demand.iloc[:-2])
    assert again is first
    assert other_params is not first
    assert other_data is not first


def test_fit_once_outside_a_block_always_fits(make_demand) -> None:
    demand = make_demand(60, "D")
    first = fit_once(SeasonalNaive(season_length=7), demand)
    assert fit_once(SeasonalNaive(season_length=7), demand) is not first


def test_forecast_and_backtest_equal_the_two_run_apart(make_demand) -> None:
    series = make_demand(140, "D", unique_ids=("north",))
    key = ("calls", "D", "count", "operational", "north")
    forecast = SeriesTask(key, "seasonal_naive", "naive", series, 14, (80, 95))
    backtest = BacktestTask(
        key,
        "seasonal_naive",
        "naive",
        series,
        14,
        3,
        7,
        None,
        (80, 95),
        (),
        0.25,
        series["ds"].max(),
    )
    together, windows = forecast_and_backtest((forecast, backtest))
    pd.testing.assert_frame_equal(together.forecast, fit_series(forecast).forecast)
    pd.testing.assert_frame_equal(windows, backtest_series(backtest))


@pytest.mark.parametrize("model_class", [HarmonicRegression, CountRegression])
def test_calendar_models_forecast_years_without_the_training_one_offs(
    make_demand, model_class
) -> None:
    # Training covers 2022's state funeral, a one-off bank holiday; the
    # forecast years do not, and the forecast must still be made.
    demand = make_demand(1092, "D", unique_ids=("north",))
    model = model_class(country="GB", freq="D", fallback=None).fit(demand)
    forecast = model.predict(28, (80,))
    assert len(forecast) == 28
    assert forecast["mean"].notna().all()
