"""FMS tables: demand now and in four years, change, workload, capacity, gap, risk."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from demand.capacity.assumptions import Assumptions
from demand.capacity.demand_lines import stream_primary_departments
from demand.capacity.sensitivity import hinge_assumption
from demand.report.data import NOT_ASSESSED, ReportData
from demand.report.fms_grades import (
    SERVICE_SCOPE,
    area_service_view,
    area_view,
    department_capacity,
    grade_departments,
    grade_rows,
    scoped_likelihood_basis,
    stream_work_departments,
)
from demand.risk import RiskScheme
from demand.series import FINANCIAL_YEAR_START_MONTH, financial_year

__all__ = [
    "FMS_COLUMNS",
    "Z_FLAG",
    "build_fms_areas",
    "build_fms_risks",
    "poisson_z",
    "stream_departments",
]

log = logging.getLogger(__name__)

Z_FLAG = 3.0
"""|Z| above which a change is flagged as more than chance (domain notes §5.2)."""

FMS_COLUMNS: dict[str, str] = {
    "stream": "demand stream (calls, incidents, mental_health, ...)",
    "area": "area, or 'force' for the force as a whole",
    "department": "department whose grade decides the row: the worst of those "
    "carrying the stream's work (on actual rows, the one carrying most of it)",
    "financial_year": "UK financial year, April to March",
    "kind": "'actual' (the current year, recorded) or 'forecast'",
    "demand": "count of the stream in the year (calls, incidents, reports, crimes)",
    "demand_lo_80": "lower end of the 80% interval of demand",
    "demand_hi_80": "upper end of the 80% interval of demand",
    "demand_lo_95": "lower end of the 95% interval of demand",
    "demand_hi_95": "upper end of the 95% interval of demand",
    "change_fraction": "change against the current year, fraction (0.06 = +6%)",
    "change_lo_80": "change at the lower end of the 80% interval, fraction",
    "change_hi_80": "change at the upper end of the 80% interval, fraction",
    "poisson_z": "2·(√demand − √current demand), for counts; a forecast year is "
    "judged by its own interval instead (z_flag)",
    "z_flag": "true where the change is more than chance: the forecast's 95% "
    "interval excludes the current year's demand (|poisson_z| > 3 without one)",
    "hours_per_unit": "officer or staff hours per unit of demand, hours",
    "hours_source": "where hours_per_unit comes from",
    "workload_hours": "demand × hours_per_unit, hours a year",
    "basis": "capacity basis of the department: workload or response cover",
    "department_required_fte": "FTE the department needs for all its demand "
    "(an area row: its share by the area's forecast demand)",
    "department_establishment_fte": "FTE the department has (establishment; an "
    "area row: its share by the area's current demand)",
    "department_gap_fte": "required − establishment, FTE (positive = shortfall)",
    "department_gap_hours": "required − available hours, hours a year",
    "p_demand_exceeds_capacity": "probability (0-1) the department's demand "
    "exceeds its capacity in the year",
    "service_measure": "the department's service modelled with today's "
    "establishment and roster (e.g. G1 attended within target); an area row: "
    "the area's own where modelled (response: its G1 attendance)",
    "service_level": "modelled service (0-1) under today's establishment and roster",
    "service_standard": "the standard the service is held to (0-1)",
    "likelihood": "likelihood band (1 = lowest): the worse of the bands of "
    "p_demand_exceeds_capacity and of the service shortfall",
    "likelihood_basis": "which decided the likelihood: 'demand' or 'service'; "
    "an area row without a service measure of its own says so ('(force-wide "
    "service)', 'demand (no service measure)')",
    "impact": "impact band (1 = lowest) from the gap share",
    "score": "likelihood × impact",
    "grade": "risk grade from the force's risk matrix",
}
"""Every column of the FMS area table and what it means (the workbook's README)."""


def poisson_z(current: pd.Series | float, past: pd.Series | float) -> pd.Series:
    """Poisson Z of a change in counts: 2·(√current − √past) (domain notes §5.2).

    Args:
        current: Later counts (≥ 0).
        past: Earlier counts (≥ 0).

    Returns:
        Z, about standard normal when nothing changed; |Z| > 3 is a real change.
    """
    return 2.0 * (np.sqrt(current) - np.sqrt(past))


def _more_than_chance(table: pd.DataFrame, past: pd.Series) -> pd.Series:
    """Whether a forecast year's change on the current year is more than chance.

    A forecast row is judged by its own uncertainty: the change counts only when
    the forecast's 95 % interval excludes the current year's value (Poisson Z
    treats a forecast as a count and flagged 42 % of rows, many whose interval
    held no change). Rows without an interval fall back to |Z| > `Z_FLAG`.
    """
    lo, hi = table["demand_lo_95"], table["demand_hi_95"]
    excludes = (lo > past) | (hi < past)
    has_interval = lo.notna() & hi.notna()
    by_z = table["poisson_z"].abs() > Z_FLAG
    flag = excludes.where(has_interval, by_z)
    return flag.where(table["kind"] == "forecast", False).astype(bool)


def stream_departments(assumptions: Assumptions) -> dict[str, str]:
    """The department whose workload each stream mostly is, from the assumptions
    (the stream registry's unit-time basis of each stream)."""
    return stream_primary_departments(assumptions)


def _by_year(data: ReportData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Actual and forecast demand per series and financial year."""
    # Duck-typed callers (tests) may leave the setting out: the UK's April.
    start = getattr(data, "financial_year_start_month", FINANCIAL_YEAR_START_MONTH)
    hist = data.history.assign(financial_year=financial_year(data.history["ds"], start))
    actual = (
        hist.groupby(["unique_id", "stream", "area", "financial_year"])
        .agg(demand=("y", "sum"), months=("y", "size"))
        .reset_index()
    )
    fc = data.forecasts.assign(
        financial_year=financial_year(data.forecasts["ds"], start)
    )
    # A year that is part history, part forecast is completed with its recorded
    # months, so it is never compared with a full year as if it were one.
    recorded = hist.set_index(["unique_id", "ds"])["y"]
    seen = pd.MultiIndex.from_frame(fc[["unique_id", "ds"]]).isin(recorded.index)
    fc = fc[~seen]
    done = actual.set_index(["unique_id", "financial_year"])
    columns = ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]
    # Bounds are summed: a strategic forecast's errors are close to fully
    # correlated across months, as the capacity stage assumes too.
    forecast = (
        fc.groupby(["unique_id", "stream", "area", "financial_year"])[columns]
        .sum()
        .join(fc.groupby(["unique_id", "financial_year"]).size().rename("months"))
        .reset_index()
        .rename(columns={"mean": "demand"})
        .rename(columns={c: f"demand_{c}" for c in columns[1:]})
    )
    key = pd.MultiIndex.from_frame(forecast[["unique_id", "financial_year"]])
    earlier = done.reindex(key)
    for column in ["demand", *(f"demand_{c}" for c in columns[1:])]:
        forecast[column] += earlier["demand"].fillna(0.0).to_numpy()
    forecast["months"] += earlier["months"].fillna(0).astype(int).to_numpy()
    return actual, forecast[forecast["months"] >= 12].reset_index(drop=True)


def _hours_per_unit(
    data: ReportData, departments: dict[str, str]
) -> tuple[dict[str, float], dict[str, float]]:
    """Hours per unit by series id (recorded officer hours) and by department
    (the capacity stage's demand hours over its demand, a fallback: other work,
    fixed posts and supervision are not hours of demand)."""
    recorded = dict(
        zip(
            data.hours_per_unit["unique_id"],
            data.hours_per_unit["hours_per_unit"].astype(float),
            strict=True,
        )
    )
    work = data.capacity[data.capacity["basis"] == "workload"]
    work = work.assign(
        demand_hours=work["fte_demand"]
        * work["productive_hours_per_fte"]
        * work["year_fraction"]
    )
    totals = work.groupby("department")[["demand_hours", "demand"]].sum()
    by_department = (
        totals["demand_hours"] / totals["demand"].replace(0, np.nan)
    ).to_dict()
    return recorded, by_department


def build_fms_areas(
    data: ReportData, assumptions: Assumptions, years: int = 4
) -> pd.DataFrame:
    """Build the FMS demand table: one row per stream, area and financial year.

    The current year is the last financial year with 12 recorded months; the
    next `years` years come from the strategic forecasts. A forecast row is
    graded under each department that carries the stream's work (crimes under
    investigation and public protection, say) and keeps the worst grade; the
    likelihood is the worse of P(demand > capacity) and the department's
    modelled service against its standard (see `demand.report.fms_grades`). An
    area row is graded on its own demand: the department's requirement scaled by
    the area's share of the year's demand, against today's capacity scaled by
    its share of the current year's. Without a capacity run those columns are
    empty, `basis` and `hours_source` say `NOT_ASSESSED` and forecast years are
    "not graded".

    Args:
        data: Output of `read_report_data`.
        assumptions: The force's assumptions (departments and `risk`).
        years: Forecast years to show after the current year.

    Returns:
        A frame with the columns of `FMS_COLUMNS`, force rows first per stream.
    """
    departments = stream_departments(assumptions)
    actual, forecast = _by_year(data)
    full = actual[actual["months"] == 12]
    current_year = full.loc[full["area"] == "force", "financial_year"].max()
    current = full[full["financial_year"] == current_year].assign(kind="actual")
    future = forecast
    if not pd.isna(current_year):  # else under a year recorded: nothing to compare
        future = forecast[forecast["financial_year"] > current_year]
    next_years = sorted(future["financial_year"].unique())[:years]
    future = future[future["financial_year"].isin(next_years)].assign(kind="forecast")
    table = pd.concat([current, future], ignore_index=True)
    base = current.set_index("unique_id")["demand"]
    past = table["unique_id"].map(base).astype(float)
    table["change_fraction"] = table["demand"] / past - 1.0
    table["change_lo_80"] = table["demand_lo_80"] / past - 1.0
    table["change_hi_80"] = table["demand_hi_80"] / past - 1.0
    table["poisson_z"] = poisson_z(table["demand"], past)
    is_actual = table["kind"] == "actual"
    for column in ("change_fraction", "poisson_z"):
        table.loc[is_actual, column] = np.nan  # no change against itself
    table["z_flag"] = _more_than_chance(table, past)
    table["department"] = table["stream"].map(departments)
    recorded, by_department = _hours_per_unit(data, departments)
    force_id = table["stream"]
    own = table["unique_id"].map(recorded)
    force_rate = force_id.map(recorded)
    dept_rate = table["department"].map(by_department)
    table["hours_per_unit"] = own.fillna(force_rate).fillna(dept_rate)
    table["hours_source"] = np.where(
        own.notna() | force_rate.notna(),
        "recorded officer hours, last 12 months",
        "department workload hours per unit (capacity stage)",
    )
    if not data.has_capacity:
        table.loc[table["hours_per_unit"].isna(), "hours_source"] = NOT_ASSESSED
    table["workload_hours"] = table["demand"] * table["hours_per_unit"]
    table = _grade(table, data.capacity, assumptions, data.area_service)
    if not data.has_capacity:
        table["basis"] = NOT_ASSESSED
    table["_force_first"] = table["area"] != "force"
    table = table.sort_values(["stream", "_force_first", "area", "financial_year"])
    return table[list(FMS_COLUMNS)].reset_index(drop=True)


def _grade(
    table: pd.DataFrame,
    capacity: pd.DataFrame,
    assumptions: Assumptions,
    area_service: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Grade each forecast row under every department that carries the stream's
    work (area rows on their own demand and service) and keep the worst; the
    ``department`` column then names the department that decided."""
    work = stream_work_departments(assumptions)
    rows = table.assign(
        _row=np.arange(len(table)),
        _primary=table["department"],
        department=[work.get(s, (d,)) for s, d in zip(
            table["stream"], table["department"], strict=True
        )],
    ).explode("department")  # fmt: skip
    # A stream no department carries (a source's own `counts`) has no department:
    # object keys on both sides, so its NaN never meets a float column.
    keys = {"department": object, "financial_year": object}
    rows = rows.astype(keys).merge(
        department_capacity(capacity).astype(keys),
        on=["department", "financial_year"],
        how="left",
    )
    rows = area_service_view(area_view(rows), area_service)
    rows = pd.concat([rows, grade_rows(rows, assumptions.risk)], axis=1)
    rows["likelihood_basis"] = scoped_likelihood_basis(rows)
    forecast = rows["kind"].eq("forecast")
    rows["_rank"] = np.where(forecast, rows["score"].fillna(-1), -1)
    rows["_p"] = rows["p_demand_exceeds_capacity"].fillna(-1)
    rows["_not_primary"] = rows["department"].ne(rows["_primary"])
    rows = rows.sort_values(
        ["_row", "_rank", "_p", "_not_primary"], ascending=[True, False, False, True]
    )
    out = rows.drop_duplicates("_row").sort_values("_row")
    out.index = table.index
    actual = ~out["kind"].eq("forecast")
    out.loc[actual, "department"] = out.loc[actual, "_primary"]
    for column in ("likelihood", "impact", "score"):
        out.loc[actual, column] = np.nan
    out["grade"] = out["grade"].where(~actual, "")
    return out.drop(
        columns=["_row", "_primary", "_rank", "_p", "_not_primary", SERVICE_SCOPE]
    )


def build_fms_risks(
    areas: pd.DataFrame,
    scheme: RiskScheme,
    capacity: pd.DataFrame | None = None,
    sensitivity: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per stream and area, and per department: the worst forecast year.

    Low-risk areas are listed too (HMICFRS asks for every area to be assessed),
    and so is every department of the capacity run (stream "all streams", area
    "force"), neighbourhood included, graded on its own gap and service.

    Args:
        areas: Output of `build_fms_areas`.
        scheme: The risk matrix (for the grade order).
        capacity: The run's `capacity` rows, for the department rows (none
            without it).
        sensitivity: The run's `sensitivity` rows, for ``gap_hangs_on`` (the
            assumption whose range moves the deciding department's gap most in
            the worst year).

    Returns:
        ``stream, area, department, current_year, current_demand, worst_year,
        demand, change_fraction, poisson_z, z_flag, workload_hours,
        department_gap_fte, p_demand_exceeds_capacity, likelihood, impact,
        score, grade``, highest score first.
    """
    current = areas[areas["kind"] == "actual"].set_index(["stream", "area"])
    future = areas[areas["kind"] == "forecast"].copy()
    if capacity is not None and len(capacity) and len(future):
        years = sorted(future["financial_year"].unique())
        depts = grade_departments(capacity, scheme)
        depts = depts[depts["financial_year"].isin(years)].assign(
            stream="all streams", area="force", kind="forecast"
        )
        future = pd.concat([future, depts], ignore_index=True)
        future["z_flag"] = future["z_flag"].astype("boolean").fillna(False).astype(bool)
    future["_score"] = future["score"].fillna(-1)
    future["_p"] = future["p_demand_exceeds_capacity"].fillna(-1)
    by_department = future["stream"].eq("all streams")
    future["_key"] = future["department"].where(by_department, "")
    worst = future.sort_values(
        ["_score", "_p", "financial_year"], ascending=False
    ).drop_duplicates(["stream", "area", "_key"])
    here = pd.MultiIndex.from_frame(worst[["stream", "area"]])
    worst["current_year"] = current["financial_year"].reindex(here).to_numpy()
    worst["current_demand"] = current["demand"].reindex(here).to_numpy()
    out = worst.rename(columns={"financial_year": "worst_year"})
    out["gap_hangs_on"] = None
    if sensitivity is not None and len(sensitivity):
        hinge = hinge_assumption(sensitivity).set_index(
            ["department", "financial_year"]
        )
        label = hinge["assumption"] + hinge["swing"].map(" (swing {:,.0f} FTE)".format)
        here = pd.MultiIndex.from_frame(out[["department", "worst_year"]])
        out["gap_hangs_on"] = label.reindex(here).to_numpy()
    out["_force_first"] = out["area"] != "force"
    out = out.sort_values(
        ["_score", "stream", "_force_first", "area"],
        ascending=[False, True, True, True],
    )
    columns = [
        "stream",
        "area",
        "department",
        "current_year",
        "current_demand",
        "worst_year",
        "demand",
        "change_fraction",
        "poisson_z",
        "z_flag",
        "workload_hours",
        "department_gap_fte",
        "p_demand_exceeds_capacity",
        "service_measure",
        "service_level",
        "service_standard",
        "likelihood",
        "likelihood_basis",
        "impact",
        "score",
        "grade",
        "gap_hangs_on",
    ]
    return out.reindex(columns=columns).reset_index(drop=True)
