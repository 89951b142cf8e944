"""The national roll-up: many forces' FMS tables side by side, now and in four years."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from demand.report.safe_cells import write_safe_csv
from demand.store import Store
from demand.store.partner_reads import read_force_fms_areas

__all__ = [
    "COLUMNS",
    "YEARS_AHEAD",
    "format_change_range",
    "is_clear_change",
    "national_rollup",
    "read_force_years",
    "write_national",
]

logger = logging.getLogger(__name__)

YEARS_AHEAD = 4
"""Financial years after the current one that the roll-up compares (the FMS horizon)."""

COLUMNS: dict[str, str] = {
    "force": "the force, named by its store's folder",
    "stream": "demand stream (calls, incidents, mental_health, ...)",
    "department": "department whose grade decides the row in year_ahead",
    "year_now": "the current financial year (the last with 12 recorded months)",
    "demand_now": "count of the stream in year_now, recorded",
    "year_ahead": f"the financial year {YEARS_AHEAD} years on (the furthest "
    "forecast year when the horizon is shorter)",
    "demand_ahead": "count of the stream in year_ahead, forecast (mean)",
    "change_fraction": "demand_ahead / demand_now − 1, fraction (0.06 = +6%)",
    "department_gap_fte": "the department's required − establishment in "
    "year_ahead, FTE (positive = shortfall)",
    "grade": "risk grade of year_ahead from the force's risk matrix",
    "demand_ahead_lo_80": "lower end of the 80% interval of demand_ahead, count "
    "(the force's FMS table: monthly bounds summed over the year)",
    "demand_ahead_hi_80": "upper end of the 80% interval of demand_ahead, count",
    "change_lo_80": "change at the lower end of the 80% interval: "
    "demand_ahead_lo_80 / demand_now − 1, fraction",
    "change_hi_80": "change at the upper end of the 80% interval, fraction",
}
"""Every column of the roll-up and what it means, in order. The first ten are
the roll-up's original columns; the 80 % ranges follow them, empty where a
force's stored FMS report has none."""

_RANGES = ("demand_lo_80", "demand_hi_80", "change_lo_80", "change_hi_80")
"""The FMS table's columns the roll-up's ranges come from, in `COLUMNS` order."""


def read_force_years(
    db: Path, pipeline: str = "", disclosure_threshold: int | None = None
) -> pd.DataFrame:
    """Read one force's whole-force rows of its latest FMS report (`fms_areas`).

    One store per force: a force's store is its own (its data, its run history,
    its lock), forces run their pipelines on their own timetables, and a roll-up
    only needs each one's latest report.

    Args:
        db: The force's store, after a run with the report stage.
        pipeline: The pipeline whose report to read; "" when the store holds
            one pipeline's report.
        disclosure_threshold: Blank what the force's published FMS copy would
            blank at this threshold (`suppress_fms_areas`, across all its
            areas): counts, and every interval, change and Z that would give one
            back. None (default): the stored, unsuppressed rows.

    Returns:
        `fms_areas` rows with area "force": stream, department, financial_year,
        kind ("actual" or "forecast"), demand, change_fraction,
        department_gap_fte, grade.

    Raises:
        ValueError: no such store, no report in it, or several pipelines'
            reports and no `pipeline` named.
    """
    if not Path(db).is_file():
        raise ValueError(f"{db}: no such store; give the path of a force's store.")
    with Store(db, read_only=True) as store:
        try:
            frame = read_force_fms_areas(store, disclosure_threshold is not None)
        except Exception:  # noqa: BLE001 - duckdb's catalog error: no view yet
            raise ValueError(
                f"{db}: no FMS report in this store; run a pipeline with the "
                "report stage on it first."
            ) from None
    pipelines = sorted(frame["pipeline"].unique())
    if pipeline:
        frame = frame[frame["pipeline"] == pipeline]
    elif len(pipelines) > 1:
        raise ValueError(
            f"{db}: reports of several pipelines ({', '.join(pipelines)}); "
            "name one with --pipeline."
        )
    if frame.empty:
        raise ValueError(f"{db}: no report of pipeline {pipeline!r} in this store.")
    if disclosure_threshold is not None:
        frame = _suppressed(frame, disclosure_threshold)
    return frame.reset_index(drop=True)


def _suppressed(areas: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The force rows of a report's `fms_areas` as its published copy shows them."""
    from demand.report.disclosure import suppress_fms_areas
    from demand.report.fms import FMS_COLUMNS

    # A report without some derived column has nothing there to blank.
    missing = [c for c in FMS_COLUMNS if c not in areas.columns]
    out = suppress_fms_areas(areas.assign(**dict.fromkeys(missing)), threshold)
    return out[out["area"].eq("force")].drop(columns=missing)


def _start_year(financial_year: str) -> int:
    return int(str(financial_year)[:4])


def _force_rows(force: str, years: pd.DataFrame) -> list[dict]:
    rows = []
    missing = [c for c in _RANGES if c not in years.columns]
    if missing:  # a report without the ranges: none invented
        logger.warning(
            "%s: its stored FMS report has no %s; its range cells are empty.",
            force,
            ", ".join(missing),
        )
        years = years.assign(**dict.fromkeys(missing, np.nan))
    years = years.astype(dict.fromkeys(_RANGES, float))  # a NULL is NaN, not None
    for stream, part in years.groupby("stream", sort=True):
        now = part[part["kind"] == "actual"]
        ahead = part[part["kind"] == "forecast"]
        if now.empty or ahead.empty:
            logger.warning(
                "%s %s: no current or forecast year; left out.", force, stream
            )
            continue
        current = now.iloc[0]
        target = _start_year(current["financial_year"]) + YEARS_AHEAD
        starts = ahead["financial_year"].map(_start_year)
        # The fourth year ahead, or the furthest forecast when the horizon is shorter.
        pick = ahead[starts == target] if (starts == target).any() else ahead
        future = pick.sort_values("financial_year").iloc[-1]
        rows.append(
            {
                "force": force,
                "stream": stream,
                "department": future["department"],
                "year_now": current["financial_year"],
                "demand_now": float(current["demand"]),
                "year_ahead": future["financial_year"],
                "demand_ahead": float(future["demand"]),
                "change_fraction": float(future["demand"] / current["demand"] - 1)
                if current["demand"]
                else float("nan"),
                "department_gap_fte": future["department_gap_fte"],
                "grade": future["grade"],
                "demand_ahead_lo_80": float(future["demand_lo_80"]),
                "demand_ahead_hi_80": float(future["demand_hi_80"]),
                "change_lo_80": float(future["change_lo_80"]),
                "change_hi_80": float(future["change_hi_80"]),
            }
        )
    shown = [r for r in rows if np.isfinite(r["change_fraction"])]
    blanked = [r["stream"] for r in rows if not np.isfinite(r["change_fraction"])]
    if blanked:  # a count blanked (disclosure control) or a current year of 0
        logger.info("%s: no change shown for %s.", force, ", ".join(blanked))
    empty = [r["stream"] for r in shown if not np.isfinite(r["change_lo_80"])]
    if empty and not missing:
        logger.warning(
            "%s: no 80%% range of the change for %s; those range cells are empty.",
            force,
            ", ".join(empty),
        )
    return rows


def national_rollup(
    stores: Mapping[str, Path],
    pipeline: str = "",
    disclosure_threshold: int | None = None,
) -> pd.DataFrame:
    """Forces × streams: demand now and four years ahead, gaps and grades.

    Args:
        stores: Each force's store by the force's name.
        pipeline: The pipeline whose reports to read ("" when each store has one).
        disclosure_threshold: For publication: blank every count, range and
            change that each force's published FMS copy would blank at this
            threshold (see `read_force_years`); None shows the stored rows.

    Returns:
        One row per force and stream with `COLUMNS`: demand in the current
        financial year (recorded) and in the fourth year ahead (forecast; the
        furthest forecast year when the horizon is shorter), the change as a
        fraction, that year's department gap (FTE, positive = shortfall) and
        risk grade, then the 80 % range of that year's demand and of the
        change, as the force's FMS table has them (NaN, with a warning, where
        its report has none). Forces in the order given, streams alphabetical.
        No national total: each force's range is its own forecast's.
    """
    rows: list[dict] = []
    for force, db in stores.items():
        years = read_force_years(db, pipeline, disclosure_threshold)
        rows += _force_rows(force, years)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def is_clear_change(table: pd.DataFrame) -> pd.Series:
    """Whether each row's change is clear of its forecast's own uncertainty.

    Args:
        table: Rows with ``change_lo_80`` and ``change_hi_80`` (fractions).

    Returns:
        True where the 80 % range of the change excludes zero, False where it
        spans zero (no clear change), NA where the row has no range.
    """
    lo, hi = table["change_lo_80"], table["change_hi_80"]
    clear = ((lo > 0) | (hi < 0)).astype("boolean")
    return clear.mask(lo.isna() | hi.isna())


def format_change_range(lo: float, hi: float, decimals: int = 1) -> str:
    """The 80 % range of a change as percentages, e.g. "-2.0 to +10.3".

    Args:
        lo: Change at the lower end, fraction.
        hi: Change at the upper end, fraction.
        decimals: Decimal places of the percentages.

    Returns:
        The range; "no range" when either end is missing.
    """
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no range"

    def percent(fraction: float) -> str:
        # An end within 1 % of zero keeps a decimal: "+0" would hide its sign.
        places = max(decimals, 1) if abs(fraction) < 0.01 else decimals
        return f"{100 * fraction:+.{places}f}"

    return f"{percent(lo)} to {percent(hi)}"


def write_national(table: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write the roll-up as CSV (cells safe in a spreadsheet) and an SVG chart.

    Returns:
        The paths written: `national.csv` and `national_change.svg` (the change
        and its 80 % range per force and stream, `national_change_chart`).
    """
    from demand.report.charts_national import national_change_chart

    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "national.csv"
    write_safe_csv(table, csv_path)
    chart_path = national_change_chart(table, out_dir / "national_change.svg")
    return [csv_path, chart_path]
