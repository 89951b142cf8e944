"""FMS grades: service-aware likelihood, every department, areas on their own."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from demand.capacity.assumptions import load_assumptions
from demand.report import build_fms
from demand.report.data import read_report_data
from demand.store import Store

ROOT = Path(__file__).resolve().parents[2]
ASSUMPTIONS = ROOT / "pipelines" / "assumptions" / "northshire.toml"


def _fms(report_run, change=None):
    assumptions = load_assumptions(ASSUMPTIONS)
    with Store(report_run.db, read_only=True) as store:
        data = read_report_data(store, "rep")
    if change is not None:
        data = dataclasses.replace(data, capacity=change(data.capacity.copy()))
    return build_fms(data, assumptions), data


def test_every_department_is_graded_neighbourhood_included(report_run) -> None:
    # Issue 15 finding 9: neighbourhood has no stream of its own and was never
    # graded.
    fms, data = _fms(report_run)
    rows = fms.risks[fms.risks["stream"] == "all streams"]
    assert set(rows["department"]) == set(data.capacity["department"])
    assert "neighbourhood" in set(rows["department"])
    assert rows["grade"].isin(["low", "medium", "high", "very high"]).all()


def test_modelled_service_below_standard_decides_the_likelihood(report_run) -> None:
    # Issue 15 finding 5: response was graded on P(demand > capacity) alone while
    # its rostered G1 attendance was 0.799 against 0.90.
    def poor_service(capacity):
        response = capacity["department"] == "response"
        capacity.loc[response, "service_level"] = 0.799
        capacity.loc[response, "service_standard"] = 0.90
        capacity.loc[response, "p_demand_exceeds_capacity"] = 0.0
        return capacity

    fms, _ = _fms(report_run, poor_service)
    areas = fms.areas[(fms.areas["kind"] == "forecast")]
    response = areas[(areas["department"] == "response") & (areas["area"] == "force")]
    assert len(response)
    assert (response["likelihood"] == 5).all()
    assert (response["likelihood_basis"] == "service").all()
    assert (response["service_level"] == 0.799).all()


def test_crime_rows_are_graded_under_public_protection_when_it_is_worse(
    report_run,
) -> None:
    # Issue 15 finding 9: public-protection crime work was graded under
    # investigation whatever public protection's position.
    def stretched(capacity):
        pp = capacity["department"] == "public_protection"
        inv = capacity["department"] == "investigation"
        capacity.loc[pp, "p_demand_exceeds_capacity"] = 0.95
        capacity.loc[pp, "gap_fte"] = 0.5 * capacity.loc[pp, "establishment_fte"]
        capacity.loc[inv, "p_demand_exceeds_capacity"] = 0.0
        capacity.loc[inv, "gap_fte"] = -10.0
        return capacity

    fms, _ = _fms(report_run, stretched)
    crimes = fms.areas[
        (fms.areas["stream"] == "crimes")
        & (fms.areas["kind"] == "forecast")
        & (fms.areas["area"] == "force")
    ]
    assert (crimes["department"] == "public_protection").all()
    assert (crimes["grade"] == "very high").all()


def test_area_rows_are_graded_on_their_own_demand(report_run) -> None:
    # Issue 15 finding 9: every area row carried the force-wide department grade.
    fms, _ = _fms(report_run)
    fc = fms.areas[(fms.areas["kind"] == "forecast") & fms.areas["department"].notna()]
    force = fc[fc["area"] == "force"].set_index(
        ["stream", "department", "financial_year"]
    )
    areas = fc[fc["area"] != "force"]
    key = ["stream", "department", "financial_year"]
    # Area requirements are shares of the department's by the area's demand ...
    required = areas.groupby(key)["department_required_fte"].sum()
    ratio = (
        required / force["department_required_fte"].reindex(required.index)
    ).dropna()
    assert np.allclose(ratio, 1.0, atol=0.05)
    # ... so an area's gap is its own, not the force's.
    own = areas.set_index(key)["department_gap_fte"]
    assert (own != force["department_gap_fte"].reindex(own.index)).mean() > 0.9


def test_report_has_a_tornado_per_department_and_the_workbook_the_hinge(
    report_run,
) -> None:
    import pandas as pd

    html = (report_run.folder / "report.html").read_text(encoding="utf-8")
    with Store(report_run.db, read_only=True) as store:
        departments = store.con.execute(
            "SELECT count(DISTINCT department) FROM sensitivity"
        ).fetchone()[0]
    assert departments >= 5
    assert html.count('data-chart="tornado"') == departments
    assert "What each gap hangs on" in html
    assert "hangs on one assumption" in html  # the summary says it in words
    risks = pd.read_excel(report_run.folder / "fms.xlsx", sheet_name="fms_risks")
    own = risks[risks["stream"] == "all streams"]
    assert own["gap_hangs_on"].notna().all()
