"""Partner-demand charts: police hours RCRP returned, and incidents by agency."""

from __future__ import annotations

import matplotlib
import pandas as pd

from demand.report.chart_style import (
    BLUE,
    GREY,
    INK,
    ORANGE,
    chart,
    dashed_forecast,
    format_whole_numbers,
    legend_below,
    render_svg,
    shade_range,
)

__all__ = ["agency_chart", "hours_returned_chart"]


def hours_returned_chart(
    returned: pd.DataFrame, phases: pd.DataFrame, title: str
) -> str:
    """Police hours RCRP returned each month (80% range), and planned phases.

    Args:
        returned: ``month, hours_returned, hours_returned_lo_80,
            hours_returned_hi_80`` since go-live.
        phases: The same columns plus ``phase, kind`` (may be empty).
        title: Accessible title.

    Returns:
        An ``<svg>`` element.
    """
    with chart(8, 2.8) as (fig, ax):
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
            lo, hi = rows["hours_returned_lo_80"], rows["hours_returned_hi_80"]
            shade_range(ax, month, lo, hi, colour, 0.25)
            ax.plot(month, rows["hours_returned"], color=colour, lw=1.6, label=label)
        ax.axhline(0, color=INK, lw=0.8)
        ax.set_ylabel("officer hours a month")
        format_whole_numbers(ax)
        ax.legend(loc="lower left", ncol=3, frameon=False, fontsize=8)
        return render_svg(fig, title)


def agency_chart(months: pd.DataFrame, forecasts: pd.DataFrame, title: str) -> str:
    """Incidents a month that sit best with each agency, recorded and forecast.

    Args:
        months: ``month, agency, incidents``.
        forecasts: ``ds, agency, mean, lo_80, hi_80`` (may be empty).
        title: Accessible title.

    Returns:
        An ``<svg>`` element.
    """
    colours = matplotlib.colormaps["tab10"]
    with chart(8, 2.8) as (fig, ax):
        for i, (agency, rows) in enumerate(months.groupby("agency")):
            colour = colours(i % 10)
            label = str(agency).replace("_", " ")
            recorded = pd.to_datetime(rows["month"])
            ax.plot(recorded, rows["incidents"], color=colour, lw=1.2, label=label)
            if len(forecasts):
                fc = forecasts[forecasts["agency"] == agency]
                dashed_forecast(ax, fc, colour, lw=1.2, alpha=0.2)
        ax.set_ylabel("incidents a month")
        ax.set_ylim(bottom=0)
        format_whole_numbers(ax)
        legend_below(ax, offset=-0.12, ncol=4)
        return render_svg(fig, title)
