"""The national chart: the change per force and stream, with its 80 % range."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from demand.national import YEARS_AHEAD, format_change_range, is_clear_change
from demand.report.chart_style import GREY, INK, chart

__all__ = ["national_change_chart"]

PALE = 0.3
"""Strength (0-1) of a cell's colour when its change's 80 % range includes zero:
a pale cell reads at a glance as no clear change."""

ROW_INCHES = 0.42
"""Height of a force's row: room for the change and, below it, its range."""

MIN_FORCES_FOR_SCALE = 4
"""Forces below which the colour scale is left out: it would be squashed to a
row or two, and every cell prints its change anyway."""


def _grid(table: pd.DataFrame, values: pd.Series) -> np.ndarray:
    """`values` of the roll-up's rows as a forces × streams array (NaN if none)."""
    frame = table[["force", "stream"]].assign(_value=values.to_numpy())
    grid = frame.pivot(index="force", columns="stream", values="_value")
    grid = grid.reindex(index=list(dict.fromkeys(table["force"])))
    return grid.reindex(columns=sorted(table["stream"].unique())).to_numpy(float)


def national_change_chart(table: pd.DataFrame, path: Path) -> Path:
    """Draw the change per force and stream, and its 80 % range, as an SVG file.

    A cell shows the change in percent and, below it in brackets, the 80 %
    range of the change; the change is bold where its range excludes zero,
    and the cell pale where the range includes zero (no clear change: the
    forecast's own uncertainty covers it). A cell without a range says so.

    Args:
        table: Output of `demand.national.national_rollup`.
        path: The SVG file to write.

    Returns:
        `path`.
    """
    streams = sorted(table["stream"].unique())
    forces = list(dict.fromkeys(table["force"]))
    change = 100 * _grid(table, table["change_fraction"])
    lo = _grid(table, table["change_lo_80"])
    hi = _grid(table, table["change_hi_80"])
    clear = _grid(
        table, pd.Series(is_clear_change(table).to_numpy(float, na_value=np.nan))
    )
    finite = np.abs(change[np.isfinite(change)])
    limit = float(max(finite.max() if finite.size else 0.0, 1.0))
    norm = matplotlib.colors.Normalize(-limit, limit)
    cmap = matplotlib.colormaps["RdBu_r"]
    colours = cmap(norm(np.nan_to_num(change)))[..., :3]
    pale = clear == 0
    colours[pale] = 1 - PALE * (1 - colours[pale])
    colours[~np.isfinite(change)] = 1.0
    width = 1.3 * max(3, len(streams)) + 2.2
    height = ROW_INCHES * len(forces) + 1.4
    with chart(width, height, grid=False) as (fig, ax):
        # Rows of ROW_INCHES whatever the number of forces: 1.1 inch above for
        # the title and the streams, 0.3 below for the key.
        fig.subplots_adjust(top=1 - 1.1 / height, bottom=0.3 / height)
        ax.imshow(colours, aspect="auto")
        for (row, col), value in np.ndenumerate(change):
            if not np.isfinite(value):
                continue
            strong = not pale[row, col] and abs(value) > 0.6 * limit
            ink = "white" if strong else INK  # dark on light, light on dark
            text = format_change_range(float(lo[row, col]), float(hi[row, col]), 0)
            weight = "bold" if clear[row, col] == 1 else "normal"
            lines = (
                (f"{round(value, 1) or 0.0:+.1f}%", 4.5, 8, weight),  # no "-0.0"
                (f"({text})", -6, 6.5, "normal"),
            )
            for line, up_points, size, bold in lines:
                ax.annotate(
                    line,
                    (col, row),
                    xytext=(0, up_points),
                    textcoords="offset points",
                    ha="center",
                    va="center",
                    color=ink,
                    fontsize=size,
                    fontweight=bold,
                )
        ax.xaxis.tick_top()
        ax.set_xticks(range(len(streams)), streams, rotation=30, ha="left")
        ax.set_yticks(range(len(forces)), forces)
        ax.tick_params(length=0)
        ax.set_title(
            f"Change in demand, current year to {YEARS_AHEAD} years ahead (%)",
            loc="left",
            pad=28,
        )
        ax.text(
            0,
            -0.01,
            "Bold: the change's 80% range (in brackets, %) excludes zero. "
            "Pale: the range includes zero, no clear change.",
            transform=ax.transAxes,
            va="top",
            fontsize=7,
            color=GREY,
        )
        if len(forces) >= MIN_FORCES_FOR_SCALE:
            mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
            fig.colorbar(mappable, ax=ax, label="change in demand, %", fraction=0.04)
        fig.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
        matplotlib.pyplot.close(fig)
    return path
