"""The count regression: negative-binomial quantiles, median points, calendar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from demand.forecast import make_model
from demand.forecast.count import count_quantile


def _low_counts(n_days: int, seed: int = 0) -> pd.DataFrame:
    """Return one stream of Poisson counts of about 3 a day with a weekday cycle."""
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
    from demand.forecast.select import median_point

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
