"""A department's full requirement: other work, fixed posts and supervision."""

from __future__ import annotations

import dataclasses
import tomllib

import pandas as pd
import pytest

from demand.capacity.assumptions import (
    AssumptionsError,
    DepartmentRequirement,
    parse_assumptions,
)
from demand.capacity.requirement import COMPONENTS, full_requirement
from demand.capacity.workload import QUANTILES

FTE = {"mean": 100.0, "lo_80": 90.0, "hi_80": 112.0, "lo_95": 85.0, "hi_95": 120.0}


def _rows(department: str, basis: str = "workload") -> pd.DataFrame:
    """One department-year of demand FTE over a whole year of 1,456 h per FTE."""
    row = {
        "department": department,
        "financial_year": "2026/27",
        "basis": basis,
        "year_fraction": 1.0,
        "productive_hours_per_fte": 1456.0,
        "hours_sd_lo": 700.0,
        "hours_sd_hi": 900.0,
    }
    for q, fte in FTE.items():
        row[f"fte_{q}"] = fte
        row[f"hours_{q}"] = fte * 1456.0
    return pd.DataFrame([row])


def _with(assumptions, **departments):
    return dataclasses.replace(assumptions, departments=departments)


def test_other_work_posts_and_supervision_add_up(assumptions):
    # 2,080 h and 20 % abstraction: a 24/7 post needs 8,766 / 1,664 = 5.268 FTE.
    spec = DepartmentRequirement(
        source="test",
        demand_share=0.5,
        posts_24x7=2.0,
        fixed_fte=10.0,
        supervision_ratio=0.1,
    )
    out = full_requirement(
        _rows("investigation"), _with(assumptions, investigation=spec)
    )
    per_post = 8766.0 / (2080.0 * 0.8)
    expected = (100.0 / 0.5 + 2 * per_post + 10.0) * 1.1
    assert out["fte_mean"].iloc[0] == pytest.approx(expected)
    assert out["fte_demand"].iloc[0] == pytest.approx(100.0)
    assert out["fte_other_work"].iloc[0] == pytest.approx(100.0)
    assert out["fte_fixed"].iloc[0] == pytest.approx(2 * per_post + 10.0)
    assert out[list(COMPONENTS)].sum(axis=1).iloc[0] == pytest.approx(expected)
    # Every bound moves the same way; hours are the FTE in productive hours.
    for q, fte in FTE.items():
        assert out[f"fte_{q}"].iloc[0] == pytest.approx(
            (fte / 0.5 + 2 * per_post + 10.0) * 1.1
        )
        assert out[f"hours_{q}"].iloc[0] == pytest.approx(
            out[f"fte_{q}"].iloc[0] * 1456
        )
    # Only the demand term is uncertain: posts and fixed FTE add no spread.
    assert out["hours_sd_hi"].iloc[0] == pytest.approx(900.0 * 1.1 / 0.5)


def test_cover_rows_carry_the_same_other_work_as_the_workload_rows(assumptions):
    # Issue 15, finding 4: the idle time that delivers the G1 target cannot also
    # absorb the other work, so a cover row adds the workload row's other work.
    spec = DepartmentRequirement(source="t", demand_share=0.5, supervision_ratio=0.2)
    cover = _rows("response", basis="cover")
    for q in FTE:
        cover[f"fte_{q}"] = cover[f"fte_{q}"] * 1.5  # cover needs 150 demand FTE
    both = pd.concat([_rows("response"), cover], ignore_index=True)
    out = full_requirement(both, _with(assumptions, response=spec))
    workload, on_cover = out.iloc[0], out.iloc[1]
    assert workload["fte_other_work"] == pytest.approx(100.0)
    assert on_cover["fte_other_work"] == pytest.approx(100.0)
    assert on_cover["fte_demand"] == pytest.approx(150.0)
    assert on_cover["fte_mean"] == pytest.approx((150.0 + 100.0) * 1.2)
    assert on_cover[list(COMPONENTS)].sum() == pytest.approx(on_cover["fte_mean"])
    # Bounds: the cover's own bound plus the workload's bound of other work.
    assert on_cover["fte_hi_95"] == pytest.approx((120.0 * 1.5 + 120.0) * 1.2)
    assert on_cover["hours_sd_hi"] == pytest.approx((900.0 + 900.0) * 1.2)
    # The two bases now differ only in their demand part.
    assert on_cover["fte_mean"] - workload["fte_mean"] == pytest.approx(50.0 * 1.2)


def test_a_cover_row_without_its_workload_row_is_refused(assumptions):
    with pytest.raises(ValueError, match="workload row"):
        full_requirement(_rows("response", basis="cover"), assumptions)


def test_a_department_not_listed_needs_its_demand_hours_only(assumptions):
    before = _rows("neighbourhood")
    out = full_requirement(before, _with(assumptions))
    for q in QUANTILES:
        assert out[f"fte_{q}"].iloc[0] == pytest.approx(before[f"fte_{q}"].iloc[0])
    assert out["fte_supervision"].iloc[0] == 0.0


def test_northshire_requirement_counts_the_ward_commitment(assumptions):
    # The shipped file commits 220 ward FTE whatever the demand.
    out = full_requirement(_rows("neighbourhood"), assumptions)
    assert out["fte_fixed"].iloc[0] == pytest.approx(220.0)
    assert out["fte_mean"].iloc[0] == pytest.approx((100.0 + 220.0) * 1.125)


def _raw(path):
    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("demand_share", 0.0, "departments.investigation.demand_share"),
        ("demand_share", 1.5, "departments.investigation.demand_share"),
        ("supervision_ratio", -0.1, "departments.investigation.supervision_ratio"),
    ],
)
def test_bad_department_figures_name_the_key(assumptions, key, value, message):
    data = _raw(assumptions.path)
    data["departments"]["investigation"][key] = value
    with pytest.raises(AssumptionsError, match=message):
        parse_assumptions(data, assumptions.path)


def test_an_unknown_department_is_refused(assumptions):
    data = _raw(assumptions.path)
    data["departments"]["traffic"] = {"source": "x", "fixed_fte": 3.0}
    with pytest.raises(AssumptionsError, match="departments.traffic"):
        parse_assumptions(data, assumptions.path)
