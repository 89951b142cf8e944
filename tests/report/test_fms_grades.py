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


def test_the_capacity_run_models_each_areas_g1_attendance(report_run) -> None:
    # Issue 15, "each area row graded on its own ... service": the cover model
    # works per area, so each area's rostered G1 attendance is kept.
    _, data = _fms(report_run)
    response = data.area_service[data.area_service["department"] == "response"]
    areas = set(data.history["area"]) - {"force", "other"}
    assert set(response["area"]) == areas
    assert response["service_level"].between(0, 1).all()
    assert (response["service_standard"] == 0.90).all()
    # The force's attendance is a G1-weighted mean of its areas'.
    force = data.capacity[
        (data.capacity["department"] == "response")
        & (data.capacity["basis"] == "cover")
    ].set_index("financial_year")["service_level"]
    spread = response.groupby("financial_year")["service_level"].agg(["min", "max"])
    assert (spread["min"] <= force.reindex(spread.index) + 1e-12).all()
    assert (spread["max"] >= force.reindex(spread.index) - 1e-12).all()


def test_area_rows_are_graded_on_their_own_service(report_run) -> None:
    # Issue 15 finding 9: area rows carried the department's force-wide service.
    # The force answers G1s well; one area, on its share of the roster, does not.
    fms, data = _fms(report_run)
    poor_area = sorted(set(data.area_service["area"]))[0]
    capacity = data.capacity.copy()
    response = capacity["department"] == "response"
    capacity.loc[response, "service_level"] = 0.95
    capacity.loc[response, "p_demand_exceeds_capacity"] = 0.0
    own = data.area_service.copy()
    mine = own["area"].eq(poor_area) & own["department"].eq("response")
    own.loc[mine, "service_level"] = 0.60
    own.loc[~mine & own["department"].eq("response"), "service_level"] = 0.95
    fms = build_fms(
        dataclasses.replace(data, capacity=capacity, area_service=own),
        load_assumptions(ASSUMPTIONS),
    )
    fc = fms.areas[
        fms.areas["kind"].eq("forecast") & fms.areas["stream"].eq("incidents")
    ]
    poor = fc[fc["area"].eq(poor_area)]
    assert len(poor)
    assert (poor["department"] == "response").all()
    assert (poor["service_level"] == 0.60).all()
    assert (poor["likelihood"] == 5).all()
    assert poor["service_measure"].str.contains("in the area").all()
    others = fc[
        ~fc["area"].isin([poor_area, "force"]) & fc["department"].eq("response")
    ]
    assert (others["service_level"] == 0.95).all()
    force = fc[fc["area"].eq("force") & fc["department"].eq("response")]
    assert (force["service_level"] == 0.95).all()


def test_an_areas_own_service_below_standard_decides_its_likelihood() -> None:
    # The worked example of docs/assumptions.md: two areas with the same demand
    # position; the one whose own G1 attendance is 0.78 against 0.90 grades
    # higher, the other keeps its demand-based likelihood.
    import pandas as pd

    from demand.report.fms_grades import (
        area_service_view,
        grade_rows,
        scoped_likelihood_basis,
    )
    from demand.risk import RiskScheme

    rows = pd.DataFrame(
        {
            "area": ["force", "Northtown", "Eastmoor", "Northtown"],
            "department": ["response"] * 3 + ["investigation"],
            "financial_year": ["2027/28"] * 4,
            "p_demand_exceeds_capacity": [0.02, 0.02, 0.02, 0.02],
            "department_gap_fte": [10.0, 5.0, 5.0, 5.0],
            "department_establishment_fte": [500.0, 250.0, 250.0, 250.0],
            "department_gap_hours": [np.nan] * 4,
            "department_capacity_hours": [np.nan] * 4,
            "service_level": [0.95, 0.95, 0.95, np.nan],
            "service_standard": [0.90, 0.90, 0.90, np.nan],
            "service_measure": ["G1 attended within target (rostered)"] * 3 + [None],
        }
    )
    own = pd.DataFrame(
        {
            "department": ["response", "response"],
            "financial_year": ["2027/28", "2027/28"],
            "area": ["Northtown", "Eastmoor"],
            "service_measure": ["G1 attended within target in the area (rostered)"] * 2,
            "service_level": [0.93, 0.78],
            "service_standard": [0.90, 0.90],
        }
    )
    viewed = area_service_view(rows, own)
    graded = pd.concat([viewed, grade_rows(viewed, RiskScheme())], axis=1)
    graded["likelihood_basis"] = scoped_likelihood_basis(graded)
    north, east, inv = graded.iloc[1], graded.iloc[2], graded.iloc[3]
    assert north["service_level"] == 0.93 and east["service_level"] == 0.78
    assert graded.iloc[0]["service_level"] == 0.95  # the force row is untouched
    assert east["likelihood_basis"] == "service"
    assert east["likelihood"] > north["likelihood"]
    assert north["likelihood_basis"] == "demand"
    assert inv["likelihood_basis"] == "demand (no service measure)"
    # Without area rows of its own, an area keeps the force's service and says so.
    fallback = area_service_view(rows, None)
    graded = pd.concat([fallback, grade_rows(fallback, RiskScheme())], axis=1)
    basis = scoped_likelihood_basis(graded)
    assert basis.iloc[1] == "demand (force-wide service; no area measure)"
    assert basis.iloc[0] == "demand"


def test_an_area_without_a_service_measure_of_its_own_says_so(report_run) -> None:
    fms, _ = _fms(report_run)
    fc = fms.areas[fms.areas["kind"].eq("forecast") & fms.areas["grade"].ne("")]
    areas = fc[fc["area"].ne("force")]
    by_department = areas.groupby("department")["likelihood_basis"].agg(set)
    # One control room answers every area's calls: its service is force-wide.
    assert all("force-wide service" in b for b in by_department["control_room"])
    assert by_department["investigation"] == {"demand (no service measure)"}
    assert all("force-wide" not in b for b in by_department["response"])
    # Force rows keep the plain words.
    force = fc[fc["area"].eq("force")]
    assert set(force["likelihood_basis"]) <= {"demand", "service"}
