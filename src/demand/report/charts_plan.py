"""Planning charts: outturn, demand by area, the gap over years, service by area."""

from __future__ import annotations

import matplotlib
import matplotlib.ticker
import pandas as pd

from demand.report.chart_style import (
    BLUE,
    INK,
    chart,
    charts_stacked,
    dashed_forecast,
    format_whole_numbers,
    legend_below,
    padded_top,
    render_svg,
    shade_range,
)

__all__ = ["area_chart", "area_service_chart", "gap_chart", "outturn_chart"]


def outturn_chart(months: pd.DataFrame, names: dict[str, str], title: str) -> str:
    """Force-wide monthly outturn beside the forecast made for it, per stream.

    Args:
        months: ``stream, ds, mean, lo_80, hi_80, y`` of the force series
            (an `Outturn`'s months where area is "force").
        names: Display name of each stream.
        title: Accessible title.
    """
    streams = sorted(months["stream"].unique())
    with charts_stacked(len(streams), 1.9) as (fig, axes):
        for ax, stream in zip(axes, streams, strict=True):
            rows = months[months["stream"] == stream].sort_values("ds")
            ds = pd.to_datetime(rows["ds"])
            lo, hi = rows["lo_80"], rows["hi_80"]
            shade_range(ax, ds, lo, hi, BLUE, 0.22, "forecast 80% range")
            ax.plot(ds, rows["mean"], color=BLUE, lw=1.5, label="forecast")
            ax.plot(
                ds,
                rows["y"],
                color=INK,
                lw=1.3,
                marker="o",
                ms=2.5,
                label="what happened",
            )
            ax.set_title(names.get(stream, stream), fontsize=9, loc="left")
            ax.set_ylim(bottom=0, top=padded_top(rows[["hi_80", "y"]]))
            format_whole_numbers(ax)
            ax.set_ylabel("per month")
        axes[0].legend(loc="lower left", ncol=3, frameon=False, fontsize=8)
        fig.tight_layout()
        return render_svg(fig, title)


def area_chart(history: pd.DataFrame, forecast: pd.DataFrame, title: str) -> str:
    """One stream's monthly demand by area: recorded, then forecast with 80 %.

    Args:
        history: ``area, ds, y`` of the stream's area series.
        forecast: ``area, ds, mean, lo_80, hi_80`` of the same series.
        title: Accessible title.
    """
    areas = sorted(set(history["area"]) | set(forecast["area"]))
    colours = matplotlib.colormaps["tab10"]
    with chart(8, 3.0) as (fig, ax):
        for i, area in enumerate(areas):
            colour = colours(i % 10)
            hist = history[history["area"] == area]
            fc = forecast[forecast["area"] == area]
            ax.plot(
                pd.to_datetime(hist["ds"]), hist["y"], color=colour, lw=1.1, label=area
            )
            dashed_forecast(ax, fc, colour, lw=1.1, alpha=0.18)
        ax.set_ylabel("per month")
        ax.set_ylim(bottom=0)
        format_whole_numbers(ax)
        legend_below(ax, offset=-0.12, ncol=min(len(areas), 6))
        return render_svg(fig, title)


def gap_chart(binding: pd.DataFrame, title: str) -> str:
    """The establishment gap (needed − establishment) over financial years.

    One line per department with its 80 % range shaded; above the dashed zero
    line the department is short, below it has people to spare.

    Args:
        binding: The rows `charts.capacity_chart` takes: one per department and
            year, on the binding basis.
        title: Accessible title.
    """
    years = sorted(binding["financial_year"].unique())
    position = {fy: i for i, fy in enumerate(years)}
    colours = matplotlib.colormaps["tab10"]
    with chart(8, 3.4) as (fig, ax):
        for i, (dept, rows) in enumerate(binding.groupby("department", sort=True)):
            rows = rows.sort_values("financial_year")
            x = rows["financial_year"].map(position).to_numpy()
            est = rows["establishment_fte"]
            colour = colours(i % 10)
            lo, hi = rows["fte_lo_80"] - est, rows["fte_hi_80"] - est
            shade_range(ax, x, lo, hi, colour, 0.15)
            ax.plot(
                x,
                rows["fte_mean"] - est,
                color=colour,
                lw=1.6,
                marker="o",
                ms=3,
                label=str(dept).replace("_", " "),
            )
        ax.axhline(0, color=INK, lw=1.0, ls="--")  # red is a department colour
        ax.set_xticks(range(len(years)), years)
        ax.set_xlim(-0.3, len(years) - 0.7)
        low, high = ax.get_ylim()
        pad = 0.1 * (high - low)
        ax.set_ylim(low - pad, high + pad)
        ax.set_ylabel("gap, FTE (+ short, − spare)")
        legend_below(ax, offset=-0.1, ncol=5)
        return render_svg(fig, title)


def area_service_chart(service: pd.DataFrame, title: str) -> str:
    """Each area's modelled service against its standard, over financial years.

    One line per area (share 0-1 of the department's measure met, e.g. G1
    attended within target on the area's share of the roster) and the standard
    as a black dashed line: an area below it misses the standard.

    Args:
        service: `area_service` rows of one department: `financial_year`, `area`,
            `service_level`, `service_standard`.
        title: Accessible title.
    """
    years = sorted(service["financial_year"].unique())
    position = {fy: i for i, fy in enumerate(years)}
    colours = matplotlib.colormaps["tab10"]
    with chart(8, 3.0) as (fig, ax):
        for i, (area, rows) in enumerate(service.groupby("area", sort=True)):
            rows = rows.sort_values("financial_year")
            ax.plot(
                rows["financial_year"].map(position).to_numpy(),
                rows["service_level"],
                color=colours(i % 10),
                lw=1.6,
                marker="o",
                ms=3,
                label=str(area),
            )
        standard = float(service["service_standard"].max())
        ax.axhline(standard, color=INK, lw=1.0, ls="--", label="standard")  # not red
        ax.set_xticks(range(len(years)), years)
        ax.set_xlim(-0.3, len(years) - 0.7)
        low = min(float(service["service_level"].min()), standard)
        ax.set_ylim(max(0.0, low - 0.1), min(1.0, standard + 0.08))
        percent = matplotlib.ticker.PercentFormatter(1.0, decimals=0)
        ax.yaxis.set_major_formatter(percent)
        ax.set_ylabel("share within target")
        legend_below(ax, offset=-0.1, ncol=6)
        return render_svg(fig, title)
