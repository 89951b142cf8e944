"""Out-year ranges: growth uncertainty past the validated horizon."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from demand.forecast import make_model
from demand.forecast.out_years import OutYears, annual_growth_sd, widen_out_years


def test_growth_of_a_steady_trend_is_its_yearly_log_change_less_counting_noise():
    y = 1000.0 * 1.05 ** (np.arange(48) / 12)
    sums = np.convolve(y, np.ones(12), "valid")
    now, before = sums[12:], sums[:-12]
    expected = np.sqrt(np.log(1.05) ** 2 - np.mean(1 / now + 1 / before))
    assert annual_growth_sd(y, 12) == pytest.approx(expected, rel=1e-9)
    assert 0.045 < expected < 0.049


def test_counting_noise_is_not_read_as_growth():
    rng = np.random.default_rng(3)
    flat = [annual_growth_sd(rng.poisson(5.0, 60).astype(float), 12) for _ in range(50)]
    # Without the Poisson correction the RMS of these yearly changes is about
    # sqrt(2 / 60) = 0.18: noise of 12-month sums near 60, not growth.
    assert np.mean(flat) < 0.06


def test_growth_needs_two_years():
    assert np.isnan(annual_growth_sd(np.ones(23) * 100.0, 12))
    assert np.isfinite(annual_growth_sd(np.ones(24) * 100.0, 12))


def _forecast(steps: int = 36) -> pd.DataFrame:
    mean = np.full(steps, 100.0)
    return pd.DataFrame(
        {
            "mean": mean,
            "lo_80": mean - 10.0,
            "hi_80": mean + 12.0,
            "lo_95": mean - 15.0,
            "hi_95": mean + 20.0,
        }
    )


def test_bounds_widen_in_quadrature_past_the_validated_steps():
    frame = _forecast()
    widen_out_years(frame, 0.05, 12, (80, 95), 12)
    before = _forecast()
    pd.testing.assert_frame_equal(frame.iloc[:12], before.iloc[:12])  # validated
    years = (np.arange(1, 37) - 12).clip(min=0) / 12
    for lv, below, above in ((80, 10.0, 12.0), (95, 15.0, 20.0)):
        extra = norm.ppf(0.5 + lv / 200) * 100.0 * 0.05 * years
        np.testing.assert_allclose(frame[f"lo_{lv}"], 100 - np.hypot(below, extra))
        np.testing.assert_allclose(frame[f"hi_{lv}"], 100 + np.hypot(above, extra))
    assert frame["hi_95"].iloc[-1] - 100 > 20.0 + 4  # two years out: much wider
    np.testing.assert_allclose(frame["mean"], before["mean"])  # points untouched


def test_no_growth_measured_leaves_the_forecast_alone_and_bounds_stop_at_zero():
    frame = _forecast()
    widen_out_years(frame, float("nan"), 0, (80, 95), 12)
    pd.testing.assert_frame_equal(frame, _forecast())
    widen_out_years(frame, 1.0, 0, (95,), 12)
    assert (frame["lo_95"] >= 0).all() and frame["lo_95"].iloc[-1] == 0.0


def _trending(n_months: int = 48, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n_months)
    rate = 400 * (1 + 0.1 * np.sin(2 * np.pi * t / 12)) * 1.06 ** (t / 12)
    ds = pd.date_range("2021-04-01", periods=n_months, freq="MS")
    return pd.DataFrame({"unique_id": "m", "ds": ds, "y": rng.poisson(rate) * 1.0})


def test_auto_widens_only_the_out_years():
    series = _trending()
    fitted = make_model(
        "auto", freq="M", candidates=("seasonal_naive", "auto_ets"), country=None
    ).fit(series)
    widened = fitted.predict(48, level=(80, 95))
    validated = fitted.out_years_.validated
    assert 0 < validated < 48
    assert fitted.out_years_.growth_sd["m"] > 0.02  # it grows about 6 % a year
    fitted.out_years_ = OutYears(validated, 12, {})  # as before: no growth term
    calibrated = fitted.predict(48, level=(80, 95))
    first, later = slice(0, validated), slice(validated, 48)
    pd.testing.assert_frame_equal(widened.iloc[first], calibrated.iloc[first])
    for col in ("hi_80", "hi_95"):
        assert (widened[col].iloc[later] > calibrated[col].iloc[later]).all()
    width = widened["hi_95"] - widened["lo_95"]
    assert width.iloc[-1] > 1.5 * (calibrated["hi_95"] - calibrated["lo_95"]).iloc[-1]


def test_auto_select_and_unvalidated_series_keep_their_own_intervals():
    series = _trending()
    selected = make_model(
        "auto_select",
        freq="M",
        candidates=("seasonal_naive", "auto_ets"),
        country=None,
    ).fit(series)
    assert selected.out_years_.growth_sd == {}
    assert "growth uncertainty" not in selected.choices_["reason"].iloc[0]
    # 24 months: no more than two seasons, no inner validation. The fallback
    # (seasonal naive) grows its own ranges with the years (sqrt(ceil(h / 12)) of
    # the yearly changes), so nothing is added to it.
    short = make_model("auto", freq="M", country=None).fit(series.iloc[:24])
    assert short.calibration_["m"] is None
    assert short.out_years_.growth_sd == {}
    own = make_model("seasonal_naive", freq="M").fit(series.iloc[:24])
    pd.testing.assert_frame_equal(
        short.predict(48, level=(95,)).drop(columns="model"),
        own.predict(48, level=(95,)).drop(columns="model"),
    )


def test_the_choice_says_what_the_out_years_add():
    fitted = make_model(
        "auto", freq="M", candidates=("seasonal_naive", "auto_ets"), country=None
    ).fit(_trending())
    reason = fitted.choices_.set_index("unique_id").loc["m", "reason"]
    growth = fitted.out_years_.growth_sd["m"]
    assert f"ranges add growth uncertainty of {100 * growth:.1f} % a year" in reason
    assert f"past {fitted.out_years_.validated} months ahead" in reason
