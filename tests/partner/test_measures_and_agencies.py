"""Monthly partner measures and the agency map, against the synthetic truth."""

from __future__ import annotations

import pandas as pd
import pytest

from demand.capacity.workload import productive_hours_per_fte
from demand.partner.agencies import (
    agency_forecasts,
    agency_months,
    agency_trends,
    assign_agency,
)
from demand.partner.assumptions import PartnerAssumptions
from demand.partner.build import build_partner_demand
from demand.store import Store


@pytest.fixture(scope="module")
def result(northshire, assumptions):
    with Store(northshire.db, read_only=True) as store:
        return build_partner_demand(
            store,
            assumptions.partner,
            assumptions.mental_health.rcrp_date,
            productive_hours_per_fte(assumptions),
        )


def test_measures_match_the_synthetic_truth(result, northshire) -> None:
    mh = northshire.truth["streams"]["mental_health"]
    m = result.measures
    force = m[m["area"] == "force"].set_index("month")
    after = force.loc["2023-07-01":]
    before = force.loc[:"2023-06-01"]
    n_after = after["mental_health_incidents"]
    share = (after["rcrp_qualifier_fraction"] * n_after).sum() / n_after.sum()
    assert share == pytest.approx(mh["rcrp_qualifier_fraction_after"], abs=0.01)
    assert (before["rcrp_qualifier_fraction"] == 0).all()  # no qualifier before
    attended = (after["police_attended_fraction"] * n_after).sum() / n_after.sum()
    assert attended == pytest.approx(mh["rcrp"]["after"]["attendance_rate"], abs=0.01)
    attended_after = attended * n_after.sum()
    s136 = after["s136_detentions"].sum() / attended_after
    assert s136 == pytest.approx(
        mh["rcrp"]["after"]["s136_fraction_of_attended"], abs=0.01
    )
    per_incident = after["officer_hours"].sum() / n_after.sum()
    assert per_incident == pytest.approx(
        mh["rcrp"]["after"]["officer_hours_per_incident"], rel=0.05
    )


def test_areas_add_up_to_the_force(result) -> None:
    m = result.measures
    areas = (
        m[m["area"] != "force"]
        .groupby("month")[
            ["mental_health_incidents", "officer_hours", "s136_detentions"]
        ]
        .sum()
    )
    force = m[m["area"] == "force"].set_index("month")[areas.columns]
    pd.testing.assert_frame_equal(areas, force, check_exact=False, rtol=1e-9)
    assert set(m["area"]) == {
        "force",
        "Northtown",
        "Southbridge",
        "Eastmoor",
        "Westdale",
    }


def test_measures_the_extract_lacks_are_null_and_said(result) -> None:
    m = result.measures
    for name in ("s136_police_conveyance_fraction", "s136_under_18_fraction"):
        assert m[name].isna().all()
        assert result.unavailable[name].startswith("not in this force's extract")
    assert any(s.startswith("Not in this force's extract") for s in result.sentences)


def test_assign_agency_takes_the_first_map_that_names_a_row() -> None:
    partner = PartnerAssumptions(
        rcrp_categories={"AWOL Patient": "health", "Medical Transport": "ambulance"},
        incident_categories={"Mental Health": "health", "Sudden Death": "other"},
        qualifiers={"CHILD": "social_care", "MH": "health"},
    )
    rows = pd.DataFrame(
        {
            "category": [
                "Mental Health",
                "Mental Health",
                "Theft",
                "Theft",
                "Sudden Death",
                "Theft",
            ],
            "rcrp_category": ["Medical Transport", None, None, None, None, None],
            "qualifiers": ["MH", "MH", "MH;CHILD", "CHILD", "CHILD", None],
        }
    )
    got = assign_agency(rows, partner).tolist()
    assert got == ["ambulance", "health", "social_care", "social_care", "other", ""]


def test_agency_months_count_incidents_hours_and_shares() -> None:
    partner = PartnerAssumptions(incident_categories={"Mental Health": "health"})
    rows = pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01"]),
            "category": ["Mental Health", "Theft", "Theft"],
            "rcrp_category": [None, None, None],
            "qualifiers": [None, None, None],
            "incidents": [10, 30, 20],
            "officer_hours": [25.0, 75.0, 40.0],
        }
    )
    out = agency_months(rows, partner)
    assert out["agency"].tolist() == ["health", "health"]
    assert out["incidents"].tolist() == [10, 0]  # a month with none is an explicit 0
    assert out["officer_hours"].tolist() == [25.0, 0.0]
    assert out["share_of_incidents"].tolist() == [0.25, 0.0]


def test_trend_flags_a_growing_share_only() -> None:
    months = pd.date_range("2023-01-01", periods=24, freq="MS")
    wobble = [0.001 * (-1) ** i for i in range(24)]
    rising = [0.02 + 0.001 * i + w for i, w in enumerate(wobble)]
    flat = [0.01 + w for w in wobble]
    rows = pd.concat(
        [
            pd.DataFrame(
                {"month": months, "agency": "health", "share_of_incidents": rising}
            ),
            pd.DataFrame(
                {"month": months, "agency": "ambulance", "share_of_incidents": flat}
            ),
        ]
    )
    trends = agency_trends(rows).set_index("agency")
    assert trends.loc["health", "growing"] and not trends.loc["ambulance", "growing"]
    assert trends.loc["health", "share_change_per_year"] == pytest.approx(
        0.012, abs=1e-3
    )


def test_agencies_are_forecast_and_summarised(result) -> None:
    agencies = set(result.agencies["agency"])
    assert agencies == {"health", "social_care", "ambulance", "other"}
    fc = result.forecasts
    assert set(fc["agency"]) == agencies
    assert fc.groupby("agency").size().eq(12).all()
    assert fc["ds"].min() == pd.Timestamp("2026-04-01")
    assert (fc["lo_80"] <= fc["mean"]).all() and (fc["mean"] <= fc["hi_80"]).all()
    assert set(result.trends["agency"]) == agencies
    # RCRP categories start at go-live: the lines step there, so the trend and
    # forecast are fitted on the months since, and the section says why
    assert any("RCRP categories are recorded from July 2023" in n for n in result.notes)
    assert any("share of incidents" in s for s in result.sentences)


def test_short_agency_histories_get_a_model_they_support(caplog) -> None:
    # 18 months: too short for ETS with a yearly season; seasonal naive is chosen
    # on purpose, so no fit fails and no fallback warning reaches the user.
    months = pd.DataFrame(
        {
            "month": pd.date_range("2024-01-01", periods=18, freq="MS"),
            "agency": "health",
            "incidents": [100 + (i % 12) * 5 for i in range(18)],
        }
    )
    with caplog.at_level("WARNING"):
        out = agency_forecasts(months, 6)
    assert set(out["model"]) == {"seasonal_naive"} and len(out) == 6
    assert out["mean"].tolist() == [130.0, 135.0, 140.0, 145.0, 150.0, 155.0]
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
