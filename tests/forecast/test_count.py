"""The count regression: negative-binomial quantiles, median points, calendar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from demand.forecast import make_model
from demand.forecast.count import count_quantile


def _low_counts(n_days: int, seed: int = 0) -> pd.DataFrame:
    """Return one series of Poisson counts of about 3 a day with a weekday cycle."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2021-01-04", periods=n_days, freq="D")
    rate = 3.0 * np.array([1.0, 0.9, 0.9, 1.0, 1.2, 1.4, 1.1])[ds.day_of_week]
    return pd.DataFrame({"unique_id": "a", "ds": ds, "y": rng.poisson(rate) * 1.0})


def test_count_quantile_matches_scipy_at_whole_counts():
    mean = np.array([0.5, 3.0, 40.0])
    assert count_quantile(mean, 0.0, 0.5, smooth=False).tolist() == list(
        stats.poisson(mean).ppf(0.5)
    )
    r = 1.0 / 0.2
    expected = stats.nbinom(r, r / (r + mean)).ppf(0.9)
    np.testing.assert_array_equal(count_quantile(mean, 0.2, 0.9, False), expected)


def test_smoothed_count_quantile_moves_continuously_with_the_mean():
    means = np.linspace(2.0, 3.0, 21)
    upper = count_quantile(means, 0.0, 0.9)
    assert np.all(np.diff(upper) > 0)
    assert np.all(np.abs(upper - count_quantile(means, 0.0, 0.9, False)) <= 0.5)


def test_median_point_is_a_whole_count_at_low_volumes():
    series = _low_counts(400)
    out = make_model("count_glm", country="US", point="median").fit(series).predict(14)
    assert np.allclose(out["mean"], np.round(out["mean"]))
    mean = make_model("count_glm", country="US").fit(series).predict(14)  # the mean
    assert not np.allclose(mean["mean"], np.round(mean["mean"]))


def test_count_glm_recovers_the_weekday_cycle():
    series = _low_counts(730, seed=1).assign(y=lambda f: f["y"] * 20)
    out = make_model("count_glm", country=None, point="mean").fit(series).predict(7)
    by_day = out.set_index(out["ds"].dt.day_of_week)["mean"]
    assert by_day[5] / by_day[1] == pytest.approx(1.4 / 0.9, rel=0.1)


def test_count_glm_rejects_an_unknown_point():
    model = make_model("count_glm", point="mode", fallback=None)
    with pytest.raises(ValueError, match="point"):
        model.fit(_low_counts(100))


def test_median_point_sits_below_a_low_mean_and_on_a_high_one():
    from demand.forecast.calibration import median_point

    mean = np.array([2.6, 300.0, 0.0])
    lo, hi = mean - 1.2816 * np.sqrt(mean), mean + 1.2816 * np.sqrt(mean)
    point = median_point(mean, lo, hi)
    assert point[0] == 2.0  # Poisson(2.6) has median 2
    assert abs(point[1] - 300.0) <= 1.0
    assert point[2] == 0.0


def test_auto_with_try_median_records_which_point_it_kept():
    # Off by default (staffing sums means); when asked, auto keeps the median
    # point only where inner validation says it lowers MASE, and says which.
    series = _low_counts(500)
    kwargs = {"freq": "D", "candidates": ("seasonal_naive", "count_glm")}
    asked = make_model("auto", try_median=True, **kwargs).fit(series)
    # About 3 a day: the median (a whole count) beats the mean on MASE here.
    assert asked.choices_.set_index("unique_id").loc["a", "point"] == "median"
    assert "median point" in asked.choices_["reason"].iloc[0]
    forecast = asked.predict(14)
    assert np.allclose(forecast["mean"], np.round(forecast["mean"]))
    default = make_model("auto", **kwargs).fit(series)
    assert default.choices_.set_index("unique_id").loc["a", "point"] == "mean"


def _trending_negative_binomial(seed: int, growth_per_year: float) -> pd.DataFrame:
    """Return 2,000 days of negative-binomial counts (dispersion 0.02) with a
    weekday cycle, a yearly cycle and a steady trend."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2015-01-01", periods=2000, freq="D")
    years = np.arange(ds.size) / 365.25
    week = np.array([1.0, 0.95, 0.95, 1.0, 1.1, 1.2, 1.05])[ds.day_of_week]
    mu = 60.0 * week * (1 + 0.1 * np.sin(2 * np.pi * years))
    mu *= (1 + growth_per_year) ** years
    r = 1 / 0.02
    y = rng.negative_binomial(r, r / (r + mu)) * 1.0
    return pd.DataFrame({"unique_id": f"s{seed}", "ds": ds, "y": y})


def test_count_glm_80_percent_intervals_cover_70_to_90_percent_of_trending_counts():
    from demand.forecast.backtest import protocol_cutoffs, run_protocol

    series = pd.concat(
        [_trending_negative_binomial(i, g) for i, g in enumerate((0.25, -0.15))]
    )
    backtests = run_protocol(make_model("count_glm", country=None), series, "D")
    assert len(backtests) == 2 * len(protocol_cutoffs(series, "D").cutoffs) * 28
    inside = backtests["y"].between(backtests["lo_80"], backtests["hi_80"])
    assert 0.70 <= inside.mean() <= 0.90
    inside_95 = backtests["y"].between(backtests["lo_95"], backtests["hi_95"])
    assert 0.90 <= inside_95.mean() <= 0.99


def test_count_glm_follows_a_level_that_moved_since_the_last_knot():
    rng = np.random.default_rng(0)
    ds = pd.date_range("2020-01-01", periods=1500, freq="D")
    rate = np.where(np.arange(ds.size) >= ds.size - 42, 65.0, 50.0)  # +30 %
    series = pd.DataFrame({"unique_id": "a", "ds": ds, "y": rng.poisson(rate) * 1.0})
    default = make_model("count_glm", country=None).fit(series).predict(28)
    held = make_model("count_glm", country=None, level_halflife=0).fit(series)
    held_mean = held.predict(28)["mean"].mean()
    assert default["mean"].mean() > held_mean + 1.0  # the local level is on
    assert default["mean"].mean() == pytest.approx(65.0, rel=0.1)
