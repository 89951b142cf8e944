"""A department's full requirement: demand FTE plus other work, fixed posts and
supervision, so required FTE compares like with like against the establishment."""

from __future__ import annotations

import pandas as pd

from demand.capacity.assumptions import Assumptions, DepartmentRequirement
from demand.capacity.workload import QUANTILES, fte_per_post

__all__ = ["COMPONENTS", "full_requirement"]

COMPONENTS = ("fte_demand", "fte_other_work", "fte_fixed", "fte_supervision")
"""Parts of the mean required FTE; they sum to ``fte_mean``."""
HOURS_PER_YEAR = 8766.0  # 365.25 days


def _other_work_base(out: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Demand FTE (and hours sds) other work is taken on, row by row.

    A workload row takes it on its own demand. A cover row takes it on the
    workload row of its department and year: the other work is the same hours
    whichever basis binds, and the idle time that delivers the G1 target is not
    free for it (officers writing statements are not available for a G1).
    """
    workload = out[out["basis"].ne("cover")]
    keys = ["department", "financial_year"]
    base = out[columns].copy()
    cover = out["basis"].eq("cover")
    if cover.any():
        matched = out.loc[cover, keys].merge(
            workload[keys + columns], on=keys, how="left"
        )
        if matched[columns[0]].isna().any():
            missing = matched.loc[matched[columns[0]].isna(), keys].drop_duplicates()
            raise ValueError(
                "cover rows need the workload row of the same department and "
                f"year for their other work; missing {missing.to_dict('records')}"
            )
        base.loc[cover, columns] = matched[columns].to_numpy()
    return base


def full_requirement(table: pd.DataFrame, assumptions: Assumptions) -> pd.DataFrame:
    """Turn demand-driven FTE into each department's full requirement.

    For a department with a `DepartmentRequirement` (defaults: demand share 1,
    no posts, no supervision), every FTE bound becomes
    ``(fte + other + posts × FTE per post + fixed FTE) × (1 + supervision)``,
    where ``other = workload fte × (1 / share − 1)``: the work no stream records,
    in proportion to the recorded demand's hours. A response ``cover`` row keeps
    its own demand FTE (incidents plus the idle time that delivers the G1 target)
    and adds the *same* other work as the department's workload row of that
    year, since idle time kept free for G1s cannot also absorb it; so both bases
    carry equal other work and differ only in the demand part. Hours are the same
    FTE in productive hours over the covered part of the year, and the hours'
    sds scale with the demand terms only (posts and fixed FTE carry no forecast
    uncertainty).

    Args:
        table: Rows of `department_workload` (and cover rows) with ``basis``,
            ``year_fraction``, ``productive_hours_per_fte``, ``hours_*``,
            ``hours_sd_lo``, ``hours_sd_hi`` and ``fte_*``; each cover row needs
            the workload row of its department and year.
        assumptions: The force's assumptions (`departments`, workforce and
            abstractions for FTE per 24/7 post).

    Returns:
        ``table`` with the bounds rescaled and the `COMPONENTS` columns (FTE).

    Raises:
        ValueError: A cover row has no workload row of its department and year.
    """
    out = table.copy()
    per_post = fte_per_post(
        HOURS_PER_YEAR,
        assumptions.workforce.contracted_hours_per_fte_per_year,
        1.0 - assumptions.abstractions.total_fraction,
    )
    default = DepartmentRequirement(source="demand hours only")
    spec = out["department"].map(lambda d: assumptions.departments.get(d, default))
    share = spec.map(lambda s: s.demand_share).to_numpy(float)
    other = 1.0 / share - 1.0  # other work per FTE of recorded demand
    fixed = spec.map(lambda s: s.posts_24x7 * per_post + s.fixed_fte).to_numpy(float)
    uplift = 1.0 + spec.map(lambda s: s.supervision_ratio).to_numpy(float)
    span = (out["productive_hours_per_fte"] * out["year_fraction"]).to_numpy()
    sds = ["hours_sd_lo", "hours_sd_hi"]
    base = _other_work_base(out, [f"fte_{q}" for q in QUANTILES] + sds)
    demand_fte = out["fte_mean"].to_numpy(float)
    out["fte_demand"] = demand_fte
    out["fte_other_work"] = base["fte_mean"].to_numpy(float) * other
    out["fte_fixed"] = fixed
    out["fte_supervision"] = (demand_fte + out["fte_other_work"] + fixed) * (
        uplift - 1.0
    )
    for q in QUANTILES:
        out[f"fte_{q}"] = (
            out[f"fte_{q}"] + base[f"fte_{q}"].to_numpy(float) * other + fixed
        ) * uplift
        out[f"hours_{q}"] = out[f"fte_{q}"] * span
    for sd in sds:
        out[sd] = (out[sd] + base[sd].to_numpy(float) * other) * uplift
    return out
