"""Charts as inline SVG text (matplotlib), so a report needs no files or network."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = [
    "agency_chart",
    "capacity_chart",
    "forecast_chart",
    "heatmap_chart",
    "hours_returned_chart",
    "scenario_chart",
    "year_chart",
]

log = logging.getLogger(__name__)

BLUE, ORANGE, GREY, RED = "#1f5fa8", "#d9822b", "#6b7280", "#b42318"
_STYLE: Any = {  # rc keys are Literal types to mypy
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


def _svg(fig: plt.Figure, title: str) -> str:
    """Render a figure to an SVG element that scales with its container."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r"\1", text, count=1)
    safe = title.replace("&", "&amp;").replace("<", "&lt;")
    return text.replace("<svg ", f'<svg role="img" aria-label="{safe}" ', 1).replace(
        ">", f"><title>{safe}</title>", 1
    )


def forecast_chart(history: pd.DataFrame, forecast: pd.DataFrame, title: str) -> str:
    """Monthly history and forecast with 80% and 95% intervals.

    Args:
        history: ``ds, y`` of one series.
        forecast: ``ds, mean, lo_80, hi_80, lo_95, hi_95`` of the same series.
        title: Accessible title of the chart.

    Returns:
        An ``<svg>`` element.
    """
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(8, 2.8))
        ds = pd.to_datetime(forecast["ds"])
        ax.fill_between(
            ds,
            forecast["lo_95"],
            forecast["hi_95"],
            color=BLUE,
            alpha=0.12,
            label="95% range",
        )
        ax.fill_between(
            ds,
            forecast["lo_80"],
            forecast["hi_80"],
            color=BLUE,
            alpha=0.25,
            label="80% range",
        )
        ax.plot(ds, forecast["mean"], color=BLUE, lw=1.6, label="forecast")
        ax.plot(
            pd.to_datetime(history["ds"]),
            history["y"],
            color="#111827",
            lw=1.2,
            label="recorded",
        )
        ax.set_ylabel("per month")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.legend(loc="lower left", ncol=4, frameon=False, fontsize=8)
        return _svg(fig, title)


def year_chart(years: pd.DataFrame, title: str) -> str:
    """Financial-year totals: the current year recorded, then forecasts with 80%
    ranges.

    Args:
        years: ``financial_year, kind, demand, demand_lo_80, demand_hi_80``.
        title: Accessible title.
    """
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(4, 2.8))
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
            ecolor="#111827",
            capsize=3,
            lw=1,
        )
        ax.set_xticks(x, years["financial_year"], rotation=0, fontsize=8)
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.set_ylabel("per year")
        return _svg(fig, title)


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
    with plt.rc_context({**_STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(8, 2.6))
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
        return _svg(fig, title)


def capacity_chart(capacity: pd.DataFrame, title: str) -> str:
    """FTE needed (80% range) against the establishment, per department and year.

    Args:
        capacity: One row per department and year (the binding basis):
            ``department, financial_year, fte_mean, fte_lo_80, fte_hi_80,
            establishment_fte``.
        title: Accessible title.
    """
    departments = sorted(capacity["department"].unique())
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(
            1,
            len(departments),
            figsize=(2.0 * len(departments) + 1, 2.8),
            squeeze=False,
        )
        for ax, dept in zip(axes[0], departments, strict=True):
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
            ax.set_title(dept.replace("_", " "), fontsize=9)
            ax.set_xticks(x, [fy[2:] for fy in rows["financial_year"]], fontsize=7)
            ax.set_ylim(bottom=0)
        axes[0][0].set_ylabel("FTE")
        axes[0][0].legend(loc="lower left", frameon=False, fontsize=7)
        return _svg(fig, title)


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
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(rows) + 1.2))
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
        ax.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            frameon=False,
            fontsize=7,
            ncol=5,
            markerscale=0.4,
        )
        return _svg(fig, title)


def scenario_chart(changes: pd.DataFrame, title: str) -> str:
    """FTE change against the baseline by scenario, stacked by department.

    Args:
        changes: ``scenario, department, fte_mean_change`` for one year.
        title: Accessible title.
    """
    table = changes.pivot_table(
        index="scenario", columns="department", values="fte_mean_change", aggfunc="sum"
    ).fillna(0.0)
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(8, 0.5 * len(table) + 1.2))
        left_pos = np.zeros(len(table))
        left_neg = np.zeros(len(table))
        colours = plt.get_cmap("tab10")
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
        ax.axvline(0, color="#111827", lw=0.8)
        ax.set_xlabel("FTE needed compared with the baseline")
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.35),
            ncol=5,
            frameon=False,
            fontsize=7,
        )
        return _svg(fig, title)


def hours_returned_chart(
    returned: pd.DataFrame, phases: pd.DataFrame, title: str
) -> str:
    """Police hours RCRP returned each month (80% range), and planned phases.

    Args:
        returned: ``month, hours_returned, hours_returned_lo_80,
            hours_returned_hi_80`` since go-live.
        phases: The same columns plus ``phase, kind`` (may be empty).
        title: Accessible title.
    """
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(8, 2.8))
        for rows, colour, label in (
            (returned, BLUE, "returned since go-live"),
            *(
                (group, ORANGE if kind == "projected" else GREY, f"{name} ({kind})")
                for (name, kind), group in (
                    phases.groupby(["phase", "kind"], sort=False) if len(phases) else []
                )
            ),
        ):
            month = pd.to_datetime(rows["month"])
            ax.fill_between(
                month,
                rows["hours_returned_lo_80"],
                rows["hours_returned_hi_80"],
                color=colour,
                alpha=0.25,
            )
            ax.plot(month, rows["hours_returned"], color=colour, lw=1.6, label=label)
        ax.axhline(0, color="#111827", lw=0.8)
        ax.set_ylabel("officer hours a month")
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.legend(loc="lower left", ncol=3, frameon=False, fontsize=8)
        return _svg(fig, title)


def agency_chart(months: pd.DataFrame, forecasts: pd.DataFrame, title: str) -> str:
    """Incidents a month that sit best with each agency, recorded and forecast.

    Args:
        months: ``month, agency, incidents``.
        forecasts: ``ds, agency, mean, lo_80, hi_80`` (may be empty).
        title: Accessible title.
    """
    colours = plt.get_cmap("tab10")
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(8, 2.8))
        for i, (agency, rows) in enumerate(months.groupby("agency")):
            colour = colours(i % 10)
            label = str(agency).replace("_", " ")
            ax.plot(pd.to_datetime(rows["month"]), rows["incidents"], color=colour,
                    lw=1.2, label=label)  # fmt: skip
            fc = forecasts[forecasts["agency"] == agency] if len(forecasts) else None
            if fc is not None and len(fc):
                ds = pd.to_datetime(fc["ds"])
                ax.fill_between(ds, fc["lo_80"], fc["hi_80"], color=colour, alpha=0.2)
                ax.plot(ds, fc["mean"], color=colour, lw=1.2, ls="--")
        ax.set_ylabel("incidents a month")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncol=4,
            frameon=False,
            fontsize=8,
        )
        return _svg(fig, title)
