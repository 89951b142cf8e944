"""Sensitivity of every gap: one assumption at a time, and all of them at once.

Each assumption that feeds a department's gap is moved to the low and the high end
of its range (the assumptions file's `[sensitivity]` ranges, or the defaults here),
the capacity computation is run again with everything else held, and the gap of the
binding basis is recorded: the tornado of each department. A Monte Carlo draw over
every range at once, on top of the forecast's own uncertainty, gives an interval for
the gap that includes assumption uncertainty.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from demand.capacity.assumptions import Assumptions
from demand.capacity.inputs import CapacityInputs
from demand.capacity.sensitivity_ranges import (
    ASSUMPTION_NAMES,
    perturb,
    relative_ranges,
)
from demand.store import Store
from demand.store.runs import replace_run_rows
from demand.tables import table_columns

__all__ = [
    "COMBINED",
    "SENSITIVITY_COLUMNS",
    "compute_sensitivity",
    "hinge_assumption",
    "write_sensitivity",
]

logger = logging.getLogger(__name__)

COMBINED = "all assumptions (95% interval)"
"""The ``assumption`` of the rows holding the gap's interval with every range and
the forecast's uncertainty drawn together (``gap_at_low``/``gap_at_high`` are its
2.5 % and 97.5 % points)."""

SENSITIVITY_COLUMNS = table_columns("sensitivity")[1:]
"""Columns of the `sensitivity` table: the gap (FTE, binding basis) with the
assumption at its low and high value; ``swing`` = |high − low| gap."""

_DRAWS = 4000


def _binding_gaps(capacity: pd.DataFrame) -> pd.Series:
    """Gap FTE of the basis needing most FTE, by department and year."""
    best = capacity.sort_values("fte_mean", ascending=False).drop_duplicates(
        ["department", "financial_year"]
    )
    return best.set_index(["department", "financial_year"])["gap_fte"]


def _scaled(frame: pd.DataFrame | None, factor: float) -> pd.DataFrame | None:
    """Forecast rows with the mean and every bound times ``factor``."""
    if frame is None:
        return None
    columns = [c for c in ("mean", "lo_80", "hi_80", "lo_95", "hi_95") if c in frame]
    return frame.assign(**{c: frame[c] * factor for c in columns})


def _run(
    compute: Callable[..., object],
    forecasts: pd.DataFrame,
    assumptions: Assumptions,
    inputs: CapacityInputs,
    hourly: pd.DataFrame | None,
) -> pd.Series | None:
    """The binding gaps of one capacity run, or None where it cannot be computed."""
    try:
        result = compute(forecasts, assumptions, inputs, (), hourly)
    except ValueError as error:  # e.g. a G1 standard unreachable on travel alone
        logger.warning("Sensitivity run failed (%s); its gaps are left empty.", error)
        return None
    return _binding_gaps(result.capacity)  # type: ignore[attr-defined]


def _combined(table: pd.DataFrame, capacity: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The gap's 95 % interval with every assumption and the forecast drawn at once.

    First order and additive: each assumption moves the gap by an amount drawn
    uniformly between its low and high end (through the baseline, piecewise
    linear), independently of the others; the forecast's own uncertainty is a
    two-piece normal from the gap's 95 % bounds.
    """
    rng = np.random.default_rng(seed)
    base = capacity.sort_values("fte_mean", ascending=False).drop_duplicates(
        ["department", "financial_year"]
    )
    rows = []
    for (dept, fy), group in table.groupby(["department", "financial_year"]):
        hit = base[(base["department"] == dept) & (base["financial_year"] == fy)]
        if hit.empty:
            continue
        gap = float(hit["gap_fte"].iloc[0])
        total = np.full(_DRAWS, gap)
        for _, row in group.dropna(subset=["gap_at_low", "gap_at_high"]).iterrows():
            u = rng.uniform(-1.0, 1.0, _DRAWS)
            low, high = row["gap_at_low"] - gap, row["gap_at_high"] - gap
            total += np.where(u < 0, -u * low, u * high)
        sd_lo = (gap - float(hit["gap_fte_lo_95"].iloc[0])) / 1.959964
        sd_hi = (float(hit["gap_fte_hi_95"].iloc[0]) - gap) / 1.959964
        z = rng.standard_normal(_DRAWS)
        total += np.where(z < 0, z * max(sd_lo, 0.0), z * max(sd_hi, 0.0))
        lo, hi = np.quantile(total, [0.025, 0.975])
        rows.append(
            {
                "department": dept,
                "financial_year": fy,
                "assumption": COMBINED,
                "low_value": np.nan,
                "high_value": np.nan,
                "value_unit": "2.5% and 97.5% points of the gap",
                "gap_fte": gap,
                "gap_at_low": float(lo),
                "gap_at_high": float(hi),
                "swing": float(hi - lo),
            }
        )
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


def compute_sensitivity(
    compute: Callable[..., object],
    forecasts: pd.DataFrame,
    assumptions: Assumptions,
    inputs: CapacityInputs,
    baseline: pd.DataFrame,
    hourly_forecasts: pd.DataFrame | None = None,
    ranges: Mapping[str, float] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Move each assumption to both ends of its range and record every gap.

    Args:
        compute: The capacity computation, called as ``compute(forecasts,
            assumptions, inputs, (), hourly_forecasts)`` (`compute_capacity`).
        forecasts: The strategic forecasts of the run.
        assumptions: The force's assumptions (the baseline).
        inputs: The capacity inputs of the run.
        baseline: The baseline `capacity` rows (for the gap and its bounds).
        hourly_forecasts: Hourly incident forecasts for response cover.
        ranges: Relative half-width (0.10 = ±10 %) of each assumption's range by
            name (`ASSUMPTION_NAMES`); default the assumptions' own, else built-in.
        seed: Seed of the Monte Carlo draw.

    Returns:
        A frame with `SENSITIVITY_COLUMNS`: one row per department, year and
        assumption, then the `COMBINED` rows.
    """
    widths = dict(ranges or relative_ranges(assumptions))
    # Unit times (derived from incidents) and the recorded call service are for
    # the report and the grades only; no gap uses them, so the runs skip them.
    light = dataclasses.replace(
        inputs, incidents=inputs.incidents.head(0), call_waits=None
    )
    base = _binding_gaps(baseline)
    rows = []
    for name in ASSUMPTION_NAMES:
        width = widths.get(name, 0.0)
        if width <= 0:
            continue
        ends = {}
        for side, factor in (("low", 1.0 - width), ("high", 1.0 + width)):
            if name == "demand":
                gaps = _run(
                    compute,
                    _scaled(forecasts, factor),  # type: ignore[arg-type]
                    assumptions,
                    light,
                    _scaled(hourly_forecasts, factor),
                )
                value, unit = factor, "× forecast demand"
            else:
                changed, value, unit = perturb(assumptions, name, factor)
                if changed is None:  # nothing to move (e.g. no patience set)
                    break
                gaps = _run(compute, forecasts, changed, light, hourly_forecasts)
            ends[side] = (value, unit, gaps)
        if len(ends) < 2:
            continue
        for key, gap in base.items():
            low, high = ends["low"], ends["high"]
            at_low = np.nan if low[2] is None else low[2].get(key, np.nan)
            at_high = np.nan if high[2] is None else high[2].get(key, np.nan)
            rows.append(
                {
                    "department": key[0],
                    "financial_year": key[1],
                    "assumption": name,
                    "low_value": low[0],
                    "high_value": high[0],
                    "value_unit": low[1],
                    "gap_fte": gap,
                    "gap_at_low": at_low,
                    "gap_at_high": at_high,
                    "swing": abs(at_high - at_low),
                }
            )
    table = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
    combined = _combined(table, baseline, seed)
    return pd.concat([table, combined], ignore_index=True)


def hinge_assumption(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """The assumption each department's gap hangs on (largest swing), per year.

    Returns:
        ``department, financial_year, assumption, swing, gap_at_low,
        gap_at_high`` (no `COMBINED` rows).
    """
    one = sensitivity[sensitivity["assumption"] != COMBINED].dropna(subset=["swing"])
    top = one.sort_values("swing", ascending=False).drop_duplicates(
        ["department", "financial_year"]
    )
    return top[
        [
            "department",
            "financial_year",
            "assumption",
            "swing",
            "gap_at_low",
            "gap_at_high",
        ]
    ].reset_index(drop=True)


def write_sensitivity(store: Store, sensitivity: pd.DataFrame, run_id: str) -> int:
    """Replace the run's rows of the `sensitivity` table, atomically.

    Returns:
        Rows written.
    """
    store.ensure_tables()
    with store.transaction() as con:
        written = replace_run_rows(con, "sensitivity", sensitivity, run_id)
    logger.info("Sensitivity run %s: wrote %d rows.", run_id, written)
    return written
