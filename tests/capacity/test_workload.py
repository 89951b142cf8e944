"""Workload and FTE: the field's known answers, and intervals carried through."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from capacity_helpers import MIXES, PER_DAY, make_forecasts
from hypothesis import given, settings
from hypothesis import strategies as st

from demand.capacity.call_handling import agents_for_loads
from demand.capacity.erlang import size_erlang_c
from demand.capacity.workload import (
    available_hours_per_fte,
    demand_lines,
    department_workload,
    fte_per_post,
    line_hours,
    parse_unique_id,
    productive_hours_per_fte,
    required_fte,
)


def _workload(assumptions, forecasts, **kwargs):
    lines = demand_lines(forecasts, assumptions, MIXES)
    return department_workload(line_hours(lines, assumptions), assumptions, **kwargs)


def test_a_24_7_post_needs_5_26_fte():
    # Domain notes §8.4: 8,760 / (2,080 × 0.8) = 5.26 per 24/7 post.
    assert fte_per_post(8760, 2080, 0.8) == pytest.approx(5.264, abs=5e-4)
    assert round(fte_per_post(), 2) == 5.26


def test_productive_hours_are_crests_70_percent_after_abstractions(assumptions):
    # Notes §3.1: officers productive for 70 % of contracted hours (Crest).
    assert available_hours_per_fte(assumptions) == pytest.approx(2080 * 0.8)
    assert productive_hours_per_fte(assumptions) == pytest.approx(0.70 * 2080)


def test_productive_hours_follow_each_abstraction(assumptions):
    more_sickness = dataclasses.replace(
        assumptions,
        abstractions=dataclasses.replace(
            assumptions.abstractions, sickness_fraction=0.08
        ),
    )
    # 2,080 × (1 − 0.25) × 0.875 = 1,365 h.
    assert productive_hours_per_fte(more_sickness) == pytest.approx(1365.0)


def test_nottinghamshire_gap_29000_hours_a_month_is_260_officers():
    # Notes §3.1/§8.6: 29,000 h/month ↔ 260 officers, ≈ 111.5 h/officer-month.
    per_officer_month = 29_000 / 260
    assert per_officer_month == pytest.approx(111.5, abs=0.05)
    assert required_fte(29_000, per_officer_month) == pytest.approx(260)
    assert required_fte(29_000, 111.5) == pytest.approx(260, abs=0.1)


def test_parse_unique_id():
    assert parse_unique_id("incidents/grade=G1") == ("incidents", {"grade": "G1"})
    assert parse_unique_id("calls") == ("calls", {})


def test_linear_workload_is_demand_times_unit_time(assumptions):
    f = make_forecasts(
        width_fraction=0.0, months=12, per_day={"incidents/grade=G1": 100.0}
    )
    out = _workload(assumptions, f)
    (row,) = out.itertuples()
    assert row.department == "response" and row.financial_year == "2026/27"
    expected = f["mean"].sum() * 4.42  # 2.21 h on task × 2 officers
    assert row.hours_mean == pytest.approx(expected)
    assert row.fte_mean == pytest.approx(expected / 1456.0)
    assert row.year_fraction == pytest.approx(1.0)
    assert row.fte_lo_95 == pytest.approx(row.fte_mean)


def test_fte_intervals_contain_the_mean_and_widen_with_uncertainty(assumptions):
    narrow = _workload(assumptions, make_forecasts(0.05))
    wide = _workload(assumptions, make_forecasts(0.20))
    mean_only = _workload(assumptions, make_forecasts(0.0))
    for frame in (narrow, wide):
        assert (frame["fte_lo_95"] <= frame["fte_lo_80"]).all()
        assert (frame["fte_lo_80"] <= frame["fte_mean"]).all()
        assert (frame["fte_mean"] <= frame["fte_hi_80"]).all()
        assert (frame["fte_hi_80"] <= frame["fte_hi_95"]).all()
        # The mean-based FTE lies inside the interval.
        assert (frame["fte_lo_95"] <= mean_only["fte_mean"] + 1e-9).all()
        assert (mean_only["fte_mean"] <= frame["fte_hi_95"] + 1e-9).all()
    assert (
        (wide["fte_hi_95"] - wide["fte_lo_95"])
        > (narrow["fte_hi_95"] - narrow["fte_lo_95"])
    ).all()
    # The linear departments' mean does not depend on the width.
    linear = narrow["department"] != "control_room"
    np.testing.assert_allclose(
        narrow.loc[linear, "fte_mean"], mean_only.loc[linear, "fte_mean"]
    )


def test_perfect_time_correlation_adds_sds_and_none_adds_variances(assumptions):
    f = make_forecasts(0.1, months=12, per_day={"incidents/grade=G1": 100.0})
    full = _workload(assumptions, f, time_correlation=1.0).iloc[0]
    none = _workload(assumptions, f, time_correlation=0.0).iloc[0]
    sd = 0.1 * f["mean"] * np.sqrt(1 + np.arange(12) / 12) * 4.42
    assert full["hours_sd_hi"] == pytest.approx(sd.sum(), rel=1e-3)
    assert none["hours_sd_hi"] == pytest.approx(np.sqrt((sd**2).sum()), rel=1e-3)


def test_mental_health_overlap_keeps_response_total_unchanged(assumptions):
    with_mh = _workload(assumptions, make_forecasts(0.0))
    per_day = {k: v for k, v in PER_DAY.items() if k != "mental_health"}
    without = _workload(assumptions, make_forecasts(0.0, per_day=per_day))
    pick = lambda f: f.set_index(["department", "financial_year"])["hours_mean"]  # noqa: E731
    np.testing.assert_allclose(pick(with_mh), pick(without))


def test_total_without_its_level_or_a_mix_is_a_clear_error(assumptions):
    f = make_forecasts(0.0, months=2, per_day={"incidents": 10.0})
    with pytest.raises(ValueError, match=r"mixes\['grade'\]"):
        demand_lines(f, assumptions)


def test_partial_year_fte_is_annualised(assumptions):
    f = make_forecasts(0.0, months=3, per_day={"incidents/grade=G1": 100.0})
    row = _workload(assumptions, f).iloc[0]
    assert row.year_fraction == pytest.approx((30 + 31 + 30) / 365)
    assert row.fte_mean == pytest.approx(row.hours_mean / (1456 * row.year_fraction))


def test_control_room_hours_rise_with_calls_and_intervals_map_by_quantile(assumptions):
    f = make_forecasts(0.15, months=12, per_day={"calls/line=999": 406.0})
    lines = line_hours(demand_lines(f, assumptions), assumptions)
    assert (lines["hours_lo_95"] <= lines["hours_mean"]).all()
    assert (lines["hours_mean"] <= lines["hours_hi_95"]).all()
    # 406 calls/day × 270 s ≈ 1.27 Erlangs: a flat week needs 4 agents for 90/10.
    assert lines["hours_mean"].iloc[0] == pytest.approx(4 * 30 * 24, rel=0.26)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 40.0), min_size=1, max_size=20))
def test_vectorised_sizing_equals_erlang_c_sizing(assumptions, loads):
    line = assumptions.call_lines["999"]
    got = agents_for_loads(np.array(loads), line)
    for load, agents in zip(loads, got, strict=True):
        want = (
            0
            if load == 0
            else size_erlang_c(load, line.aht_seconds, line.target_seconds, 0.90)
        )
        assert int(agents) == want


def test_without_an_rcrp_date_mental_health_takes_todays_hours(assumptions):
    # A force without RCRP leaves mental_health.rcrp_date out: every period takes
    # the "after" hours; with the date, periods before it take the "before" hours.
    f = make_forecasts(
        0.0, months=12, start="2023-01-01", per_day={"mental_health": 27.0}
    )
    mh = assumptions.mental_health
    dated = demand_lines(f, assumptions, MIXES)
    undated = demand_lines(
        f,
        dataclasses.replace(
            assumptions, mental_health=dataclasses.replace(mh, rcrp_date=None)
        ),
        MIXES,
    )
    dated = dated[dated["stream"] == "mental_health"].set_index("ds")["unit_hours"]
    undated = undated[undated["stream"] == "mental_health"].set_index("ds")[
        "unit_hours"
    ]
    assert set(dated[:"2023-06-01"]) == {mh.hours_per_incident_before_rcrp}
    assert set(dated["2023-07-01":]) == {mh.hours_per_incident_after_rcrp}
    assert set(undated) == {mh.hours_per_incident_after_rcrp}
