"""Response cover: the priority-queue model, checked by simulation, and its laws."""

from __future__ import annotations

import pytest
from capacity_helpers import MIXES, make_hourly
from hypothesis import given, settings
from hypothesis import strategies as st

from demand.capacity.response import (
    compare_shift_pattern,
    g1_attendance,
    response_arrivals,
    response_cover,
    size_response_units,
)
from demand.capacity.response_sim import simulate_g1_attendance

# A busy urban evening hour: 4 G1, 1.5 G2 and 1.5 G3 an hour, 2.2 h on task,
# dispatch 2 min, lognormal travel with a median of 6.5 min, 15-min target.
TEST_HOUR = {"G1": 4.0, "G2": 1.5, "G3": 1.5}
MODEL = dict(
    time_on_task_hours=2.2,
    target_minutes=15.0,
    dispatch_minutes=2.0,
    travel_median_minutes=6.5,
    travel_sigma=0.45,
)
SIM_TOLERANCE = 0.015
"""Simulation and model must agree within 0.015 (absolute) or 4 standard errors."""


@pytest.mark.parametrize("units", [19, 22])
def test_queueing_model_agrees_with_simulation_of_the_test_hour(units):
    model = g1_attendance(units, TEST_HOUR, **MODEL)
    sim = simulate_g1_attendance(units, TEST_HOUR, **MODEL, hours=8_000, seed=7)
    assert sim.g1_incidents > 25_000
    assert abs(sim.share - model) <= max(SIM_TOLERANCE, 4 * sim.standard_error)


@settings(max_examples=80, deadline=None)
@given(
    g1=st.floats(0.1, 10.0),
    other=st.floats(0.0, 10.0),
    hours=st.floats(0.5, 4.0),
    units=st.integers(1, 80),
    sigma=st.sampled_from([0.0, 0.45]),
)
def test_more_units_never_lower_g1_attendance(g1, other, hours, units, sigma):
    rates = {"G1": g1, "G2": other / 2, "G3": other / 2}
    args = (rates, hours, 15.0, 2.0, 6.5, sigma)
    assert g1_attendance(units + 1, *args) >= g1_attendance(units, *args) - 1e-12


def test_sizing_is_minimal():
    units = size_response_units(TEST_HOUR, 2.2, 15.0, 0.90, 2.0, 6.5, 0.45)
    assert g1_attendance(units, TEST_HOUR, **MODEL) >= 0.90
    assert g1_attendance(units - 1, TEST_HOUR, **MODEL) < 0.90


def test_zero_load_overload_and_an_unreachable_target():
    assert size_response_units({"G1": 0.0}, 2.0, 15.0, 0.9) == 0
    assert g1_attendance(10, {"G1": 5.0, "G2": 0.0}, 2.0, 15.0) == 0.0  # load 10
    with pytest.raises(ValueError, match="even with units always free"):
        size_response_units(TEST_HOUR, 2.2, 15.0, 0.90, 2.0, 14.0, 0.45)


def test_g1_priority_beats_first_come_first_served():
    # Same load all G1 (FCFS among everyone) attends fewer G1 within target.
    all_g1 = {"G1": sum(TEST_HOUR.values())}
    assert g1_attendance(20, TEST_HOUR, **MODEL) > g1_attendance(20, all_g1, **MODEL)


def test_cover_by_area_and_the_shift_pattern_gap(assumptions):
    arrivals = response_arrivals(make_hourly(), MIXES)
    assert set(arrivals["area"]) == set(MIXES["area"])
    assert arrivals["arrivals_per_hour"].sum() == pytest.approx(540 / 24 * 168)
    cover = response_cover(arrivals, assumptions)
    assert len(cover) == 4 * 168
    assert (cover["g1_attendance"] >= 0.90).all()
    gaps = compare_shift_pattern(cover, assumptions)
    assert list(gaps.columns) == ["hour_of_week", "needed", "rostered", "gap", "status"]
    assert len(gaps) == 168
    assert (gaps["gap"] == gaps["needed"] - gaps["rostered"]).all()
    assert set(gaps["status"]) <= {"under", "over", "met"}
    # Night hours are quieter than evening ones.
    assert gaps.loc[5, "needed"] < gaps.loc[19, "needed"]
