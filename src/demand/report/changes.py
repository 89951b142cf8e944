"""What changed since the previous run: demand, gaps and grades side by side."""

from __future__ import annotations

import logging

import pandas as pd

from demand.store import Store
from demand.store.earlier_runs import previous_stage_run

__all__ = ["CHANGE_COLUMNS", "changes_since", "previous_runs"]

log = logging.getLogger(__name__)

CHANGE_COLUMNS = ["measure", "what", "previous_run", "this_run", "change"]
"""Columns of the table `changes_since` returns."""


def previous_runs(
    store: Store, pipeline: str, forecast_run: str, capacity_run: str | None
) -> tuple[str, str | None] | None:
    """The forecast and capacity runs of the same pipeline before these.

    Returns:
        ``(forecast_run, capacity_run)`` of the previous run (capacity None
        where it had none), or None on the pipeline's first run.
    """
    forecast = previous_stage_run(
        store, pipeline, "forecast", "forecasts", forecast_run
    )
    if not forecast:
        return None
    capacity = (
        previous_stage_run(store, pipeline, "capacity", "capacity", capacity_run)
        if capacity_run
        else ""
    )
    return forecast, capacity or None


def _binding(capacity: pd.DataFrame, year: str) -> pd.Series:
    rows = capacity[capacity["financial_year"] == year]
    rows = rows.sort_values("fte_mean", ascending=False).drop_duplicates("department")
    return (rows.set_index("department")["gap_fte"]).astype(float)


def changes_since(
    now_areas: pd.DataFrame,
    now_risks: pd.DataFrame,
    now_capacity: pd.DataFrame,
    before_areas: pd.DataFrame,
    before_risks: pd.DataFrame,
    before_capacity: pd.DataFrame,
    year: str,
) -> pd.DataFrame:
    """Compare this run's FMS tables and capacity with the previous run's.

    Args:
        now_areas: This run's `fms_areas` rows.
        now_risks: This run's `fms_risks` rows.
        now_capacity: This run's `capacity` rows.
        before_areas: The previous run's `fms_areas` rows.
        before_risks: The previous run's `fms_risks` rows.
        before_capacity: The previous run's `capacity` rows (may be empty).
        year: The financial year to compare demand and gaps in.

    Returns:
        A frame of `CHANGE_COLUMNS`: force-wide forecast demand per stream in
        `year` (count), each department's gap in `year` (FTE) and each
        force-wide grade, previous and now; change is now − previous for
        numbers and "changed"/"same" for grades.
    """
    rows: list[dict[str, object]] = []

    def demand(areas: pd.DataFrame) -> pd.Series:
        force = areas[(areas["area"] == "force") & (areas["financial_year"] == year)]
        return force.set_index("stream")["demand"].astype(float)

    for measure, now, before in (
        (f"demand in {year} (count)", demand(now_areas), demand(before_areas)),
        (
            f"gap in {year} (FTE, + short)",
            _binding(now_capacity, year),
            _binding(before_capacity, year) if len(before_capacity) else pd.Series(),
        ),
    ):
        for what in sorted(set(now.index) | set(before.index)):
            a, b = before.get(what, float("nan")), now.get(what, float("nan"))
            rows.append(
                {
                    "measure": measure,
                    "what": str(what).replace("_", " "),
                    "previous_run": a,
                    "this_run": b,
                    "change": b - a,
                }
            )

    def grades(risks: pd.DataFrame) -> pd.Series:
        force = risks[(risks["area"] == "force") & risks["grade"].notna()]
        keys = force["stream"].where(
            force["stream"] != "all streams", force["department"] + " (department)"
        )
        return pd.Series(force["grade"].to_numpy(), index=keys.to_numpy())

    now_g, before_g = grades(now_risks), grades(before_risks)
    for what in sorted(set(now_g.index) | set(before_g.index)):
        a, b = before_g.get(what), now_g.get(what)
        rows.append(
            {
                "measure": "FMS risk grade",
                "what": str(what).replace("_", " "),
                "previous_run": a,
                "this_run": b,
                "change": "same" if a == b else "changed",
            }
        )
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)
