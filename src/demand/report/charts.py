"""Charts as inline SVG text (matplotlib), so a report needs no files or network."""

from __future__ import annotations

import logging

import matplotlib
import matplotlib.dates
import matplotlib.ticker
import numpy as np
import pandas as pd

from demand.report.chart_style import (
    BLUE,
    GREY,
    INK,
    ORANGE,
    RED,
    chart,
    charts_stacked,
    format_whole_numbers,
    legend_above,
    legend_below,
    padded_top,
    render_svg,
    shade_range,
)

__all__ = [
    "capacity_chart",
    "forecast_chart",
    "heatmap_chart",
    "requirement_chart",
    "scenario_chart",
    "tornado_chart",
    "year_chart",
]

log = logging.getLogger(__name__)


def forecast_chart(
    history: pd.DataFrame, forecast: pd.DataFrame, title: str, unit: str = "per month"
) -> str:
    """History and forecast (monthly, or daily) with 80% and 95% intervals.

    Args:
        history: ``ds, y`` of one series.
        forecast: ``ds, mean, lo_80, hi_80, lo_95, hi_95`` of the same series.
        title: Accessible title of the chart.
        unit: Label of the y axis, e.g. "per day".

    Returns:
        An ``<svg>`` element.
    """
    with chart(8, 2.8) as (fig, ax):
        ds = pd.to_datetime(forecast["ds"])
        for coverage, alpha in ((95, 0.12), (80, 0.25)):
            lo, hi = forecast[f"lo_{coverage}"], forecast[f"hi_{coverage}"]
            shade_range(ax, ds, lo, hi, BLUE, alpha, f"{coverage}% range")
        ax.plot(ds, forecast["mean"], color=BLUE, lw=1.6, label="forecast")
        recorded = pd.to_datetime(history["ds"])
        ax.plot(recorded, history["y"], color=INK, lw=1.2, label="recorded")
        ax.set_ylabel(unit)
        ax.set_ylim(bottom=0)
        # A few a day need a decimal, or the ticks 0.5 and 1.5 read 0 and 2;
        # larger counts get whole-number ticks only (2.5 would read 2).
        small = ax.get_ylim()[1] < 5
        if not small:
            ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        tick = "{x:,.1f}" if small else "{x:,.0f}"
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter(tick))
        if unit != "per month":  # days: month and day, not crowded full dates
            locator = matplotlib.dates.AutoDateLocator()
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(locator))
        ax.legend(loc="lower left", ncol=4, frameon=False, fontsize=8)
        return render_svg(fig, title)


def year_chart(years: pd.DataFrame, title: str) -> str:
    """Financial-year totals: the current year recorded, then forecasts with 80%
    ranges.

    Args:
        years: ``financial_year, kind, demand, demand_lo_80, demand_hi_80``.
        title: Accessible title.
    """
    with chart(4, 2.8) as (fig, ax):
        colours = [GREY if k == "actual" else BLUE for k in years["kind"]]
        x = np.arange(len(years))
        ax.bar(x, years["demand"], color=colours, width=0.6)
        lo = (years["demand"] - years["demand_lo_80"]).fillna(0).clip(lower=0)
        hi = (years["demand_hi_80"] - years["demand"]).fillna(0).clip(lower=0)
        ax.errorbar(
            x,
            years["demand"],
            yerr=[lo, hi],
            fmt="none",
            ecolor=INK,
            capsize=3,
            lw=1,
        )
        ax.set_xticks(x, years["financial_year"], rotation=0, fontsize=8)
        format_whole_numbers(ax)
        ax.set_ylabel("per year")
        return render_svg(fig, title)


def heatmap_chart(
    hour_of_week: pd.DataFrame, value: str, title: str, label: str
) -> str:
    """An hour-of-week heatmap: days down, hours across.

    Args:
        hour_of_week: ``hour_of_week`` (0 = Monday 00:00) and `value`.
        value: Column to colour by.
        title: Accessible title.
        label: Colour bar label, with its unit.
    """
    grid = (
        hour_of_week.set_index("hour_of_week")[value]
        .reindex(range(168))
        .to_numpy()
        .reshape(7, 24)
    )
    with chart(8, 2.6, grid=False) as (fig, ax):
        diverging = np.nanmin(grid) < 0 < np.nanmax(grid)
        limit = float(np.nanmax(np.abs(grid)))
        image = ax.imshow(
            grid,
            aspect="auto",
            cmap="RdBu_r" if diverging else "Blues",
            vmin=-limit if diverging else None,
            vmax=limit if diverging else None,
        )
        ax.set_yticks(range(7), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
        ax.set_xticks(range(0, 24, 3), [f"{h:02d}:00" for h in range(0, 24, 3)])
        fig.colorbar(image, ax=ax, label=label, fraction=0.03)
        return render_svg(fig, title)


def capacity_chart(capacity: pd.DataFrame, title: str) -> str:
    """FTE needed (80% range) against the establishment, per department and year.

    Args:
        capacity: One row per department and year (the binding basis):
            ``department, financial_year, fte_mean, fte_lo_80, fte_hi_80,
            establishment_fte``.
        title: Accessible title.
    """
    departments = sorted(capacity["department"].unique())
    # One department a row at full width: side by side, five panels were too
    # narrow to read the years or the distance to the establishment.
    with charts_stacked(len(departments), 1.7) as (fig, axes):
        for ax, dept in zip(axes, departments, strict=True):
            rows = capacity[capacity["department"] == dept].sort_values(
                "financial_year"
            )
            x = np.arange(len(rows))
            ax.errorbar(
                x,
                rows["fte_mean"],
                yerr=[
                    rows["fte_mean"] - rows["fte_lo_80"],
                    rows["fte_hi_80"] - rows["fte_mean"],
                ],
                fmt="o",
                color=BLUE,
                capsize=3,
                label="needed (80% range)",
            )
            ax.plot(
                x,
                rows["establishment_fte"],
                color=RED,
                ls="--",
                lw=1.2,
                label="establishment",
            )
            ax.set_title(dept.replace("_", " "), fontsize=9, loc="left")
            ax.set_xticks(x, list(rows["financial_year"]), fontsize=8)
            ax.set_xlim(-0.5, len(rows) - 0.5)
            marks = rows[["fte_hi_80", "fte_mean", "establishment_fte"]]
            ax.set_ylim(0, padded_top(marks))
            ax.set_ylabel("FTE")
        axes[0].legend(loc="lower left", frameon=False, fontsize=8, ncol=2)
        fig.tight_layout()
        return render_svg(fig, title)


def requirement_chart(capacity: pd.DataFrame, title: str) -> str:
    """What each department's FTE need is made of, against its establishment.

    Args:
        capacity: One row per department for one year (the binding basis):
            ``department, fte_demand, fte_other_work, fte_fixed,
            fte_supervision, establishment_fte``.
        title: Accessible title.
    """
    parts = {
        "fte_demand": ("recorded demand", BLUE),
        "fte_other_work": ("other work", "#7aa6d6"),
        "fte_fixed": ("fixed posts", ORANGE),
        "fte_supervision": ("supervision", GREY),
    }
    rows = capacity.sort_values("department", ascending=False)
    y = np.arange(len(rows))
    with chart(7.5, 0.45 * len(rows) + 1.2) as (fig, ax):
        left = np.zeros(len(rows))
        for column, (label, colour) in parts.items():
            values = rows[column].fillna(0.0).to_numpy()
            ax.barh(y, values, left=left, color=colour, label=label, height=0.6)
            left += values
        ax.scatter(
            rows["establishment_fte"],
            y,
            marker="|",
            s=400,
            color=RED,
            label="establishment",
            zorder=3,
        )
        ax.set_yticks(y, [d.replace("_", " ") for d in rows["department"]])
        ax.set_xlabel("FTE")
        legend_above(ax, ncol=5, markerscale=0.4)
        return render_svg(fig, title)


def scenario_chart(changes: pd.DataFrame, title: str) -> str:
    """FTE change against the baseline by scenario, stacked by department.

    Args:
        changes: ``scenario, department, fte_mean_change`` for one year.
        title: Accessible title.
    """
    table = changes.pivot_table(
        index="scenario", columns="department", values="fte_mean_change", aggfunc="sum"
    ).fillna(0.0)
    with chart(8, 0.5 * len(table) + 1.2) as (fig, ax):
        left_pos = np.zeros(len(table))
        left_neg = np.zeros(len(table))
        colours = matplotlib.colormaps["tab10"]
        for i, dept in enumerate(table.columns):
            values = table[dept].to_numpy()
            start = np.where(values >= 0, left_pos, left_neg)
            ax.barh(
                table.index,
                values,
                left=start,
                color=colours(i % 10),
                label=dept.replace("_", " "),
            )
            left_pos += np.clip(values, 0, None)
            left_neg += np.clip(values, None, 0)
        ax.axvline(0, color=INK, lw=0.8)
        ax.set_xlabel("FTE needed compared with the baseline")
        legend_below(ax, offset=-0.35, ncol=5, fontsize=7)
        return render_svg(fig, title)


def tornado_chart(sensitivity: pd.DataFrame, title: str) -> str:
    """One department's gap at the low and high end of each assumption's range.

    Bars run from the baseline gap to the gap with the assumption at each end
    (blue: low end, orange: high end), widest swing on top; the combined 95 %
    interval (every range and the forecast together) is the grey bar below.

    Args:
        sensitivity: The `sensitivity` rows of one department and one year.
        title: Accessible title.
    """
    from demand.capacity.sensitivity import COMBINED

    one = sensitivity[sensitivity["assumption"] != COMBINED].copy()
    moved = (one["gap_at_low"] - one["gap_fte"]).abs().fillna(0.0) + (
        one["gap_at_high"] - one["gap_fte"]
    ).abs().fillna(0.0)
    one = one[moved > 1e-9]  # assumptions that do not feed this gap
    one = one.sort_values("swing", ascending=True, na_position="first")
    combined = sensitivity[sensitivity["assumption"] == COMBINED]
    base = float(sensitivity["gap_fte"].iloc[0])
    names = {"aht": "handling time (AHT)", "travel_spread": "travel spread (sigma)"}
    labels = [names.get(a, a.replace("_", " ")) for a in one["assumption"]]
    with chart(7.5, 0.32 * (len(one) + 2) + 1.0) as (fig, ax):
        y = np.arange(len(one)) + 1
        for column, colour, name in (
            ("gap_at_low", BLUE, "assumption at its low end"),
            ("gap_at_high", ORANGE, "assumption at its high end"),
        ):
            ends = one[column].to_numpy(dtype=float)
            ax.barh(
                y,
                np.nan_to_num(ends - base),
                left=base,
                color=colour,
                height=0.6,
                label=name,
            )
        failed = one[["gap_at_low", "gap_at_high"]].isna().any(axis=1).to_numpy()
        for yy in y[failed]:
            ax.text(base, yy, "  not computable at one end", va="center", fontsize=7)
        if len(combined):
            lo, hi = combined[["gap_at_low", "gap_at_high"]].iloc[0]
            ax.barh([0], [hi - lo], left=lo, color=GREY, height=0.6)
            labels = ["all together (95%)", *labels]
            y = np.concatenate([[0], y])
        ax.axvline(base, color=INK, lw=0.8)
        ax.axvline(0, color=RED, lw=0.8, ls="--")
        ax.set_yticks(y, labels)
        ax.set_xlabel("gap, FTE (required − establishment; positive = shortfall)")
        legend_above(ax, ncol=2)
        return render_svg(fig, title)
