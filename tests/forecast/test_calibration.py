"""Calibrated intervals: conformal bounds averaged with the members' own, and
monthly combinations with too few errors to be conformal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from demand.forecast import make_model
from demand.forecast.backtest import cross_validate
from demand.forecast.calibration import (
    CONFORMAL_WEIGHT,
    MIN_CALIBRATION_ERRORS,
    calibrate_choice,
    calibrate_stream,
    conformal_bounds,
    held_out_coverage,
    members_residual_df,
    widen_on_few_errors,
)
from demand.forecast.ensemble import combine_forecasts


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mean": [100.0, 200.0],
            "lo_80": [90.0, 180.0],
            "hi_80": [110.0, 220.0],
            "lo_95": [85.0, 170.0],
            "hi_95": [115.0, 230.0],
        }
    )


def test_calibrated_bounds_are_the_weighted_mean_of_conformal_and_own():
    z = np.linspace(-3.0, 3.0, 84)  # wider than the members' intervals say
    frame = _frame()
    calibrate_stream(frame, z, None, (80, 95), weight=0.5)
    own = _frame()
    for lv in (80, 95):
        lo, hi = conformal_bounds(
            own["mean"].to_numpy(),
            own["lo_80"].to_numpy(),
            own["hi_80"].to_numpy(),
            z,
            lv,
        )
        np.testing.assert_allclose(frame[f"lo_{lv}"], (lo + own[f"lo_{lv}"]) / 2)
        np.testing.assert_allclose(frame[f"hi_{lv}"], (hi + own[f"hi_{lv}"]) / 2)
    full = _frame()
    calibrate_stream(full, z, None, (80, 95))  # weight 1: fully conformal
    assert (full["hi_95"] > frame["hi_95"]).all()
    assert (frame["hi_95"] > own["hi_95"]).all()


def test_held_out_coverage_of_own_bounds_at_weight_zero():
    rng = np.random.default_rng(1)
    backtests = pd.DataFrame(
        {
            "cutoff": np.repeat([1, 2, 3], 40),
            "mean": 100.0,
            "lo_80": 90.0,
            "hi_80": 110.0,
            "y": 100.0 + rng.normal(0, 20, 120),  # twice the interval's spread
        }
    )
    inside = float(((backtests["y"] - 100).abs() <= 10).mean())
    assert held_out_coverage(backtests, 80, weight=0.0) == pytest.approx(inside)
    assert held_out_coverage(backtests, 80) > 0.7  # conformal: about 0.8
    half = held_out_coverage(backtests, 80, weight=0.5)
    assert inside < half < held_out_coverage(backtests, 80)


def test_few_errors_widen_each_side_by_a_shrunk_80_percent_factor():
    # 36 errors: the 80 % conformal ranks are 3 and 34 of them
    z = np.array([-2.0] * 2 + [0.0] * 31 + [3.0] * 3)
    frame = _frame()
    widen_on_few_errors(frame, z, (80, 95))
    k_hi = 3.0 ** (36 / (36 + MIN_CALIBRATION_ERRORS))  # about 1.68
    np.testing.assert_allclose(frame["hi_80"], [100 + 10 * k_hi, 200 + 20 * k_hi])
    np.testing.assert_allclose(frame["hi_95"], [100 + 15 * k_hi, 200 + 30 * k_hi])
    # the lower side's 3rd error is 0: inside the interval, which is kept
    pd.testing.assert_series_equal(frame["lo_80"], _frame()["lo_80"])
    pd.testing.assert_series_equal(frame["lo_95"], _frame()["lo_95"])


def test_few_errors_never_narrow_intervals():
    frame = _frame()
    widen_on_few_errors(frame, np.full(36, 0.1), (80, 95))  # all well inside
    pd.testing.assert_frame_equal(frame, _frame())
    widen_on_few_errors(frame, np.array([]), (80, 95))
    pd.testing.assert_frame_equal(frame, _frame())


def test_fewer_errors_widen_less():
    z_few = np.array([-4.0, 4.0] * 5)  # 10 errors
    z_more = np.array([-4.0, 4.0] * 18)  # 36 errors of the same size
    few, more = _frame(), _frame()
    widen_on_few_errors(few, z_few, (80,))
    widen_on_few_errors(more, z_more, (80,))
    assert (few["hi_80"] < more["hi_80"]).all()
    full = np.array([100 + 4 * 10, 200 + 4 * 20])  # the unshrunk factor, 4
    assert (more["hi_80"].to_numpy() < full).all()


def test_members_residual_df_is_history_less_ets_parameters():
    # damped additive-seasonal ETS on months: 4 + 2 + 11 = 17 parameters
    assert members_residual_df(35, 12) == 18
    assert members_residual_df(83, 12) == 66
    assert members_residual_df(10, 12) == 1  # never below one


def test_short_history_monthly_auto_widens_more_on_the_same_errors():
    z = np.array([-2.0] * 2 + [0.0] * 31 + [3.0] * 3)  # 36 errors, 80 %: 3.0 above
    short, long = _frame(), _frame()
    for frame, months in ((short, 35), (long, 83)):
        df = members_residual_df(months, 12)
        calibrate_choice(frame, z, None, (80, 95), "combine", df)
    half = np.array([10.0, 20.0])
    np.testing.assert_allclose(short["hi_80"] - _frame()["mean"], half * 3 ** (36 / 54))
    np.testing.assert_allclose(long["hi_80"] - _frame()["mean"], half * 3 ** (36 / 102))
    assert (short["hi_95"] > long["hi_95"]).all()


def _monthly(n_months: int = 60, seed: int = 4) -> pd.DataFrame:
    """One monthly series with a trend, a yearly cycle and a step up."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_months)
    rate = 300 * (1 + 0.15 * np.sin(2 * np.pi * t / 12)) * (1 + 0.01 * t)
    rate[n_months - 20 :] *= 1.25
    ds = pd.date_range("2019-01-01", periods=n_months, freq="MS")
    return pd.DataFrame({"unique_id": "m", "ds": ds, "y": rng.poisson(rate) * 1.0})


@pytest.fixture(scope="module")
def monthly_auto():
    model = make_model(
        "auto", freq="M", candidates=("seasonal_naive", "auto_ets"), country=None
    )
    return model.fit(_monthly())


def test_monthly_auto_widens_its_members_intervals(monthly_auto):
    fitted = monthly_auto
    z = fitted.calibration_["m"]
    assert 0 < len(z) < MIN_CALIBRATION_ERRORS  # 3 windows of 12 months
    out = fitted.predict(12, level=(80, 95))
    members, weights = fitted.members_["m"]
    own = combine_forecasts(
        [fitted.models_[a].predict(12, (80, 95)) for a in members], weights, "auto"
    )
    for col in ("hi_80", "hi_95"):
        assert (out[col].to_numpy() >= own[col].to_numpy() - 1e-9).all()
    for col in ("lo_80", "lo_95"):
        assert (out[col].to_numpy() <= own[col].to_numpy() + 1e-9).all()
    width = (out["hi_95"] - out["lo_95"]).sum()
    assert width > 1.01 * (own["hi_95"] - own["lo_95"]).sum()  # it did widen
    np.testing.assert_allclose(out["mean"], own["mean"])  # points untouched
    # the members' intervals count as 60 - 17 = 43 errors' worth
    n = len(z)
    k_hi = max(np.sort(z)[min(int(np.ceil((n + 1) * 0.9)), n) - 1], 1.0) ** (
        n / (n + 43)
    )
    np.testing.assert_allclose(
        out["hi_95"], own["mean"] + k_hi * (own["hi_95"] - own["mean"])
    )


def test_no_leakage_into_monthly_calibration(monthly_auto):
    series = _monthly()
    model = clone(monthly_auto)
    clean = cross_validate(model, series, 12, 1, 1)
    columns = ["cutoff", "ds", "mean", "lo_80", "hi_80", "lo_95", "hi_95"]
    for cutoff in clean["cutoff"].unique():
        poisoned = series.copy()
        poisoned.loc[poisoned["ds"] > cutoff, "y"] = 1e6
        dirty = cross_validate(model, poisoned, 12, 1, 1)
        pd.testing.assert_frame_equal(
            dirty.loc[dirty["cutoff"] == cutoff, columns].reset_index(drop=True),
            clean.loc[clean["cutoff"] == cutoff, columns].reset_index(drop=True),
        )


def test_auto_averages_conformal_and_its_members_intervals():
    rng = np.random.default_rng(7)
    ds = pd.date_range("2022-01-03", periods=400, freq="D")
    rate = 50.0 * np.array([1.0, 0.9, 0.9, 1.0, 1.3, 1.6, 1.2])[ds.day_of_week]
    series = pd.DataFrame({"unique_id": "a", "ds": ds, "y": rng.poisson(rate * 1.0)})
    fitted = make_model(
        "auto", candidates=("seasonal_naive", "auto_ets"), country=None
    ).fit(series)
    z, bands = fitted.calibration_["a"], fitted.band_calibration_["a"]
    assert len(z) >= MIN_CALIBRATION_ERRORS
    out = fitted.predict(28, level=(80, 95))
    members, weights = fitted.members_["a"]
    own = combine_forecasts(
        [fitted.models_[a].predict(28, (80, 95)) for a in members], weights, "auto"
    )
    conformal = own.copy()
    calibrate_stream(conformal, z, bands, (80, 95))
    for col in ("lo_80", "hi_80", "lo_95", "hi_95"):
        expected = CONFORMAL_WEIGHT * conformal[col] + (1 - CONFORMAL_WEIGHT) * own[col]
        np.testing.assert_allclose(out[col], expected)
    np.testing.assert_allclose(out["mean"], own["mean"])  # points untouched
