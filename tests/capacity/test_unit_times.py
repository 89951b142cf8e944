"""Unit times from a handmade incidents table: right values, absurd stamps out."""

from __future__ import annotations

import pandas as pd
import pytest

from demand.capacity.unit_times import compare_unit_times, derive_unit_times

T0 = pd.Timestamp("2025-06-01 10:00", tz="UTC")


def _row(grade, created, dispatch, arrive, clear, officer_hours, category="Theft"):
    at = lambda m: None if m is None else T0 + pd.Timedelta(minutes=m)  # noqa: E731
    return {
        "grade": grade,
        "category": category,
        "area": "Northtown",
        "created_at": at(created),
        "dispatched_at": at(dispatch),
        "arrived_at": at(arrive),
        "cleared_at": at(clear),
        "officer_hours": officer_hours,
    }


INCIDENTS = pd.DataFrame(
    [
        # G1: dispatch at +2, arrive at +10, clear after 2 h and 3 h; two officers.
        _row("G1", 0, 2, 10, 122, 4.0),
        _row("G1", 0, 2, 14, 182, 6.0),
        # G1 absurd: clears before dispatch, clears 30 h later, arrives after
        # clearing, no clear stamp, negative officer hours.
        _row("G1", 0, 60, 70, 30, 1.0),
        _row("G1", 0, 2, 10, 2 + 30 * 60, 60.0),
        _row("G1", 0, 2, 200, 100, 3.0),
        _row("G1", 0, 2, 10, None, 2.0),
        _row("G1", 0, 2, 10, 62, -1.0),
        # G2: one hour on task, one officer; arrival 30 min after dispatch.
        _row("G2", 0, 10, 40, 70, 1.0, category="Domestic Incident"),
        # Resolved without deployment: no stamps, no hours.
        _row("RWD", 0, None, None, None, None),
        _row("RWD", 0, None, None, None, None),
    ]
)


def test_unit_times_from_a_handmade_table():
    out, _ = derive_unit_times(INCIDENTS)
    g1 = out.set_index("grade").loc["G1"]
    assert g1["incidents"] == 7 and g1["deployed"] == 7
    assert g1["used"] == 2 and g1["excluded"] == 5
    assert g1["time_on_task_hours_mean"] == pytest.approx(2.5)  # (2 + 3) / 2
    assert g1["time_on_task_hours_median"] == pytest.approx(2.5)
    assert g1["arrival_minutes_mean"] == pytest.approx(10.0)  # (8 + 12) / 2
    assert g1["response_minutes_median"] == pytest.approx(12.0)  # (10 + 14) / 2
    assert g1["officer_hours_per_deployed_mean"] == pytest.approx(5.0)
    g2 = out.set_index("grade").loc["G2"]
    assert g2["time_on_task_hours_mean"] == pytest.approx(1.0)
    assert g2["arrival_minutes_median"] == pytest.approx(30.0)
    rwd = out.set_index("grade").loc["RWD"]
    assert rwd["deployed"] == 0 and rwd["officer_hours_per_incident_mean"] == 0.0


def test_absurd_stamps_are_excluded_and_counted_by_reason():
    _, exclusions = derive_unit_times(INCIDENTS)
    counts = dict(exclusions.itertuples(index=False))
    assert counts == {
        "missing_stamp": 1,
        "clear_before_dispatch": 1,
        "arrival_outside_dispatch_to_clear": 1,
        "over_max_hours": 1,
        "bad_officer_hours": 1,
    }


def test_grouping_by_category():
    out, _ = derive_unit_times(INCIDENTS, by=("category",))
    assert set(out["category"]) == {"Theft", "Domestic Incident"}


def test_comparison_flags_disagreements_beyond_twenty_percent(assumptions):
    out, _ = derive_unit_times(INCIDENTS)
    table = compare_unit_times(out, assumptions).set_index(["key", "measure"])
    g1 = table.loc[("G1", "time_on_task_hours")]
    assert g1["assumed"] == pytest.approx(2.21)
    assert g1["derived"] == pytest.approx(2.5)
    assert g1["difference"] == pytest.approx(0.29)
    assert not g1["flag"]  # 13 % off
    g2 = table.loc[("G2", "officer_hours_per_deployed")]
    assert g2["flag"]  # 1.0 derived against 3.945 assumed
    # G3 and G4 have no incidents here: flagged, with no data.
    assert table.loc[("G3", "time_on_task_hours"), "flag"]
    assert table.loc[("G3", "time_on_task_hours"), "used"] == 0
    assert "RWD" not in table.index.get_level_values("key")
