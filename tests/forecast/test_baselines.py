"""Seasonal naive, naive and AutoETS against hand-computed values and statsmodels."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

from demand.forecast import AutoETS, BaseForecaster, Naive, SeasonalNaive


def _one_series(y, freq: str = "D", start: str = "2024-01-01") -> pd.DataFrame:
    pandas_freq = {"D": "D", "M": "MS", "H": "h"}[freq]
    ds = pd.date_range(start, periods=len(y), freq=pandas_freq)
    return pd.DataFrame({"unique_id": "a", "ds": ds, "y": np.asarray(y, dtype=float)})


def test_seasonal_naive_matches_hand_computed_values():
    # differences y_t - y_{t-3}: 1, 1, 3, 1, 1, -1 -> sorted -1, 1, 1, 1, 1, 3;
    # linear quantiles: q.10 = 0, q.90 = 2, q.025 = -0.75, q.975 = 2.75.
    series = _one_series([2, 4, 6, 3, 5, 9, 4, 6, 8])
    out = SeasonalNaive(season_length=3).fit(series).predict(5)
    root2 = math.sqrt(2)
    np.testing.assert_allclose(out["mean"], [4, 6, 8, 4, 6])
    np.testing.assert_allclose(out["lo_80"], [4, 6, 8, 4, 6])  # q.10 = 0
    np.testing.assert_allclose(out["hi_80"], [6, 8, 10, 4 + 2 * root2, 6 + 2 * root2])
    np.testing.assert_allclose(
        out["lo_95"], [3.25, 5.25, 7.25, 4 - 0.75 * root2, 6 - 0.75 * root2]
    )
    np.testing.assert_allclose(
        out["hi_95"], [6.75, 8.75, 10.75, 4 + 2.75 * root2, 6 + 2.75 * root2]
    )
    assert list(out["ds"]) == list(pd.date_range("2024-01-10", periods=5))
    assert (out["model"] == "seasonal_naive").all()


def test_seasonal_naive_intervals_follow_the_protocol(make_demand):
    series = make_demand(n_periods=91, unique_ids=("a",), level=200.0)
    h, m = 30, 7
    out = SeasonalNaive().fit(series).predict(h, level=(80, 95))
    y = series["y"].to_numpy()
    differences = y[m:] - y[:-m]
    mean = np.resize(y[-m:], h)
    scale = np.sqrt(np.ceil(np.arange(1, h + 1) / m))
    for lv in (80, 95):
        q_lo, q_hi = np.quantile(differences, [(1 - lv / 100) / 2, (1 + lv / 100) / 2])
        np.testing.assert_allclose(out[f"lo_{lv}"], np.maximum(mean + q_lo * scale, 0))
        np.testing.assert_allclose(out[f"hi_{lv}"], mean + q_hi * scale)


def test_seasonal_naive_season_length_defaults_by_frequency():
    monthly = _one_series(np.arange(30) % 12 + 5.0, freq="M")
    model = SeasonalNaive().fit(monthly)
    assert (model.freq_, model.season_length_) == ("M", 12)
    np.testing.assert_allclose(model.predict(12)["mean"], np.arange(6, 18) % 12 + 5.0)
    hourly = _one_series(np.arange(400) % 168, freq="H")
    assert SeasonalNaive().fit(hourly).season_length_ == 168


def test_seasonal_naive_truncates_bounds_at_zero():
    series = _one_series([0, 9, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0])
    out = SeasonalNaive().fit(series).predict(7)
    assert out["lo_95"].min() == 0 and out["mean"].min() == 0


def test_naive_repeats_the_last_value():
    series = _one_series([3, 5, 4, 6, 10])
    out = Naive().fit(series).predict(4)
    np.testing.assert_allclose(out["mean"], [10, 10, 10, 10])
    assert (out["model"] == "naive").all()


def test_short_series_falls_back_to_naive_with_a_warning(make_demand, caplog):
    long = make_demand(n_periods=40, unique_ids=("long",))
    short = _one_series([4, 6, 5]).assign(unique_id="short")
    with caplog.at_level(logging.WARNING, logger="demand.forecast"):
        model = SeasonalNaive().fit(pd.concat([long, short]))
    assert "'short'" in caplog.text and "naive" in caplog.text
    out = model.predict(3)
    assert out.groupby("unique_id")["model"].first().to_dict() == {
        "long": "seasonal_naive",
        "short": "naive",
    }
    np.testing.assert_allclose(out.loc[out["unique_id"] == "short", "mean"], 5.0)


class _FailsOnSpikes(BaseForecaster):
    """Test model whose fit fails on series with a value above 1,000."""

    def __init__(self, fallback="seasonal_naive", alias="fails_on_spikes"):
        self.fallback = fallback
        self.alias = alias

    def _fit_series(self, y):
        if y.max() > 1000:
            raise RuntimeError("spike")
        return y[-1]

    def _predict_series(self, state, h, level):
        mean = np.full(h, state)
        return {"mean": mean} | {
            f"{s}_{lv:g}": mean for lv in level for s in "lo hi".split()
        }


def test_a_failed_series_uses_the_fallback_and_says_so(make_demand, caplog):
    series = make_demand(n_periods=35)
    series.loc[series["unique_id"] == "south", "y"] = 5000.0
    with caplog.at_level(logging.WARNING):
        out = _FailsOnSpikes().fit(series).predict(7)
    assert "'south'" in caplog.text and "seasonal_naive" in caplog.text
    models = out.groupby("unique_id")["model"].first().to_dict()
    assert models == {"north": "fails_on_spikes", "south": "seasonal_naive"}


def test_a_failed_series_without_fallback_raises_naming_the_series(make_demand):
    series = make_demand(n_periods=35)
    series.loc[series["unique_id"] == "south", "y"] = 5000.0
    model = _FailsOnSpikes(fallback=None)
    with pytest.raises(ValueError, match="'south'"):
        model.fit(series)
    assert not hasattr(model, "states_"), "a failed fit leaves the model unfitted"


def test_auto_ets_matches_statsmodels_called_directly(make_demand):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    series = make_demand(n_periods=112, unique_ids=("a",), level=300.0, seed=7)
    out = AutoETS().fit(series).predict(14, level=(80, 95))
    y = pd.Series(series["y"].to_numpy(dtype=float))
    result = ETSModel(
        y,
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=7,
    ).fit(disp=False)
    prediction = result.get_prediction(start=len(y), end=len(y) + 13)
    assert prediction.method == "exact"  # analytic intervals
    np.testing.assert_allclose(out["mean"], prediction.predicted_mean, rtol=1e-9)
    for lv in (80, 95):
        frame = prediction.summary_frame(alpha=1 - lv / 100)
        np.testing.assert_allclose(out[f"lo_{lv}"], frame["pi_lower"], rtol=1e-9)
        np.testing.assert_allclose(out[f"hi_{lv}"], frame["pi_upper"], rtol=1e-9)


def test_auto_ets_too_short_for_a_season_falls_back(caplog):
    series = _one_series([12, 14, 11, 13, 15, 18, 9, 12, 14, 11])
    with caplog.at_level(logging.WARNING):
        out = AutoETS().fit(series).predict(7)
    assert (out["model"] == "seasonal_naive").all()
    assert "auto_ets could not fit stream 'a'" in caplog.text
