"""Establishment against required FTE: which posts count, gaps and their risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demand.capacity.establishment import (
    capacity_gaps,
    establishment_by_year,
    probability_exceeds,
)

ESTABLISHMENT = pd.DataFrame(
    {
        "department": ["response", "response", "response", "control_room"],
        "role": ["PC", "Sergeant", "PC", "Call Handler"],
        "as_at": pd.to_datetime(
            ["2025-03-31", "2025-03-31", "2026-03-31", "2026-03-31"]
        ).date,
        "fte": [400.0, 50.0, 420.0, 100.0],
        "cost_per_fte": [57_600.0, 69_900.0, 60_000.0, None],
    }
)


def test_a_year_takes_the_latest_posts_before_it_starts(assumptions):
    out = establishment_by_year(
        ESTABLISHMENT, ["2025/26", "2026/27", "2029/30", "2023/24"], assumptions
    )
    resp = out[out["department"] == "response"].set_index("financial_year")
    assert resp.loc["2025/26", "establishment_fte"] == 450.0
    # FTE-weighted cost of the roles.
    assert resp.loc["2025/26", "cost_per_fte_gbp"] == pytest.approx(
        (400 * 57_600 + 50 * 69_900) / 450
    )
    assert resp.loc["2026/27", "establishment_fte"] == 420.0
    assert resp.loc["2029/30", "establishment_fte"] == 420.0  # held flat
    assert resp.loc["2023/24", "establishment_fte"] == 450.0  # earliest known
    room = out[out["department"] == "control_room"].iloc[0]
    assert room["cost_per_fte_gbp"] == 37_500.0  # from the assumptions


def test_probability_demand_exceeds_capacity():
    assert probability_exceeds(100.0, 10.0, 10.0, 100.0) == pytest.approx(0.5)
    assert probability_exceeds(100.0, 10.0, 20.0, 139.2) == pytest.approx(
        0.025, abs=1e-3
    )
    assert probability_exceeds(100.0, 10.0, 20.0, 80.4) == pytest.approx(
        0.975, abs=1e-3
    )
    assert probability_exceeds(100.0, 0.0, 0.0, 99.0) == 1.0
    assert probability_exceeds(100.0, 0.0, 0.0, 101.0) == 0.0
    grid = probability_exceeds(100.0, 10.0, 15.0, np.linspace(50, 150, 21))
    assert (np.diff(grid) <= 0).all()


def test_gap_arithmetic(assumptions):
    workload = pd.DataFrame(
        {
            "department": ["response"],
            "financial_year": ["2026/27"],
            "year_fraction": [0.5],
            "hours_mean": [1456.0 * 0.5 * 430],
            "hours_sd_lo": [1000.0],
            "hours_sd_hi": [2000.0],
            "productive_hours_per_fte": [1456.0],
            "fte_mean": [430.0],
            "fte_lo_95": [420.0],
            "fte_hi_95": [445.0],
        }
    )
    est = establishment_by_year(ESTABLISHMENT, ["2026/27"], assumptions)
    row = capacity_gaps(workload, est).iloc[0]
    assert row["gap_fte"] == pytest.approx(10.0)  # 430 needed − 420 in post
    assert row["gap_hours"] == pytest.approx(10 * 1456 * 0.5)
    assert row["gap_cost_gbp"] == pytest.approx(10 * 60_000 * 0.5)
    assert row["gap_fte_lo_95"] == pytest.approx(0.0)
    assert row["gap_fte_hi_95"] == pytest.approx(25.0)
    # Capacity is 10 FTE × 728 h = 7,280 h below the mean: z = −7,280 / 1,000.
    assert row["p_demand_exceeds_capacity"] == pytest.approx(1.0, abs=1e-9)
