"""A recent level shift: found, taken out of `auto`'s history, never leaked."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from demand.forecast import make_model
from demand.forecast.backtest import cross_validate
from demand.forecast.level_shift import (
    LevelShifts,
    adjust_for_shift,
    recent_level_shift,
)
from demand.forecast.metrics import mase, seasonal_naive_mae


def _rate(n_months: int) -> np.ndarray:
    """A yearly cycle around 1000 a month with a slow trend."""
    t = np.arange(n_months)
    return 1000 * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) * (1 + 0.002 * t)


def _series(n_months: int, since: int, factor: float, seed: int) -> pd.DataFrame:
    """Poisson counts whose rate is scaled by `factor` for the last `since` months."""
    rate = _rate(n_months)
    if since:
        rate[-since:] *= factor
    y = np.random.default_rng(seed).poisson(rate) * 1.0
    ds = pd.date_range("2015-01-01", periods=n_months, freq="MS")
    return pd.DataFrame({"unique_id": "s", "ds": ds, "y": y})


@pytest.mark.parametrize(("since", "factor"), [(3, 0.7), (5, 1.3), (10, 0.7)])
def test_a_recent_shift_is_found_where_and_as_large_as_it_is(since, factor):
    y = _series(96, since, factor, seed=1)["y"].to_numpy()
    found = recent_level_shift(y, 12, 12)
    assert found is not None
    n, size, se = found
    assert 0 < se < 0.05
    assert n == since
    assert size == pytest.approx(factor - 1, abs=0.08)  # its standard error: about 0.03


def test_poisson_noise_alone_is_no_shift():
    found = [
        recent_level_shift(_series(96, 0, 1.0, seed)["y"].to_numpy(), 12, 12)
        for seed in range(40)
    ]
    assert found == [None] * 40


def test_an_older_shift_is_no_recent_one():
    # 18 months ago: its anniversary steps the year-on-year ratios back down
    y = _series(96, 18, 0.7, seed=2)["y"].to_numpy()
    assert recent_level_shift(y, 12, 12) is None


def test_the_history_before_a_shift_is_scaled_to_the_new_level():
    series = pd.concat(
        [
            _series(96, 4, 0.7, seed=3),
            _series(96, 0, 1.0, seed=3).assign(unique_id="t"),
        ],
        ignore_index=True,
    )
    adjusted, shifts = adjust_for_shift(series, 12, 12, "M")
    assert list(shifts.notes) == list(shifts.se) == ["s"]
    s, t = series["unique_id"] == "s", series["unique_id"] == "t"
    pd.testing.assert_frame_equal(adjusted[t], series[t])
    before = series[s].index[:-4]
    ratio = adjusted.loc[before, "y"].sum() / series.loc[before, "y"].sum()
    assert ratio == pytest.approx(0.7, abs=0.06)
    after = series[s].index[-4:]
    pd.testing.assert_series_equal(adjusted.loc[after, "y"], series.loc[after, "y"])
    assert adjust_for_shift(series, 7, 28, "D")[0] is series  # monthly only


def _scaled_mae(
    forecast: pd.DataFrame, test: pd.DataFrame, train: pd.DataFrame
) -> float:
    merged = forecast.merge(test, on=["unique_id", "ds"])
    return mase(merged["y"], merged["mean"], seasonal_naive_mae(train["y"], 12))


def test_auto_after_a_shift_is_about_as_good_as_its_best_member():
    # 3 months after a 30 % drop, every inner fit predates it; on main's code
    # `auto` kept forecasting near the old level (MASE about twice the best)
    full = _series(96 + 12, 15, 0.7, seed=5)
    train, test = full.iloc[:96], full.iloc[96:]
    members = ("seasonal_naive", "auto_ets", "arima_fourier")
    scores = {}
    for alias in ("auto", *members):
        model = make_model(alias, freq="M")
        if alias == "auto":
            model.set_params(candidates=members, country=None)
        forecast = model.fit(train).predict(12, level=(80,))
        scores[alias] = _scaled_mae(forecast, test, train)
    best = min(scores[a] for a in members)
    assert scores["auto"] <= 1.10 * best, scores


def test_no_leakage_through_the_shift_adjustment():
    series = _series(96, 16, 0.7, seed=6)  # the shift 4 months before the cutoff
    model = make_model(
        "auto", freq="M", candidates=("seasonal_naive", "auto_ets"), country=None
    )
    fitted = clone(model).fit(series.iloc[:-12])
    assert "level shift" in fitted.choices_["reason"].iloc[0]  # the path is taken
    columns = ["cutoff", "ds", "mean", "lo_80", "hi_80", "lo_95", "hi_95"]
    clean = cross_validate(clone(model), series, 12, 1, 1)
    poisoned = series.copy()
    poisoned.loc[poisoned["ds"] > clean["cutoff"].iloc[0], "y"] = 1e6
    dirty = cross_validate(clone(model), poisoned, 12, 1, 1)
    pd.testing.assert_frame_equal(dirty[columns], clean[columns])


def test_a_shifted_series_bounds_add_the_shifts_uncertainty():
    frame = pd.DataFrame({"mean": [100.0], "lo_80": [90.0], "hi_80": [110.0]})
    LevelShifts(se={"s": 0.05}).widen(frame, "s", (80,))
    extra = 1.2816 * 100 * 0.05  # z of 80 % x mean x se
    assert frame["hi_80"].iloc[0] == pytest.approx(100 + np.hypot(10, extra), abs=0.01)
    assert frame["lo_80"].iloc[0] == pytest.approx(100 - np.hypot(10, extra), abs=0.01)
    LevelShifts(se={"s": 0.05}).widen(frame, "t", (80,))  # no shift: unchanged
    assert frame["hi_80"].iloc[0] == pytest.approx(100 + np.hypot(10, extra), abs=0.01)
