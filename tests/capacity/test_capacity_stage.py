"""The capacity stage end to end on the synthetic force Northshire."""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest
from capacity_helpers import SCENARIOS, make_forecasts, make_hourly

from demand.capacity.scenarios import load_scenario
from demand.capacity.stage import run_capacity
from demand.store import Store

synth = pytest.importorskip("demand.synth")
ingest_module = pytest.importorskip("demand.ingest")


@pytest.fixture(scope="module")
def northshire(tmp_path_factory):
    """One year of Northshire, generated and ingested once for the module."""
    root = tmp_path_factory.mktemp("northshire")
    truth = synth.generate_force(
        root / "raw", years=1, end=date(2026, 3, 31), seed=2024
    )
    store = Store(root / "demand.duckdb")
    ingest_module.ingest(store, [root / "raw"], adapter="northshire")
    yield store, truth
    store.close()


@pytest.fixture(scope="module")
def result(northshire, assumptions):
    store, _ = northshire
    scenarios = [
        load_scenario(SCENARIOS / "rcrp_phase2.toml"),
        load_scenario(SCENARIOS / "population_growth.toml"),
    ]
    return run_capacity(
        store,
        make_forecasts(0.1),
        assumptions,
        "run-1",
        scenarios=scenarios,
        hourly_forecasts=make_hourly(),
    )


def test_derived_unit_times_are_within_ten_percent_of_truth(result, northshire):
    _, truth = northshire
    expected = truth["streams"]["incidents"]
    derived = result.unit_times.set_index("grade")
    for grade in ("G1", "G2", "G3", "G4"):
        assert derived.loc[grade, "time_on_task_hours_mean"] == pytest.approx(
            expected["time_on_task_hours"]["by_grade"][grade], rel=0.10
        )
        assert derived.loc[grade, "officer_hours_per_deployed_mean"] == pytest.approx(
            expected["officer_hours_per_deployed_incident"]["by_grade"][grade], rel=0.10
        )
    by_category = result.unit_times_by_category.set_index("category")
    truth_category = expected["officer_hours_per_incident"]["by_category"]
    for category in ("Domestic Incident", "Mental Health", "Anti-Social Behaviour"):
        assert by_category.loc[category, "officer_hours_per_incident_mean"] == (
            pytest.approx(truth_category[category], rel=0.10)
        )
    # Northshire's assumptions were set from the truth: nothing is flagged.
    assert not result.unit_time_comparison["flag"].any()


def test_capacity_table_has_every_department_year_and_the_cover(result):
    capacity = result.capacity
    workload = capacity[capacity["basis"] == "workload"]
    assert set(workload["department"]) == {
        "control_room",
        "response",
        "neighbourhood",
        "investigation",
        "public_protection",
    }
    assert set(capacity["financial_year"]) == {
        "2026/27",
        "2027/28",
        "2028/29",
        "2029/30",
    }
    cover = capacity[capacity["basis"] == "cover"]
    assert len(cover) == 4 and (cover["department"] == "response").all()
    assert capacity["establishment_fte"].notna().all()
    assert capacity["p_demand_exceeds_capacity"].between(0, 1).all()
    room = capacity[capacity["department"] == "control_room"]
    # Service with today's people, held flat: it falls as calls grow.
    assert room["service_level"].between(0.0, 1.0).all()
    assert room["service_level"].is_monotonic_decreasing
    assert room["service_standard"].notna().all()
    assert len(result.shift_gaps) == 168


def test_tables_are_written_and_a_rerun_replaces_its_rows(
    result, northshire, assumptions
):
    store, _ = northshire
    con = store.con
    n = con.execute(
        "SELECT count(*) FROM capacity WHERE run_id = ?", ["run-1"]
    ).fetchone()[0]
    assert n == len(result.capacity)
    n_scen = con.execute(
        "SELECT count(*) FROM scenarios WHERE run_id = ?", ["run-1"]
    ).fetchone()[0]
    assert n_scen == len(result.scenarios) == 3 * len(result.capacity)
    run_capacity(store, make_forecasts(0.1), assumptions, "run-1")
    again = con.execute(
        "SELECT count(*) FROM capacity WHERE run_id = ?", ["run-1"]
    ).fetchone()[0]
    assert again == len(result.capacity) - 4  # no hourly forecasts: no cover rows
    assert (
        con.execute(
            "SELECT count(*) FROM scenarios WHERE run_id = 'run-1' AND "
            "scenario <> 'baseline'"
        ).fetchone()[0]
        == 0
    )


def test_scenarios_leave_the_baseline_as_it_was(result, northshire, assumptions):
    store, _ = northshire
    plain = run_capacity(
        store, make_forecasts(0.1), assumptions, "run-2", hourly_forecasts=make_hourly()
    )
    pd.testing.assert_frame_equal(plain.capacity, result.capacity)
    base = result.scenarios[result.scenarios["scenario"] == "baseline"]
    assert (base.filter(like="_change").fillna(0) == 0).all().all()
    rcrp = result.scenario_capacity["rcrp_phase2"]
    late = rcrp["financial_year"].eq("2028/29") & rcrp["department"].eq("response")
    assert (
        rcrp.loc[late, "hours_mean"].to_numpy()
        < result.capacity.loc[late, "hours_mean"].to_numpy()
    ).all()


def test_cover_does_not_move_with_the_hourly_window_level(northshire, assumptions):
    # Issue 15, finding 2: a 14-day window running 6.7 % above its year used to
    # size the year's cover 6.7 % high. Cover is now scaled to the year's level.
    store, _ = northshire
    covers = []
    for level in (1.0, 1.067):
        hourly = make_hourly().assign(mean=lambda f, k=level: f["mean"] * k)
        out = run_capacity(
            store, make_forecasts(0.1), assumptions, "run-w", hourly_forecasts=hourly
        ).capacity
        cover = out[(out["basis"] == "cover") & (out["financial_year"] == "2026/27")]
        covers.append(float(cover["fte_demand"].iloc[0]))
    assert covers[1] == pytest.approx(covers[0], rel=0.02)


def test_an_unreachable_g1_standard_is_a_flagged_row_not_an_abort(
    northshire, assumptions
):
    # Issue 15, finding 1: urban travel +30 % used to raise ValueError and abort
    # the stage. Now the cover rows say which areas cannot meet the standard.
    store, _ = northshire
    slower = dataclasses.replace(
        assumptions,
        response=dataclasses.replace(
            assumptions.response,
            g1_travel_urban_minutes=assumptions.response.g1_travel_urban_minutes * 1.3,
        ),
    )
    result = run_capacity(
        store, make_forecasts(0.1), slower, "run-slow", hourly_forecasts=make_hourly()
    )
    cover = result.capacity[result.capacity["basis"] == "cover"]
    assert len(cover) == 4
    assert set(cover["cover_feasibility"]) == {"not_achievable: Northtown, Southbridge"}
    assert cover["travel_only_attendance"].between(0.80, 0.90).all()
    written = store.con.execute(
        "SELECT area, min(travel_only_attendance), min(cover_feasibility) "
        "FROM response_cover WHERE run_id = 'run-slow' AND area <> 'force' "
        "GROUP BY area ORDER BY area"
    ).fetchall()
    assert [(a, f) for a, _, f in written] == [
        ("Eastmoor", "achievable"),
        ("Northtown", "not_achievable"),
        ("Southbridge", "not_achievable"),
        ("Westdale", "achievable"),
    ]


def test_a_july_financial_year_counts_july_to_june(northshire, assumptions):
    # Issue 17: capacity counted April-March whatever the pipeline's year, so a
    # US agency's fiscal year (July-June) could not size people.
    store, _ = northshire
    forecasts = make_forecasts(0.1)  # April 2026 to March 2030
    result = run_capacity(
        store,
        forecasts,
        assumptions,
        "run-july",
        hourly_forecasts=make_hourly("2026-07-06"),
        financial_year_start_month=7,
    )
    capacity = result.capacity
    room = capacity[
        capacity["department"].eq("control_room") & capacity["basis"].eq("workload")
    ].set_index("financial_year")
    # April-June 2026 close 2025/26; July 2029-March 2030 open 2029/30.
    assert list(room.index) == ["2025/26", "2026/27", "2027/28", "2028/29", "2029/30"]
    assert list(room["periods"]) == [3, 12, 12, 12, 9]
    lines = result.lines[result.lines["department"].eq("control_room")]
    july_to_june = lines["ds"].between("2026-07-01", "2027-06-01")
    assert room.loc["2026/27", "demand"] == pytest.approx(
        lines.loc[july_to_june, "mean"].sum()
    )
    assert room.loc["2026/27", "year_fraction"] == pytest.approx(1.0)
    cover = capacity[capacity["basis"].eq("cover")]
    assert set(cover["financial_year"]) == set(room.index)
    sensitivity = store.con.execute(
        "SELECT DISTINCT financial_year FROM sensitivity WHERE run_id = 'run-july'"
    ).fetchall()
    assert {year for (year,) in sensitivity} <= set(room.index)
