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

__all__ = ["YEARS_AHEAD", "national_rollup", "read_force_years", "write_national"]

logger = logging.getLogger(__name__)

YEARS_AHEAD = 4
"""Financial years after the current one that the roll-up compares (the FMS horizon)."""

COLUMNS = [
    "force",
    "stream",
    "department",
    "year_now",
    "demand_now",
    "year_ahead",
    "demand_ahead",
    "change_fraction",
    "department_gap_fte",
    "grade",
]


def read_force_years(db: Path, pipeline: str = "") -> pd.DataFrame:
    """Read one force's whole-force rows of its latest FMS report (`fms_areas`).

    One store per force: a force's store is its own (its data, its run history,
    its lock), forces run their pipelines on their own timetables, and a roll-up
    only needs each one's latest report.

    Args:
        db: The force's store, after a run with the report stage.
        pipeline: The pipeline whose report to read; "" when the store holds
            one pipeline's report.

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
            frame = read_force_fms_areas(store)
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
    return frame.reset_index(drop=True)


def _start_year(financial_year: str) -> int:
    return int(str(financial_year)[:4])


def _force_rows(force: str, years: pd.DataFrame) -> list[dict]:
    rows = []
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
            }
        )
    return rows


def national_rollup(stores: Mapping[str, Path], pipeline: str = "") -> pd.DataFrame:
    """Forces × streams: demand now and four years ahead, gaps and grades.

    Args:
        stores: Each force's store by the force's name.
        pipeline: The pipeline whose reports to read ("" when each store has one).

    Returns:
        One row per force and stream with `COLUMNS`: demand in the current
        financial year (recorded) and in the fourth year ahead (forecast; the
        furthest forecast year when the horizon is shorter), the change as a
        fraction, and that year's department gap (FTE, positive = shortfall)
        and risk grade. Forces in the order given, streams alphabetical.
    """
    rows: list[dict] = []
    for force, db in stores.items():
        rows += _force_rows(force, read_force_years(db, pipeline))
    return pd.DataFrame(rows, columns=COLUMNS)


def write_national(table: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write the roll-up as CSV (cells safe in a spreadsheet) and an SVG chart.

    Returns:
        The paths written: `national.csv` and `national_change.svg`.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "national.csv"
    write_safe_csv(table, csv_path)
    grid = 100 * table.pivot(index="force", columns="stream", values="change_fraction")
    grid = grid.reindex(list(dict.fromkeys(table["force"])))
    fig, ax = plt.subplots(
        figsize=(1.6 * max(3, grid.shape[1]), 0.35 * len(grid) + 1.5)
    )
    limit = float(max(abs(grid.min().min()), abs(grid.max().max()), 1.0))
    image = ax.imshow(
        grid.to_numpy(), aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit
    )
    for (row, col), value in np.ndenumerate(grid.to_numpy()):
        if np.isfinite(value):  # each cell's figure, dark on light, light on dark
            ink = "white" if abs(value) > 0.6 * limit else "black"
            ax.text(col, row, f"{value:+.1f}%", ha="center", va="center", color=ink)
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(grid)), grid.index)
    ax.set_title(f"Change in demand, current year to {YEARS_AHEAD} years ahead")
    fig.colorbar(image, ax=ax, label="change in demand, %")
    fig.tight_layout()
    chart_path = out_dir / "national_change.svg"
    fig.savefig(chart_path, format="svg", metadata={"Date": None})
    plt.close(fig)
    return [csv_path, chart_path]
