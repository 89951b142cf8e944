"""The house chart style: colours, rc settings, a figure's set-up and its SVG text."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = [
    "BLUE",
    "GREY",
    "INK",
    "ORANGE",
    "RED",
    "STYLE",
    "chart",
    "charts_stacked",
    "dashed_forecast",
    "format_whole_numbers",
    "legend_above",
    "legend_below",
    "padded_top",
    "render_svg",
    "shade_range",
]

BLUE, ORANGE, GREY, RED = "#1f5fa8", "#d9822b", "#6b7280", "#b42318"
INK = "#111827"
"""Near-black of recorded lines, zero lines and error bars."""
STYLE: Any = {  # rc keys are Literal types to mypy
    "svg.fonttype": "none",  # text stays text: smaller, selectable, searchable
    "svg.hashsalt": "demand",  # stable ids, so reports of equal data are equal
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e5e7eb",
    "axes.axisbelow": True,
}


@contextmanager
def chart(
    width_inches: float, height_inches: float, grid: bool = True
) -> Iterator[tuple[plt.Figure, plt.Axes]]:
    """One figure with one axes in the house style; render it inside the block.

    Args:
        width_inches: Figure width, inches.
        height_inches: Figure height, inches.
        grid: Draw the axes grid (off for images such as heatmaps).

    Yields:
        The figure and its axes.
    """
    style = STYLE if grid else {**STYLE, "axes.grid": False}
    with plt.rc_context(style):
        yield plt.subplots(figsize=(width_inches, height_inches))


@contextmanager
def charts_stacked(
    panels: int, height_per_panel_inches: float
) -> Iterator[tuple[plt.Figure, list[plt.Axes]]]:
    """A full-width figure of `panels` axes one above another, in the house style.

    Args:
        panels: Number of axes.
        height_per_panel_inches: Height of each, inches (0.4 inch is added).

    Yields:
        The figure and its axes, top first.
    """
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            panels,
            1,
            figsize=(8, height_per_panel_inches * panels + 0.4),
            squeeze=False,
        )
        yield fig, list(axes[:, 0])


def format_whole_numbers(ax: plt.Axes) -> None:
    """Label the y axis in whole numbers with thousands separators."""
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))


def legend_below(ax: plt.Axes, offset: float, ncol: int, fontsize: int = 8) -> None:
    """A frameless legend centred below the axes, `offset` axes-heights down."""
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, offset),
        ncol=ncol,
        frameon=False,
        fontsize=fontsize,
    )


def legend_above(ax: plt.Axes, ncol: int, **kwargs: Any) -> None:
    """A small frameless legend centred just above the axes."""
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        frameon=False,
        fontsize=7,
        ncol=ncol,
        **kwargs,
    )


def padded_top(values: pd.DataFrame) -> float:
    """An axis top 15 % above the largest value, so no line sits on the border."""
    top = float(np.nanmax(values.to_numpy(dtype=float))) if values.size else 1.0
    return top * 1.15 if np.isfinite(top) and top > 0 else 1.0


def shade_range(
    ax: plt.Axes,
    x: Any,
    lo: Any,
    hi: Any,
    colour: Any,
    alpha: float,
    label: str | None = None,
) -> None:
    """Shade the range between `lo` and `hi` over `x` (an interval band)."""
    labelled: dict[str, Any] = {} if label is None else {"label": label}
    ax.fill_between(x, lo, hi, color=colour, alpha=alpha, **labelled)


def dashed_forecast(
    ax: plt.Axes, forecast: pd.DataFrame, colour: Any, lw: float, alpha: float
) -> None:
    """Draw a forecast as a dashed mean over its shaded 80 % range (if any rows).

    Args:
        ax: The axes.
        forecast: ``ds, mean, lo_80, hi_80`` of one series (may be empty).
        colour: Colour of the series' recorded line, which the forecast continues.
        lw: Line width, points.
        alpha: Opacity (0-1) of the shaded range.
    """
    if len(forecast):
        ds = pd.to_datetime(forecast["ds"])
        shade_range(ax, ds, forecast["lo_80"], forecast["hi_80"], colour, alpha)
        ax.plot(ds, forecast["mean"], color=colour, lw=lw, ls="--")


def render_svg(fig: plt.Figure, title: str) -> str:
    """Render a figure to an SVG element that scales with its container, and close it.

    Args:
        fig: The figure, drawn in the house style (call inside its `chart` block).
        title: Accessible title, escaped for the markup.

    Returns:
        An ``<svg>`` element with ``role="img"``, an ``aria-label`` and a ``<title>``.
    """
    buffer = io.StringIO()
    # No creation date: a report of the same data is the same file.
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r"\1", text, count=1)
    safe = title.replace("&", "&amp;").replace("<", "&lt;")
    return text.replace("<svg ", f'<svg role="img" aria-label="{safe}" ', 1).replace(
        ">", f"><title>{safe}</title>", 1
    )
