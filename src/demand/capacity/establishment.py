"""Required FTE against the establishment: gaps in FTE, hours and money, and risk."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from demand.capacity.assumptions import Assumptions
from demand.periods import FINANCIAL_YEAR_START_MONTH, financial_year_start

__all__ = [
    "capacity_gaps",
    "establishment_by_year",
    "probability_exceeds",
]

logger = logging.getLogger(__name__)


def establishment_by_year(
    establishment: pd.DataFrame,
    financial_years: Sequence[str],
    assumptions: Assumptions,
    start_month: int = FINANCIAL_YEAR_START_MONTH,
) -> pd.DataFrame:
    """Establishment FTE and cost per FTE of each department for each financial year.

    A year takes the latest ``as_at`` before its first day (1 April in the UK): the
    posts the force enters the year with, so every future year holds the latest
    establishment flat. A year before every ``as_at`` takes the earliest.

    Args:
        establishment: Rows of the `establishment` table (``department, role,
            as_at, fte, cost_per_fte``).
        financial_years: Labels such as "2026/27".
        assumptions: Costs per FTE used where the table has none (GBP a year).
        start_month: Month (1-12) financial years start in.

    Returns:
        ``department, financial_year, as_at, establishment_fte,
        cost_per_fte_gbp`` (FTE-weighted mean cost of the department's roles).
    """
    frame = establishment.copy()
    frame["as_at"] = pd.to_datetime(frame["as_at"])
    fallback = assumptions.costs.cost_per_fte_gbp
    cost = frame["cost_per_fte"].astype(float)
    frame["cost"] = cost.fillna(frame["department"].map(fallback))
    frame["spend"] = frame["fte"] * frame["cost"]
    totals = (
        frame.groupby(["department", "as_at"], sort=True)
        .agg(establishment_fte=("fte", "sum"), spend=("spend", "sum"))
        .reset_index()
    )
    totals["cost_per_fte_gbp"] = totals["spend"] / totals["establishment_fte"]
    rows = []
    for fy in financial_years:
        start = financial_year_start(fy, start_month)
        for dept, group in totals.groupby("department", sort=True):
            before = group[group["as_at"] < start]
            pick = before.iloc[-1] if len(before) else group.iloc[0]
            rows.append(
                {
                    "department": dept,
                    "financial_year": fy,
                    "as_at": pick["as_at"].date(),
                    "establishment_fte": float(pick["establishment_fte"]),
                    "cost_per_fte_gbp": float(pick["cost_per_fte_gbp"]),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "department",
            "financial_year",
            "as_at",
            "establishment_fte",
            "cost_per_fte_gbp",
        ],
    )


def probability_exceeds(
    mean: np.ndarray | float,
    sd_below: np.ndarray | float,
    sd_above: np.ndarray | float,
    capacity: np.ndarray | float,
) -> np.ndarray:
    """P(demand > capacity) under a two-piece normal (sd below and above the mean).

    The two-piece normal with median ``mean`` keeps skewed forecast intervals
    skewed: the upper sd decides the chance of exceeding a capacity above the mean.
    """
    mean, capacity = np.asarray(mean, float), np.asarray(capacity, float)
    sd = np.where(capacity >= mean, sd_above, sd_below).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (capacity - mean) / sd
    z = np.where(sd > 0, z, np.where(capacity >= mean, np.inf, -np.inf))
    return norm.sf(z)


def capacity_gaps(workload: pd.DataFrame, establishment: pd.DataFrame) -> pd.DataFrame:
    """Join required FTE to the establishment: gap in FTE, hours and GBP, and risk.

    Args:
        workload: Output of `demand.capacity.workload.department_workload`
            (optionally with a ``basis`` column), FTE over the covered part of
            each year.
        establishment: Output of `establishment_by_year`.

    Returns:
        ``workload`` with ``establishment_fte, cost_per_fte_gbp, as_at,
        capacity_hours`` (establishment × productive hours over the covered part
        of the year), ``gap_fte`` (required mean − establishment; positive =
        shortfall), ``gap_fte_lo_95, gap_fte_hi_95``, ``gap_hours``,
        ``gap_cost_gbp`` (gap FTE × cost per FTE over the covered part of the
        year) and ``p_demand_exceeds_capacity`` (0-1). Departments with no
        establishment row get NaN.
    """
    out = workload.merge(establishment, on=["department", "financial_year"], how="left")
    missing = out.loc[out["establishment_fte"].isna(), "department"].unique()
    if len(missing):
        logger.warning(
            "No establishment for %s; their gaps are left empty.",
            ", ".join(map(str, missing)),
        )
    span = out["productive_hours_per_fte"] * out["year_fraction"]
    out["capacity_hours"] = out["establishment_fte"] * span
    out["gap_fte"] = out["fte_mean"] - out["establishment_fte"]
    out["gap_fte_lo_95"] = out["fte_lo_95"] - out["establishment_fte"]
    out["gap_fte_hi_95"] = out["fte_hi_95"] - out["establishment_fte"]
    out["gap_hours"] = out["gap_fte"] * span
    out["gap_cost_gbp"] = (
        out["gap_fte"] * out["cost_per_fte_gbp"] * out["year_fraction"]
    )
    p = probability_exceeds(
        out["hours_mean"],
        out["hours_sd_lo"],
        out["hours_sd_hi"],
        out["capacity_hours"].fillna(np.inf),
    )
    out["p_demand_exceeds_capacity"] = np.where(out["capacity_hours"].isna(), np.nan, p)
    return out
