"""The model zoo: Prophet against upstream, no leakage, selection, ensembles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from demand.forecast import (
    MODELS,
    AutoSelect,
    DailyProfile,
    Ensemble,
    SeasonalNaive,
    make_model,
)
from demand.forecast.backtest import cross_validate
from demand.forecast.calendar import calendar_features, holiday_names
from demand.forecast.calibration import MIN_CALIBRATION_ERRORS, conformal_bounds
from demand.forecast.choice import GUARD_MAX_MASE_RATIO, combination_rule, inner_plan
from demand.forecast.ml import lagged_level


def _weekly(n_days: int, seed: int = 0, start: str = "2022-01-03") -> pd.DataFrame:
    """Return one series of Poisson counts with a strong weekday pattern."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range(start, periods=n_days, freq="D")
    rate = 50.0 * np.array([1.0, 0.9, 0.9, 1.0, 1.3, 1.6, 1.2])[ds.day_of_week]
    return pd.DataFrame({"unique_id": "a", "ds": ds, "y": rng.poisson(rate) * 1.0})


# -- calendar --


def test_gb_means_england_and_wales_bank_holidays():
    days = holiday_names("GB", range(2024, 2025))
    assert pd.Timestamp("2024-08-26") in days  # England's summer bank holiday
    assert pd.Timestamp("2024-08-05") not in days  # Scotland's
    assert pd.Timestamp("2024-08-05") in holiday_names("GB-SCT", range(2024, 2025))
    assert pd.Timestamp("2024-07-04") in holiday_names("US", range(2024, 2025))
    assert holiday_names(None, range(2024, 2025)) == {}
    with pytest.raises(ValueError, match="ISO 3166"):
        holiday_names("Narnia", range(2024, 2025))


def test_calendar_flags_holidays_and_their_neighbours():
    ds = pd.date_range("2024-12-23", periods=5, freq="D")
    features = calendar_features(ds, "D", "GB")
    assert features["holiday"].tolist() == [0, 0, 1, 1, 0]  # 25 and 26 Dec
    assert features["holiday_before"].tolist() == [0, 1, 1, 0, 0]
    assert features["christmas"].tolist() == [0, 1, 1, 1, 0]


# -- Prophet --


@pytest.mark.slow
def test_prophet_mean_matches_prophet_called_directly():
    from prophet import Prophet

    from demand.forecast.calendar import holiday_frame

    series = _weekly(800)
    model = make_model("prophet", country="US", n_samples=100).fit(series)
    ours = model.predict(14, level=())
    upstream = Prophet(
        yearly_seasonality=True,
        weekly_seasonality=True,
        holidays=holiday_frame("US", range(2022, 2027)),
        uncertainty_samples=100,
    ).fit(series[["ds", "y"]], seed=0)
    future = pd.DataFrame({"ds": ours["ds"]})
    np.testing.assert_allclose(
        ours["mean"], upstream.predict(future)["yhat"].clip(lower=0), rtol=1e-6
    )


# -- gradient boosting: nothing from the future --


def test_lagged_level_uses_nothing_later_than_the_lag():
    y = np.arange(10.0)
    level = lagged_level(y, lag=3, window=2, n_out=14)
    assert np.isnan(level[:4]).all()
    assert level[4] == pytest.approx((0 + 1) / 2)  # target 4 sees y[0..1]
    assert level[12] == pytest.approx((8 + 9) / 2)  # target 12 sees y[8..9]
    assert level[13] == pytest.approx((8 + 9) / 2)  # beyond lag: the last window


@pytest.mark.parametrize("alias", ["gbm", "auto", "auto_select"])
def test_no_leakage_for_gradient_boosting_and_selection(alias, make_cheap_model):
    series = _weekly(160, seed=5)
    h, window = 7, 140
    model = make_cheap_model(alias)
    clean = cross_validate(model, series, h, 2, h, window)
    assert (clean["model"] == alias).all()  # really the model, not a fallback
    columns = ["cutoff", "ds", "mean", "lo_80", "hi_80", "lo_95", "hi_95"]
    for cutoff in clean["cutoff"].unique():
        poisoned = series.copy()
        poisoned.loc[poisoned["ds"] > cutoff, "y"] = 1e6
        dirty = cross_validate(model, poisoned, h, 2, h, window)
        pd.testing.assert_frame_equal(
            dirty.loc[dirty["cutoff"] == cutoff, columns].reset_index(drop=True),
            clean.loc[clean["cutoff"] == cutoff, columns].reset_index(drop=True),
        )


def test_no_leakage_into_auto_combination_weights_or_calibration():
    series = _weekly(600, seed=6)
    model = make_model(
        "auto", candidates=("seasonal_naive", "auto_ets", "count_glm"), n_windows=2
    ).set_params(country=None)
    for cutoff in series["ds"].iloc[[-15, -8]]:  # cross_validate's two cutoffs
        fitted = clone(model).fit(series[series["ds"] <= cutoff])
        members, weights = fitted.members_["a"]
        assert len(members) == 2  # a real combination, weighted by its backtest
        assert len(fitted.calibration_["a"]) >= MIN_CALIBRATION_ERRORS  # calibrated
    clean = cross_validate(model, series, 7, 2, 7)
    columns = ["cutoff", "ds", "mean", "lo_80", "hi_80", "lo_95", "hi_95"]
    for cutoff in clean["cutoff"].unique():
        poisoned = series.copy()
        poisoned.loc[poisoned["ds"] > cutoff, "y"] = 1e6
        dirty = cross_validate(model, poisoned, 7, 2, 7)
        pd.testing.assert_frame_equal(
            dirty.loc[dirty["cutoff"] == cutoff, columns].reset_index(drop=True),
            clean.loc[clean["cutoff"] == cutoff, columns].reset_index(drop=True),
        )


def test_gradient_boosting_learns_the_weekday_pattern(make_cheap_model):
    series = _weekly(200, seed=2)
    out = make_cheap_model("gbm", max_iter=100).fit(series).predict(7)
    by_day = out.set_index(out["ds"].dt.day_of_week)["mean"]
    assert by_day[5] > 1.3 * by_day[1]  # Saturday well above Tuesday


# -- selection --


def test_selection_picks_the_better_model_and_says_why():
    series = _weekly(120, seed=1)
    model = AutoSelect(
        candidates=("naive", "seasonal_naive"), n_windows=3, top_k=1, strategy="select"
    )
    model.fit(series)
    choice = model.choices_.iloc[0]
    assert choice["model"] == "seasonal_naive"
    assert "lowest inner MASE" in choice["reason"]
    assert choice["mase_seasonal_naive"] < choice["mase_naive"]
    assert {"unique_id", "model", "reason", "inner_mase", "inner_cov80"} <= set(
        model.choices_.columns
    )
    out = model.predict(7)
    assert (out["model"] == "auto").all()
    np.testing.assert_allclose(out["mean"], series["y"].to_numpy()[-7:])


def test_selection_reports_the_coverage_guard_and_short_history():
    series = _weekly(120, seed=1)
    strict = AutoSelect(
        candidates=("naive", "seasonal_naive"), min_cov80=1.01, strategy="select"
    )
    assert "no candidate reached cov80" in strict.fit(series).choices_["reason"][0]
    short = AutoSelect(candidates=("auto_ets",)).fit(_weekly(9))
    assert short.choices_["model"][0] == "seasonal_naive"
    assert "too short" in short.choices_["reason"][0]


def test_inner_plan_keeps_two_seasons_and_shortens_monthly_horizons():
    # (shortest, m, horizon, step, n_windows) -> (h, step, n_windows)
    assert inner_plan(48, 12, 12, 1, 3) == (12, 1, 3)
    assert inner_plan(37, 12, 12, 1, 3) == (11, 1, 3)
    assert inner_plan(30, 12, 12, 1, 3) == (4, 1, 3)
    assert inner_plan(25, 12, 12, 1, 3) == (1, 1, 1)
    assert inner_plan(24, 12, 12, 1, 3) is None
    assert inner_plan(1461, 7, 28, 28, 3) == (28, 28, 3)
    assert inner_plan(2688, 168, 168, 168, 3) == (168, 168, 3)


def test_short_monthly_inner_windows_keep_two_seasons_so_ets_is_validated():
    # 30 months of seasonal counts on a steep trend: ETS (which needs two
    # seasons) must be backtested as itself, not as its seasonal-naive fallback
    rng = np.random.default_rng(3)
    ds = pd.date_range("2022-01-01", periods=30, freq="MS")
    t = np.arange(30)
    rate = (200 + 8 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12))
    series = pd.DataFrame({"unique_id": "a", "ds": ds, "y": rng.poisson(rate) * 1.0})
    auto = AutoSelect(candidates=("seasonal_naive", "auto_ets")).fit(series)
    choice = auto.choices_.iloc[0]
    assert choice["mase_auto_ets"] < choice["mase_seasonal_naive"]
    assert choice["model"] == "auto_ets"


class _NarrowSeasonalNaive(SeasonalNaive):
    """Seasonal naive with zero-width intervals: a good point, overconfident."""

    def __init__(
        self, season_length=None, freq=None, fallback="naive", alias="narrow_snaive"
    ):
        super().__init__(season_length, freq, fallback, alias)

    def _predict_series(self, state, h, level):
        out = super()._predict_series(state, h, level)
        return {k: out["mean"] if k != "mean" else v for k, v in out.items()}


def test_combination_drops_what_loses_to_seasonal_naive_and_weighs_by_rule():
    rows = pd.DataFrame(
        {"mase": [0.80, 0.82, 0.95, 1.00, 1.20]},
        index=["a", "b", "c", "seasonal_naive", "naive"],
    )
    members, weights, _, reason = combination_rule(rows)
    # c is within 1.10 x 0.80? no (0.95 > 0.88): dropped; naive loses to snaive
    assert members == ("a", "b") and weights == (0.5, 0.5)  # 2.5 % apart: equal
    assert "equal weights" in reason and "dropped" in reason
    rows.loc["b", "mase"] = 0.87  # 8.75 % apart: weights 1 / MASE
    members, weights, _, _ = combination_rule(rows)
    assert weights == pytest.approx((1 / 0.80, 1 / 0.87))
    worse = pd.DataFrame({"mase": [1.1, 1.0]}, index=["auto_ets", "seasonal_naive"])
    assert combination_rule(worse)[0] == ("seasonal_naive",)


def test_auto_combines_and_auto_select_selects():
    series = _weekly(200, seed=3)
    settings = {"candidates": ("naive", "seasonal_naive", "count_glm"), "top_k": 1}
    combined = make_model("auto", **settings).fit(series)
    selected = make_model("auto_select", **settings).fit(series)
    assert "naive" not in combined.members_["a"][0]  # it loses to seasonal naive
    assert len(selected.members_["a"][0]) == 1
    out = combined.predict(28)
    assert (out["lo_95"] <= out["lo_80"]).all() and (out["hi_80"] <= out["hi_95"]).all()
    assert (out["model"] == "auto").all()


def test_the_coverage_guard_never_keeps_a_far_worse_model(monkeypatch):
    monkeypatch.setitem(MODELS, "narrow_snaive", _NarrowSeasonalNaive)
    series = _weekly(120, seed=1)
    model = AutoSelect(
        candidates=("naive", "narrow_snaive"),
        top_k=1,
        calibrate=False,
        strategy="select",
    ).fit(series)
    choice = model.choices_.iloc[0]
    # naive covers (the guard keeps it) but misses the weekday cycle entirely
    assert choice["mase_naive"] > GUARD_MAX_MASE_RATIO * choice["mase_narrow_snaive"]
    assert choice["model"] == "narrow_snaive"
    assert "guard overruled" in choice["reason"]


def test_conformal_bounds_cover_at_the_nominal_rate():
    rng = np.random.default_rng(0)
    z = rng.normal(size=2000)
    mean, lo80, hi80 = np.full(3, 100.0), np.full(3, 90.0), np.full(3, 110.0)
    lo, hi = conformal_bounds(mean, lo80, hi80, z, 80)
    np.testing.assert_allclose(lo, 100 - 1.2816 * 10, atol=0.8)
    np.testing.assert_allclose(hi, 100 + 1.2816 * 10, atol=0.8)


# -- ensembles and the hourly split --


def test_ensemble_averages_members_and_keeps_bounds_ordered():
    series = _weekly(60, seed=3)
    out = Ensemble(members=("naive", "seasonal_naive")).fit(series).predict(10)
    naive = make_model("naive").fit(series).predict(10)
    seasonal = make_model("seasonal_naive").fit(series).predict(10)
    np.testing.assert_allclose(out["mean"], (naive["mean"] + seasonal["mean"]) / 2)
    assert (out["lo_95"] <= out["lo_80"]).all() and (out["lo_80"] <= out["mean"]).all()
    assert (out["mean"] <= out["hi_80"]).all() and (out["hi_80"] <= out["hi_95"]).all()


def test_daily_profile_splits_each_day_by_the_weekday_shares():
    rng = np.random.default_rng(4)
    ds = pd.date_range("2024-01-01", periods=24 * 7 * 6, freq="h")
    rate = 10 + 8 * np.sin(2 * np.pi * ds.hour / 24) + 3 * (ds.day_of_week >= 5)
    series = pd.DataFrame({"unique_id": "h", "ds": ds, "y": rng.poisson(rate) * 1.0})
    model = DailyProfile(daily_model="seasonal_naive", profile_weeks=4).fit(series)
    out = model.predict(48)
    daily = series.set_index("ds")["y"].resample("D").sum()
    day_totals = out.set_index("ds")["mean"].resample("D").sum()
    np.testing.assert_allclose(day_totals.to_numpy(), daily.to_numpy()[-7:-5])
    assert (out["lo_95"] <= out["lo_80"]).all() and (out["hi_80"] <= out["hi_95"]).all()


class _NeedsThreeSeasons(SeasonalNaive):
    """Seasonal naive that cannot fit under 27 periods: it falls back on the
    shorter validation windows of a 30-month series (which keep two seasons)."""

    def __init__(
        self, season_length=None, freq=None, fallback="naive", alias="three_seasons"
    ):
        super().__init__(season_length, freq, fallback, alias)

    def _fit_series(self, y):
        if y.size < 27:
            raise ValueError("needs 27 periods")
        return super()._fit_series(y)


def test_fallbacks_inside_auto_validation_are_info_not_warnings(caplog, monkeypatch):
    # 30 months: the candidate cannot fit the validation windows, which is
    # routine there; a direct fit still warns.
    monkeypatch.setitem(MODELS, "three_seasons", _NeedsThreeSeasons)
    rng = np.random.default_rng(0)
    series = pd.DataFrame(
        {
            "unique_id": "x",
            "ds": pd.date_range("2021-01-01", periods=30, freq="MS"),
            "y": rng.poisson(50, 30).astype(float),
        }
    )
    caplog.set_level("INFO", logger="demand.forecast.fallback")
    make_model("auto", freq="M", candidates=("naive", "three_seasons")).fit(series)
    fallbacks = [r for r in caplog.records if "could not fit" in r.message]
    assert fallbacks and all(r.levelname == "INFO" for r in fallbacks)
    caplog.clear()
    make_model("auto_ets", freq="M").fit(series.iloc[:20])
    assert any(
        r.levelname == "WARNING" and "could not fit" in r.message
        for r in caplog.records
    )
