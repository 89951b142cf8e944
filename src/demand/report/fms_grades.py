"""FMS risk grades: demand and modelled service, per department, stream and area.

The rule (docs/assumptions.md, "How FMS risks are graded"): likelihood is the worse
of the band of P(demand > capacity) and the band of the modelled service's shortfall
against its standard under today's establishment and roster; impact is the band of
the gap's share; a stream row takes the worst grade of the departments that carry
its work; an area row is graded on its own demand against its share of today's
capacity, and on its own service where the capacity run modelled one (response:
the area's G1 attendance on its share of the roster), else on the department's
force-wide service, which `likelihood_basis` then says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demand.capacity.demand_lines import stream_work_departments
from demand.capacity.establishment import probability_exceeds
from demand.risk import RiskScheme, grade_risk

__all__ = [
    "GRADE_COLUMNS",
    "SERVICE_SCOPE",
    "department_capacity",
    "area_service_view",
    "area_view",
    "grade_departments",
    "grade_rows",
    "scoped_likelihood_basis",
    "stream_work_departments",
]

GRADE_COLUMNS = (
    "likelihood",
    "likelihood_label",
    "likelihood_basis",
    "impact",
    "impact_label",
    "score",
    "grade",
)
_Z95 = 1.959964


def department_capacity(capacity: pd.DataFrame) -> pd.DataFrame:
    """Per department and year the binding basis (the one needing most FTE),
    with its hours, capacity hours, sds and modelled service."""
    columns = [
        "department",
        "financial_year",
        "basis",
        "department_required_fte",
        "department_establishment_fte",
        "department_gap_fte",
        "department_gap_hours",
        "p_demand_exceeds_capacity",
        "productive_hours_per_fte",
        "year_fraction",
        "department_hours",
        "department_capacity_hours",
        "department_sd_lo",
        "department_sd_hi",
        "service_level",
        "service_standard",
        "service_measure",
    ]
    if capacity.empty:
        return pd.DataFrame(columns=columns)
    frame = capacity.copy()
    for column in ("service_level", "service_standard", "service_measure"):
        if column not in frame.columns:
            frame[column] = np.nan
    # Service is the department's whichever basis binds: fill it across rows.
    keys = ["department", "financial_year"]
    for column in ("service_level", "service_standard", "service_measure"):
        frame[column] = frame.groupby(keys)[column].transform("first")
    best = frame.sort_values("fte_mean", ascending=False).drop_duplicates(keys)
    span = best["productive_hours_per_fte"] * best["year_fraction"]
    best = best.assign(
        department_hours=best["hours_mean"],
        department_capacity_hours=best["establishment_fte"] * span,
        department_sd_lo=(best["hours_mean"] - best["hours_lo_95"]) / _Z95,
        department_sd_hi=(best["hours_hi_95"] - best["hours_mean"]) / _Z95,
    )
    return best.rename(
        columns={
            "fte_mean": "department_required_fte",
            "establishment_fte": "department_establishment_fte",
            "gap_fte": "department_gap_fte",
            "gap_hours": "department_gap_hours",
        }
    )[columns].reset_index(drop=True)


def _gap_share(table: pd.DataFrame, scheme: RiskScheme) -> pd.Series:
    """The gap as a share of the establishment (or of its hours)."""
    if scheme.impact_measure == "gap_share_of_hours":
        available = table["department_capacity_hours"]
        return table["department_gap_hours"] / available.replace(0, np.nan)
    return table["department_gap_fte"] / table["department_establishment_fte"].replace(
        0, np.nan
    )


def grade_rows(table: pd.DataFrame, scheme: RiskScheme) -> pd.DataFrame:
    """Grade each row from ``p_demand_exceeds_capacity``, its gap share and its
    service (``service_level`` against ``service_standard``).

    Returns:
        The `GRADE_COLUMNS`, indexed like ``table``.
    """
    share = _gap_share(table, scheme)
    shortfall = table["service_standard"].astype(float) - table["service_level"].astype(
        float
    )
    graded = [
        grade_risk(scheme, float(p), float(s), float(f))
        for p, s, f in zip(
            table["p_demand_exceeds_capacity"].astype(float).fillna(np.nan),
            share.astype(float).fillna(np.nan),
            shortfall.fillna(np.nan),
            strict=True,
        )
    ]
    out = pd.DataFrame(graded, index=table.index, columns=list(GRADE_COLUMNS))
    for column in ("likelihood", "impact", "score"):
        out[column] = pd.to_numeric(out[column], errors="coerce")
    return out


def area_view(table: pd.DataFrame) -> pd.DataFrame:
    """Scale an area row's department figures to the area's own demand.

    The area keeps today's capacity in proportion to its share of the stream's
    current-year demand, and needs the department's requirement in proportion
    to its share of the forecast year's demand, with its own forecast interval;
    so an area growing faster than the force shows a gap of its own. Force rows
    (and areas without a current year) are unchanged.
    """
    key = ["stream", "department", "financial_year"]
    force = table["area"].eq("force")
    now = table[table["kind"].eq("actual")]
    lookup = (
        table[force][key + ["demand"]]
        .rename(columns={"demand": "_force_y"})
        .drop_duplicates(key)
    )
    area_now = now[["stream", "department", "area", "demand"]].rename(
        columns={"demand": "_area_now"}
    )
    force_now = area_now[area_now["area"].eq("force")].drop(columns="area")
    merged = (
        table.merge(lookup, on=key, how="left")
        .merge(area_now.drop_duplicates(["stream", "department", "area"]),
               on=["stream", "department", "area"], how="left")
        .merge(force_now.rename(columns={"_area_now": "_force_now"})
               .drop_duplicates(["stream", "department"]),
               on=["stream", "department"], how="left")
    )  # fmt: skip
    merged.index = table.index
    share_y = merged["demand"] / merged["_force_y"]
    share_now = merged["_area_now"] / merged["_force_now"]
    scaled = ~force & share_y.notna() & (share_now > 0)
    out = table.copy()
    required = out["department_required_fte"] * share_y
    capacity = out["department_establishment_fte"] * share_now
    hours = out["department_hours"] * share_y
    cap_hours = out["department_capacity_hours"] * share_now
    relative_lo = (out["demand"] - out["demand_lo_95"]) / _Z95 / out["demand"]
    relative_hi = (out["demand_hi_95"] - out["demand"]) / _Z95 / out["demand"]
    p = pd.Series(
        probability_exceeds(
            hours.fillna(0.0),
            (hours * relative_lo).fillna(0.0),
            (hours * relative_hi).fillna(0.0),
            cap_hours.fillna(np.inf),
        ),
        index=out.index,
    )
    out.loc[scaled, "department_required_fte"] = required[scaled]
    out.loc[scaled, "department_establishment_fte"] = capacity[scaled]
    out.loc[scaled, "department_gap_fte"] = (required - capacity)[scaled]
    out.loc[scaled, "department_gap_hours"] = (hours - cap_hours)[scaled]
    out.loc[scaled, "department_capacity_hours"] = cap_hours[scaled]
    known = scaled & out["kind"].eq("forecast") & cap_hours.notna()
    out.loc[known, "p_demand_exceeds_capacity"] = p[known]
    return out


SERVICE_SCOPE = "_service_scope"
"""Column `area_service_view` adds: whose service an area row carries ("area",
"force" or "none"); `scoped_likelihood_basis` reads it."""
_SERVICE = ["service_level", "service_standard", "service_measure"]


def area_service_view(
    table: pd.DataFrame, area_service: pd.DataFrame | None
) -> pd.DataFrame:
    """Give each area row its own area's modelled service where there is one.

    Args:
        table: Rows with ``department, financial_year, area`` and the service
            columns of `department_capacity` (the department's, force-wide).
        area_service: The run's `area_service` rows (``department,
            financial_year, area`` and the service columns), or None.

    Returns:
        ``table`` with an area's own service where ``area_service`` has it, and
        `SERVICE_SCOPE`: "area" (its own), "force" (the department's force-wide
        service kept: one control room answers every area's calls), "none" (no
        service measure); empty on force rows.
    """
    out = table.copy()
    area = ~out["area"].eq("force")
    scope = pd.Series(np.where(out["service_level"].notna(), "force", "none"))
    out[SERVICE_SCOPE] = scope.set_axis(out.index).where(area, "")
    if area_service is None or area_service.empty:
        return out
    key = ["department", "financial_year", "area"]
    own = area_service.astype({k: object for k in key}).drop_duplicates(key)
    here = pd.MultiIndex.from_frame(out[key].astype(object))
    found = own.set_index(key).reindex(here)
    has = area & found["service_level"].notna().to_numpy()
    for column in _SERVICE:
        out.loc[has, column] = found[column].to_numpy()[has.to_numpy()]
    out.loc[has, SERVICE_SCOPE] = "area"
    return out


def scoped_likelihood_basis(graded: pd.DataFrame) -> pd.Series:
    """``likelihood_basis`` that says, on area rows, whose service was used.

    An area row with its own service, and every force row, keep "demand" or
    "service"; an area carrying its department's force-wide service gets
    " (force-wide service; no area measure)" added; an area of a department with
    no service measure at all says "demand (no service measure)".
    """
    basis = graded["likelihood_basis"]
    scope = graded[SERVICE_SCOPE]
    graded_rows = basis.notna()
    force = graded_rows & scope.eq("force")
    none = graded_rows & scope.eq("none")
    out = basis.astype(object).copy()
    out[force] = basis[force] + " (force-wide service; no area measure)"
    out[none] = "demand (no service measure)"
    return out


def grade_departments(capacity: pd.DataFrame, scheme: RiskScheme) -> pd.DataFrame:
    """One graded row per department and financial year (every department in
    the capacity run, neighbourhood included)."""
    table = department_capacity(capacity)
    if table.empty:
        return table.assign(**{c: pd.Series(dtype=object) for c in GRADE_COLUMNS})
    return pd.concat([table, grade_rows(table, scheme)], axis=1)
