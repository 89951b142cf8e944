"""Unit times derived from the incidents table, compared with the assumed ones."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from demand.capacity.assumptions import Assumptions

__all__ = [
    "EXCLUSION_REASONS",
    "UNIT_TIME_COLUMNS",
    "compare_unit_times",
    "derive_unit_times",
]

logger = logging.getLogger(__name__)

EXCLUSION_REASONS = (
    "missing_stamp",
    "clear_before_dispatch",
    "arrival_outside_dispatch_to_clear",
    "over_max_hours",
    "bad_officer_hours",
)
"""Why a deployed incident's times are left out of the unit-time statistics."""

UNIT_TIME_COLUMNS = (
    "incidents",
    "deployed",
    "used",
    "excluded",
    "time_on_task_hours_mean",
    "time_on_task_hours_median",
    "arrival_minutes_mean",
    "arrival_minutes_median",
    "response_minutes_median",
    "officer_hours_per_deployed_mean",
    "officer_hours_per_deployed_median",
    "officer_hours_per_incident_mean",
)


def _hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 3600.0


def _exclusions(frame: pd.DataFrame, max_hours: float) -> pd.DataFrame:
    """Boolean columns, one per reason, True where a deployed row is excluded."""
    dispatched, arrived, cleared = (
        frame["dispatched_at"],
        frame["arrived_at"],
        frame["cleared_at"],
    )
    on_task = _hours(cleared, dispatched)
    officer = pd.to_numeric(frame["officer_hours"], errors="coerce")
    missing = dispatched.isna() | cleared.isna()
    reasons = pd.DataFrame(index=frame.index)
    reasons["missing_stamp"] = missing
    reasons["clear_before_dispatch"] = ~missing & (on_task < 0)
    reasons["arrival_outside_dispatch_to_clear"] = (
        ~missing
        & arrived.notna()
        & ((arrived < dispatched) | (arrived > cleared))
        & ~reasons["clear_before_dispatch"]
    )
    reasons["over_max_hours"] = ~missing & (on_task > max_hours)
    # Officer hours must be present, not negative, and no more than 24 officers
    # on a maximal task: anything else is a keying error.
    reasons["bad_officer_hours"] = (
        officer.isna() | (officer < 0) | (officer > 24 * max_hours)
    )
    return reasons


def derive_unit_times(
    incidents: pd.DataFrame,
    by: Sequence[str] = ("grade",),
    max_hours: float = 24.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Derive time on task per group of incidents, robust to absurd time stamps.

    A deployed incident (``dispatched_at`` present, or grade not ``RWD``) is used
    only if it has dispatch and clear stamps, clears after dispatch, arrives (if
    stamped) between dispatch and clear, takes at most ``max_hours`` from dispatch to
    clear, and has officer hours in [0, 24 × max_hours]. Excluded rows are counted
    by reason (a row counts under its first reason in `EXCLUSION_REASONS`).

    Args:
        incidents: Rows of the `incidents` table: ``grade``, the level columns in
            ``by``, ``created_at``, ``dispatched_at``, ``arrived_at``,
            ``cleared_at`` (timestamps) and ``officer_hours`` (hours).
        by: Columns to group by, e.g. ("grade",) or ("category",).
        max_hours: Longest believable dispatch-to-clear time, hours.

    Returns:
        ``(unit_times, exclusions)``: one row per group with `UNIT_TIME_COLUMNS`
        (hours and minutes as named; ``officer_hours_per_incident_mean`` counts
        undeployed incidents as 0 h), and a frame ``reason, rows``.
    """
    frame = incidents.copy()
    for column in ("created_at", "dispatched_at", "arrived_at", "cleared_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    deployed = frame["dispatched_at"].notna() | (frame["grade"] != "RWD")
    reasons = _exclusions(frame, max_hours)
    reasons = reasons[deployed]
    first = reasons.idxmax(axis=1).where(reasons.any(axis=1))
    counts = first.value_counts()
    exclusions = pd.DataFrame(
        {
            "reason": list(EXCLUSION_REASONS),
            "rows": [int(counts.get(r, 0)) for r in EXCLUSION_REASONS],
        }
    )
    if exclusions["rows"].sum():
        logger.info(
            "Unit times: %d deployed incidents excluded (%s).",
            int(exclusions["rows"].sum()),
            ", ".join(f"{r} {n}" for r, n in exclusions.itertuples(index=False) if n),
        )
    used = deployed & ~reasons.reindex(frame.index, fill_value=False).any(axis=1)
    frame["deployed_flag"] = deployed
    frame["used_flag"] = used
    frame["excluded_flag"] = deployed & ~used
    clean = frame["used_flag"]
    frame["on_task"] = _hours(frame["cleared_at"], frame["dispatched_at"]).where(clean)
    frame["arrival"] = (_hours(frame["arrived_at"], frame["dispatched_at"]) * 60).where(
        clean
    )
    frame["response"] = (_hours(frame["arrived_at"], frame["created_at"]) * 60).where(
        clean
    )
    officer = pd.to_numeric(frame["officer_hours"], errors="coerce")
    frame["officer"] = officer.where(clean)
    # Per incident: undeployed count 0 h; excluded deployed rows are left out.
    frame["officer_all"] = officer.where(clean, np.where(deployed, np.nan, 0.0))
    grouped = frame.groupby(list(by), sort=True, dropna=False)
    out = grouped.agg(
        incidents=("grade", "size"),
        deployed=("deployed_flag", "sum"),
        used=("used_flag", "sum"),
        excluded=("excluded_flag", "sum"),
        time_on_task_hours_mean=("on_task", "mean"),
        time_on_task_hours_median=("on_task", "median"),
        arrival_minutes_mean=("arrival", "mean"),
        arrival_minutes_median=("arrival", "median"),
        response_minutes_median=("response", "median"),
        officer_hours_per_deployed_mean=("officer", "mean"),
        officer_hours_per_deployed_median=("officer", "median"),
        officer_hours_per_incident_mean=("officer_all", "mean"),
    ).reset_index()
    for column in ("incidents", "deployed", "used", "excluded"):
        out[column] = out[column].astype("int64")
    return out, exclusions


def compare_unit_times(
    derived: pd.DataFrame,
    assumptions: Assumptions,
    tolerance_fraction: float = 0.20,
) -> pd.DataFrame:
    """Set derived unit times beside the assumed ones, flagging disagreements.

    Args:
        derived: Output of `derive_unit_times` grouped by ``grade`` or
            ``category``.
        assumptions: The force's assumptions (unit times by grade and category).
        tolerance_fraction: Relative difference beyond which a row is flagged
            (0.20 = 20 %), relative to the assumed value.

    Returns:
        Columns ``level, key, measure, assumed, derived, difference,
        relative_difference, flag, used``: ``measure`` is ``time_on_task_hours``
        or ``officer_hours_per_deployed`` (hours); ``difference`` is derived
        minus assumed; ``flag`` is True beyond the tolerance or with no data.
    """
    level = "grade" if "grade" in derived.columns else "category"
    table = (
        assumptions.unit_times
        if level == "grade"
        else (assumptions.unit_times_by_category)
    )
    rows = []
    indexed = derived.set_index(level)
    for key, unit in table.items():
        if unit.time_on_task_hours == 0 and unit.officers_per_incident == 0:
            continue  # not deployed (RWD): nothing to compare in the CAD
        found = key in indexed.index
        pairs = (
            ("time_on_task_hours", unit.time_on_task_hours, "time_on_task_hours_mean"),
            (
                "officer_hours_per_deployed",
                unit.officer_hours_per_incident,
                "officer_hours_per_deployed_mean",
            ),
        )
        for measure, assumed, column in pairs:
            value = float(indexed.at[key, column]) if found else float("nan")
            difference = value - assumed
            relative = difference / assumed if assumed else float("nan")
            rows.append(
                {
                    "level": level,
                    "key": key,
                    "measure": measure,
                    "assumed": assumed,
                    "derived": value,
                    "difference": difference,
                    "relative_difference": relative,
                    "flag": bool(not np.isfinite(relative))
                    or abs(relative) > tolerance_fraction,
                    "used": int(indexed.at[key, "used"]) if found else 0,
                }
            )
    return pd.DataFrame(rows)
