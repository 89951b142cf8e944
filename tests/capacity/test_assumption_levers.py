"""Issue 15 finding 11: fixed FTE, overtime, sickness, urban areas, the clock."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from capacity_helpers import NORTHSHIRE

from demand.capacity.assumption_checks import check_urban_areas
from demand.capacity.assumptions import AssumptionsError, parse_assumptions
from demand.capacity.requirement import full_requirement
from demand.capacity.workload import productive_hours_per_fte
from demand.config import load_pipeline


def _row(department: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "department": [department],
            "financial_year": ["2026/27"],
            "basis": ["workload"],
            "year_fraction": [1.0],
            "productive_hours_per_fte": [1410.5],
            "hours_sd_lo": [0.0],
            "hours_sd_hi": [0.0],
        }
    )
    for q in ("mean", "lo_80", "hi_80", "lo_95", "hi_95"):
        frame[f"fte_{q}"] = 0.0
        frame[f"hours_{q}"] = 0.0
    return frame


def test_fixed_fte_are_scaled_by_abstractions(assumptions):
    # 220 ward officers present need 220 / (1 - 0.225) = 283.9 FTE.
    out = full_requirement(_row("neighbourhood"), assumptions)
    assert out["fte_fixed"].iloc[0] == pytest.approx(220 / 0.775)


def test_overtime_is_a_lever_on_productive_hours(assumptions):
    more = dataclasses.replace(
        assumptions,
        workforce=dataclasses.replace(
            assumptions.workforce, overtime_hours_per_fte_per_year=100.0
        ),
    )
    gained = productive_hours_per_fte(more) - productive_hours_per_fte(assumptions)
    assert gained == pytest.approx(100.0 * 0.875)
    data = tomllib.loads(NORTHSHIRE.read_text(encoding="utf-8"))
    data["workforce"]["overtime_hours_per_fte_per_year"] = -5.0
    with pytest.raises(AssumptionsError, match="overtime_hours_per_fte_per_year"):
        parse_assumptions(data)


def test_demo_sickness_is_the_npcc_five_to_six_percent(assumptions):
    assert 0.05 <= assumptions.abstractions.sickness_fraction <= 0.06
    assert "NPCC" in assumptions.abstractions.source


def test_unknown_urban_areas_are_a_config_error_naming_them(assumptions):
    areas = {"Northtown": 0.4, "Southbridge": 0.3, "Eastmoor": 0.2, "Westdale": 0.1}
    check_urban_areas(assumptions, areas)  # the shipped names are fine
    misspelt = dataclasses.replace(
        assumptions,
        attendance=dataclasses.replace(
            assumptions.attendance, urban_areas=("Northtown", "South Bridge")
        ),
    )
    with pytest.raises(AssumptionsError, match="South Bridge"):
        check_urban_areas(misspelt, areas)


def test_capacity_call_profiles_follow_the_pipelines_timezone(tmp_path: Path):
    path = tmp_path / "p.toml"
    path.write_text(
        '[pipeline]\nname = "x"\n[series]\ntimezone = "America/New_York"\n',
        encoding="utf-8",
    )
    assert load_pipeline(path).capacity.timezone == "America/New_York"
    path.write_text('[pipeline]\nname = "x"\n', encoding="utf-8")
    assert load_pipeline(path).capacity.timezone == "Europe/London"
