"""A department's full requirement: demand FTE plus other work, fixed posts and
supervision, so required FTE compares like with like against the establishment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demand.capacity.assumptions import Assumptions, DepartmentRequirement
from demand.capacity.workload import QUANTILES, fte_per_post

__all__ = ["COMPONENTS", "full_requirement"]

COMPONENTS = ("fte_demand", "fte_other_work", "fte_fixed", "fte_supervision")
"""Parts of the mean required FTE; they sum to ``fte_mean``."""
HOURS_PER_YEAR = 8766.0  # 365.25 days


def full_requirement(table: pd.DataFrame, assumptions: Assumptions) -> pd.DataFrame:
    """Turn demand-driven FTE into each department's full requirement.

    For a department with a `DepartmentRequirement` (defaults: demand share 1,
    no posts, no supervision), every FTE bound becomes
    ``(fte / share + posts × FTE per post + fixed FTE) × (1 + supervision)``;
    ``share`` is 1 on the response ``cover`` basis (idle cover time absorbs the
    other work). Hours are the same FTE in productive hours over the covered
    part of the year, and the hours' sds scale with the demand term only (posts
    and fixed FTE carry no forecast uncertainty).

    Args:
        table: Rows of `department_workload` (and cover rows) with ``basis``,
            ``year_fraction``, ``productive_hours_per_fte``, ``hours_*``,
            ``hours_sd_lo``, ``hours_sd_hi`` and ``fte_*``.
        assumptions: The force's assumptions (`departments`, workforce and
            abstractions for FTE per 24/7 post).

    Returns:
        ``table`` with the bounds rescaled and the `COMPONENTS` columns (FTE).
    """
    out = table.copy()
    per_post = fte_per_post(
        HOURS_PER_YEAR,
        assumptions.workforce.contracted_hours_per_fte_per_year,
        1.0 - assumptions.abstractions.total_fraction,
    )
    default = DepartmentRequirement(source="demand hours only")
    spec = out["department"].map(lambda d: assumptions.departments.get(d, default))
    on_workload = out["basis"].ne("cover").to_numpy()
    share = np.where(on_workload, spec.map(lambda s: s.demand_share), 1.0)
    # Fixed FTE are people present (a ward officer per ward): abstractions take
    # their share of them as of anyone, so each needs 1 / (1 - abstractions) FTE.
    present = 1.0 / (1.0 - assumptions.abstractions.total_fraction)
    fixed = spec.map(
        lambda s: s.posts_24x7 * per_post + s.fixed_fte * present
    ).to_numpy(float)
    uplift = 1.0 + spec.map(lambda s: s.supervision_ratio).to_numpy(float)
    span = (out["productive_hours_per_fte"] * out["year_fraction"]).to_numpy()
    demand_fte = out["fte_mean"].to_numpy(float)
    out["fte_demand"] = demand_fte
    out["fte_other_work"] = demand_fte / share - demand_fte
    out["fte_fixed"] = fixed
    out["fte_supervision"] = (demand_fte / share + fixed) * (uplift - 1.0)
    for q in QUANTILES:
        out[f"fte_{q}"] = (out[f"fte_{q}"] / share + fixed) * uplift
        out[f"hours_{q}"] = out[f"fte_{q}"] * span
    for side in ("lo", "hi"):
        out[f"hours_sd_{side}"] = out[f"hours_sd_{side}"] * uplift / share
    return out
