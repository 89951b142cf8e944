"""Hours returned by RCRP: recovered on the synthetic force, and the arithmetic."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest

from demand.capacity.workload import productive_hours_per_fte
from demand.partner.build import Phase, build_partner_demand
from demand.partner.counterfactual import fit_practice, hours_returned, project_phase
from demand.store import Store


@pytest.fixture(scope="module")
def measured(northshire, assumptions):
    """Partner demand of the synthetic force, and the truth's months beside it."""
    with Store(northshire.db, read_only=True) as store:
        result = build_partner_demand(
            store,
            assumptions.partner,
            assumptions.mental_health.rcrp_date,
            productive_hours_per_fte(assumptions),
        )
    truth = pd.DataFrame(
        northshire.truth["streams"]["mental_health"]["rcrp_hours_returned_by_month"]
    )
    truth["month"] = pd.to_datetime(truth["month"])
    both = result.returned.merge(
        truth[["month", "hours_returned"]].rename(columns={"hours_returned": "truth"}),
        on="month",
        validate="one_to_one",
    )
    return result, both


def test_truth_records_hours_returned_from_its_own_parameters(northshire) -> None:
    mh = northshire.truth["streams"]["mental_health"]
    months = pd.DataFrame(mh["rcrp_hours_returned_by_month"])
    assert months["month"].iloc[0] == "2023-07-01"
    assert months["month"].iloc[-1] == "2026-03-01"
    assert len(months) == 33
    per_incident = (
        mh["rcrp"]["before"]["officer_hours_per_incident"]
        - mh["rcrp"]["after"]["officer_hours_per_incident"]
    )
    np.testing.assert_allclose(
        months["hours_returned"], months["expected_incidents"] * per_incident, rtol=1e-3
    )


def test_hours_returned_recovers_the_synthetic_truth(measured) -> None:
    result, both = measured
    assert len(both) == 33  # every month since go-live, July 2023 to March 2026
    mean_error = both["hours_returned"].mean() / both["truth"].mean() - 1
    assert abs(mean_error) < 0.10
    total_error = both["hours_returned"].sum() / both["truth"].sum() - 1
    assert abs(total_error) < 0.10
    covered = (both["hours_returned_lo_80"] <= both["truth"]) & (
        both["truth"] <= both["hours_returned_hi_80"]
    )
    assert 0.70 <= covered.mean() <= 0.90


def test_hours_returned_cumulate_and_convert_to_fte(measured, assumptions) -> None:
    result, both = measured
    r = result.returned
    np.testing.assert_allclose(
        r["cumulative_hours_returned"], r["hours_returned"].cumsum()
    )
    assert (r["cumulative_lo_80"] <= r["cumulative_hours_returned"]).all()
    assert (r["cumulative_hours_returned"] <= r["cumulative_hi_80"]).all()
    # the cumulative range widens: the fitted practice is shared by every month
    width = r["cumulative_hi_80"] - r["cumulative_lo_80"]
    assert width.iloc[-1] > width.iloc[0] * 3
    month_of_fte = productive_hours_per_fte(assumptions) / 12
    np.testing.assert_allclose(r["fte_returned"], r["hours_returned"] / month_of_fte)


def test_pre_go_live_practice_is_fitted_before_go_live_only(measured, northshire):
    result, _ = measured
    before = result.before
    assert before is not None
    assert (before.start, before.end) == (date(2022, 4, 1), date(2023, 6, 1))
    rcrp = northshire.truth["streams"]["mental_health"]["rcrp"]
    assert before.attendance_fraction == pytest.approx(
        rcrp["before"]["attendance_rate"], abs=0.02
    )
    assert result.after.attendance_fraction == pytest.approx(
        rcrp["after"]["attendance_rate"], abs=0.02
    )
    lo, hi = before.interval()
    assert lo < before.hours_per_incident < hi


def test_a_later_phase_that_changed_nothing_returns_about_nothing(
    northshire, assumptions
) -> None:
    # Northshire had no second phase: measured from January 2025 against the
    # practice of July 2023 to December 2024, it must find no hours returned.
    partner = dataclasses.replace(assumptions.partner, phase_dates=(date(2025, 1, 1),))
    with Store(northshire.db, read_only=True) as store:
        result = build_partner_demand(
            store, partner, assumptions.mental_health.rcrp_date, 1456.0
        )
    phase = result.phases[result.phases["kind"] == "measured"]
    assert len(phase) == 15
    assert (
        abs(phase["hours_returned"].sum()) < phase["counterfactual_hours"].sum() * 0.05
    )
    covered = (phase["hours_returned_lo_80"] <= 0) & (
        0 <= phase["hours_returned_hi_80"]
    )
    assert covered.mean() >= 0.6


def test_fit_practice_is_the_ratio_of_sums_with_resampled_months() -> None:
    months = pd.DataFrame(
        {
            "month": pd.date_range("2023-01-01", periods=4, freq="MS"),
            "incidents": [100, 200, 100, 100],
            "attended": [80, 150, 70, 60],
            "hours_recorded": [300.0, 500.0, 330.0, 270.0],
        }
    )
    practice = fit_practice(months, draws=500, random_state=1)
    assert practice.hours_per_incident == pytest.approx(1400 / 500)
    assert practice.attendance_fraction == pytest.approx(360 / 500)
    assert practice.hours_per_attended_incident == pytest.approx(1400 / 360)
    assert practice.months == 4
    draws = practice.hours_per_incident_draws
    assert draws.size == 500
    assert draws.min() >= 2.5 and draws.max() <= 3.3  # within the monthly ratios
    again = fit_practice(months, draws=500, random_state=1)
    np.testing.assert_array_equal(draws, again.hours_per_incident_draws)
    with pytest.raises(ValueError, match="practice needs two"):
        fit_practice(months.head(1))


def test_hours_returned_is_incidents_at_old_practice_minus_recorded() -> None:
    before = fit_practice(
        pd.DataFrame(
            {
                "month": pd.date_range("2023-01-01", periods=3, freq="MS"),
                "incidents": [100, 100, 100],
                "attended": [75, 75, 75],
                "hours_recorded": [300.0, 300.0, 300.0],
            }
        )
    )
    after = pd.DataFrame(
        {
            "month": pd.date_range("2023-07-01", periods=2, freq="MS"),
            "incidents": [200, 100],
            "hours_recorded": [400.0, 200.0],
        }
    )
    out = hours_returned(after, before, productive_hours_per_fte=1200.0)
    assert out["counterfactual_hours"].tolist() == [600.0, 300.0]
    assert out["hours_returned"].tolist() == [200.0, 100.0]
    assert out["fte_returned"].tolist() == [2.0, 1.0]  # 100 h a month = 1 FTE
    # identical months: the practice is certain and no month has luck
    assert out["hours_returned_lo_80"].tolist() == pytest.approx([200.0, 100.0])
    assert out["hours_returned_hi_80"].tolist() == pytest.approx([200.0, 100.0])


def test_project_phase_diverts_a_share_of_forecast_incidents_from_its_start():
    now = fit_practice(
        pd.DataFrame(
            {
                "month": pd.date_range("2025-01-01", periods=3, freq="MS"),
                "incidents": [100, 100, 100],
                "attended": [50, 50, 50],
                "hours_recorded": [200.0, 200.0, 200.0],
            }
        )
    )
    volumes = pd.DataFrame(
        {
            "month": pd.date_range("2027-02-01", periods=4, freq="MS"),
            "mean": [800.0, 800.0, 900.0, 1000.0],
            "lo_80": [700.0, 700.0, 800.0, 900.0],
            "hi_80": [900.0, 900.0, 1000.0, 1100.0],
        }
    )
    out = project_phase(volumes, now, 0.30, date(2027, 4, 1), 1200.0)
    assert out["month"].tolist() == list(
        pd.date_range("2027-04-01", periods=2, freq="MS")
    )
    assert out["hours_returned"].tolist() == pytest.approx([540.0, 600.0])
    assert (out["hours_returned_lo_80"] < out["hours_returned"]).all()
    assert (out["hours_returned"] < out["hours_returned_hi_80"]).all()


def test_planned_phase_uses_the_latest_practice(northshire, assumptions) -> None:
    volumes = pd.DataFrame(
        {
            "ds": pd.date_range("2026-04-01", periods=24, freq="MS"),
            "mean": 800.0,
            "lo_80": 750.0,
            "hi_80": 850.0,
        }
    )
    with Store(northshire.db, read_only=True) as store:
        result = build_partner_demand(
            store,
            assumptions.partner,
            assumptions.mental_health.rcrp_date,
            1456.0,
            volumes,
            [Phase("rcrp_phase2", date(2027, 4, 1), 0.30)],
        )
    phase = result.phases[result.phases["phase"] == "rcrp_phase2"]
    assert phase["kind"].unique().tolist() == ["projected"]
    assert phase["month"].min() == pd.Timestamp("2027-04-01") and len(phase) == 12
    expected = 0.30 * 800.0 * result.after.hours_per_incident
    assert phase["hours_returned"].tolist() == pytest.approx([expected] * 12)
