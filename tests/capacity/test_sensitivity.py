"""Sensitivity of every gap: one assumption at a time, and all together."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest
from capacity_helpers import NORTHSHIRE, make_forecasts

from demand.capacity.assumptions import AssumptionsError, parse_assumptions
from demand.capacity.sensitivity import (
    COMBINED,
    compute_sensitivity,
    hinge_assumption,
    write_sensitivity,
)
from demand.capacity.sensitivity_ranges import ASSUMPTION_NAMES
from demand.capacity.stage import compute_capacity, read_capacity_inputs
from demand.store import Store

synth = pytest.importorskip("demand.synth")
ingest_module = pytest.importorskip("demand.ingest")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("sensitivity")
    synth.generate_force(root / "raw", years=1, end=date(2026, 3, 31), seed=11)
    with Store(root / "demand.duckdb") as store:
        ingest_module.ingest(store, [root / "raw"], adapter="northshire")
        yield store


@pytest.fixture(scope="module")
def run(store, assumptions):
    inputs = read_capacity_inputs(store, 365)
    forecasts = make_forecasts(0.1)
    baseline = compute_capacity(forecasts, assumptions, inputs).capacity
    table = compute_sensitivity(
        compute_capacity, forecasts, assumptions, inputs, baseline
    )
    return baseline, table


def test_every_department_and_year_has_every_used_assumption(run):
    baseline, table = run
    one = table[table["assumption"] != COMBINED]
    pairs = baseline[["department", "financial_year"]].drop_duplicates()
    assert len(one) == len(pairs) * one["assumption"].nunique()
    # Patience is not used (no call line sets one), so it is not moved.
    assert set(one["assumption"]) == set(ASSUMPTION_NAMES) - {"patience"}
    assert (one["swing"] >= 0).all()


def test_demand_moves_a_linear_department_by_its_demand_share(run, assumptions):
    # Investigation FTE = (demand FTE / share) × (1 + supervision): linear in
    # demand, so +10 % demand adds exactly 10 % of that term to the gap.
    baseline, table = run
    row = baseline[
        (baseline["department"] == "investigation")
        & (baseline["financial_year"] == "2026/27")
    ].iloc[0]
    spec = assumptions.departments["investigation"]
    term = row["fte_demand"] / spec.demand_share * (1 + spec.supervision_ratio)
    demand = table[
        (table["department"] == "investigation")
        & (table["financial_year"] == "2026/27")
        & (table["assumption"] == "demand")
    ].iloc[0]
    assert demand["gap_at_high"] - demand["gap_fte"] == pytest.approx(0.1 * term)
    assert demand["gap_fte"] - demand["gap_at_low"] == pytest.approx(0.1 * term)
    sick = table[
        (table["department"] == "investigation") & (table["assumption"] == "sickness")
    ]
    assert (sick["gap_at_high"] > sick["gap_fte"]).all()  # more sickness, more gap


def test_combined_interval_holds_the_gap_and_is_wider_than_the_forecasts(run):
    baseline, table = run
    combined = table[table["assumption"] == COMBINED].set_index(
        ["department", "financial_year"]
    )
    binding = (
        baseline.sort_values("fte_mean", ascending=False)
        .drop_duplicates(["department", "financial_year"])
        .set_index(["department", "financial_year"])
    )
    assert (combined["gap_at_low"] <= combined["gap_fte"]).all()
    assert (combined["gap_fte"] <= combined["gap_at_high"]).all()
    forecast_only = binding["gap_fte_hi_95"] - binding["gap_fte_lo_95"]
    assert (combined["swing"] > forecast_only.reindex(combined.index)).all()


def test_hinge_names_the_widest_swing_and_the_table_is_stored(run, store):
    _, table = run
    hinge = hinge_assumption(table).set_index(["department", "financial_year"])
    one = table[table["assumption"] != COMBINED]
    widest = one.loc[one.groupby(["department", "financial_year"])["swing"].idxmax()]
    for _, row in widest.iterrows():
        key = (row["department"], row["financial_year"])
        assert hinge.loc[key, "assumption"] == row["assumption"]
    assert write_sensitivity(store, table, "run-s") == len(table)
    stored = store.con.execute(
        "SELECT count(*) FROM sensitivity WHERE run_id = 'run-s'"
    ).fetchone()
    assert stored == (len(table),)


def test_ranges_come_from_the_assumptions_file_and_unknown_names_fail():
    data = tomllib.loads(NORTHSHIRE.read_text(encoding="utf-8"))
    data["sensitivity"] = {"source": "test", "relative_range": {"demand": 0.2}}
    assert parse_assumptions(data).sensitivity.relative_range == {"demand": 0.2}
    data["sensitivity"]["relative_range"] = {"weather": 0.2}
    with pytest.raises(AssumptionsError, match="weather"):
        parse_assumptions(data)
