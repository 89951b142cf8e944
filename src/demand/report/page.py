"""The report page's context: what `report.html` shows, section by section."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd

from demand.capacity.assumptions import Assumptions
from demand.config import ReportConfig, currency_symbol
from demand.report import charts
from demand.report.data import NOT_ASSESSED, ReportData, split_unique_id
from demand.report.html import html_table
from demand.report.sections import assumption_rows, capacity_view, scenario_view

if TYPE_CHECKING:
    from demand.report.build import FmsTables

__all__ = ["html_context"]

_SCORE_FORMATS = {c: "{:.2f}" for c in ("mase", "cov80", "cov95", "msis")} | {
    "smape": "{:.1f}",
    "sql": "{:.3f}",
}
"""How the backtest scores table shows each score."""


def _stream_sections(data: ReportData, fms: FmsTables) -> list[dict[str, object]]:
    sections = []
    force = fms.areas[fms.areas["area"] == "force"]
    daily = data.daily_forecasts
    streams = set(data.forecasts["stream"])
    streams |= set(daily["stream"]) if len(daily) else set()
    for stream in sorted(streams):
        name = data.names.stream_label(stream)
        hist = data.history[data.history["unique_id"] == stream]
        fc = data.forecasts[data.forecasts["unique_id"] == stream]
        years = force[force["stream"] == stream]
        hours = data.hour_of_week[data.hour_of_week["stream"] == stream]
        day_fc = daily[daily["unique_id"] == stream] if len(daily) else daily
        day_hist = data.daily_history
        if len(day_hist):
            day_hist = day_hist[day_hist["unique_id"] == stream]
        sections.append(
            {
                "stream": stream,
                "name": name,
                "current_year": next(
                    iter(years.loc[years["kind"] == "actual", "financial_year"]), ""
                ),
                "forecast_svg": charts.forecast_chart(hist, fc, f"{name} per month")
                if len(fc)
                else "",
                "years_svg": charts.year_chart(years, f"{name} per financial year")
                if len(years)
                else "",
                "daily_svg": charts.forecast_chart(
                    day_hist,
                    day_fc,
                    f"{name} per day, next {len(day_fc)} days",
                    "per day",
                )
                if len(day_fc)
                else "",
                "heatmap_svg": charts.heatmap_chart(
                    hours, "y", f"{name} by hour of week", "per hour"
                )
                if len(hours) == 168
                else "",
            }
        )
    return sections


def _area_order(area: str) -> tuple[bool, str]:
    """Sort key: the force first, then areas by name."""
    return area != "force", area


def _cover_context(cover: pd.DataFrame, assessed: bool) -> dict[str, str]:
    """The force-wide gap between officers needed and rostered by hour of week."""
    if not assessed:
        return {"cover_svg": "", "cover_note": f"Response cover is {NOT_ASSESSED}."}
    force = cover[cover["area"] == "force"] if len(cover) else cover
    if len(force) != 168 or force["officers_rostered"].isna().all():
        return {
            "cover_svg": "",
            "cover_note": "This run has no response cover by hour of week: the "
            "capacity stage needs hourly incident forecasts (forecast."
            "hourly_streams) and a store made by this version.",
        }
    gap = force.assign(gap=force["officers_needed"] - force["officers_rostered"])
    short = int((gap["gap"] > 0.5).sum())
    return {
        "cover_svg": charts.heatmap_chart(
            gap,
            "gap",
            "Officers needed minus rostered, by hour of week",
            "officers short (+) / spare (−)",
        ),
        "cover_note": f"{short} of the week's 168 hours are short of officers "
        f"(worst: {gap['gap'].max():,.0f} officers short).",
    }


def _tornadoes(sensitivity: pd.DataFrame) -> list[dict[str, str]]:
    """A tornado chart per department for the first forecast year."""
    if sensitivity.empty:
        return []
    year = sensitivity["financial_year"].min()
    out = []
    for dept, rows in sensitivity[sensitivity["financial_year"] == year].groupby(
        "department", sort=True
    ):
        name = dept.replace("_", " ")
        out.append(
            {
                "department": name,
                "year": year,
                "svg": charts.tornado_chart(
                    rows, f"What the {name} gap in {year} hangs on"
                ),
            }
        )
    return out


def html_context(
    data: ReportData,
    fms: FmsTables,
    assumptions: Assumptions,
    section: ReportConfig,
    run_id: str,
    sentences: dict[str, list[str]],
    published: bool,
) -> dict[str, object]:
    binding, capacity_table = capacity_view(
        data.capacity, currency_symbol(section.currency)
    )
    scenarios, scenario_year, scenario_table = scenario_view(
        data.scenarios, section.scenarios
    )
    assessed = data.has_capacity
    note = f"<p class='note'>{NOT_ASSESSED.capitalize()}.</p>"
    if not assessed:
        scenario_table = note
    grades = {g: i for i, g in enumerate(assumptions.risk.grade_labels)}
    risk_cols = [
        "stream", "area", "department", "current_demand", "worst_year", "demand",
        "change_fraction", "poisson_z", "z_flag", "p_demand_exceeds_capacity",
        "service_level", "likelihood_basis", "score", "grade", "gap_hangs_on",
    ]  # fmt: skip
    fmt = {
        "current_demand": "{:,.0f}",
        "demand": "{:,.0f}",
        "change_fraction": "{:+.1%}",
        "poisson_z": "{:.1f}",
        "p_demand_exceeds_capacity": "{:.0%}",
        "service_level": "{:.1%}",
        "likelihood": "{:.0f}",
        "impact": "{:.0f}",
        "score": "{:.0f}",
    }
    scores = data.model_scores.groupby(["stream", "freq", "model"], as_index=False)[
        ["mase", "smape", "cov80", "cov95", "sql", "msis"]
    ].mean()
    # Which series each choice covers: the force and its areas by name.
    choices = (
        data.model_choices.assign(area=split_unique_id(data.model_choices["unique_id"]))
        .groupby(["stream", "freq", "chosen", "reason"], as_index=False)
        .agg(
            series=("unique_id", "size"),
            areas=("area", lambda a: ", ".join(sorted(set(a), key=_area_order))),
        )
    )
    ingest = data.ingest.copy()
    return {
        "force": assumptions.force if assessed else data.pipeline,
        "pipeline": data.pipeline,
        "run_id": run_id,
        "forecast_run": data.forecast_run,
        "capacity_run": data.capacity_run or "none (no capacity stage)",
        "assessed": assessed,
        "not_assessed": NOT_ASSESSED,
        "made_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "published": published,
        "threshold": section.disclosure_threshold,
        "sentences": sentences,
        "streams": _stream_sections(data, fms),
        **_cover_context(data.cover, assessed),
        "capacity_svg": charts.capacity_chart(binding, "FTE needed and establishment")
        if assessed
        else "",
        "requirement_svg": charts.requirement_chart(
            binding[binding["financial_year"] == binding["financial_year"].min()],
            "What the FTE needed is made of",
        )
        if assessed
        else "",
        "capacity_table": capacity_table,
        "tornadoes": _tornadoes(data.sensitivity) if assessed else [],
        "risk_source": assumptions.risk.source,
        "g1": data.names.name("grade", "G1"),
        "risk_table": html_table(
            fms.risks[risk_cols],
            fmt,
            {
                "current_demand": "current year",
                "worst_year": "worst year",
                "demand": "forecast",
                "change_fraction": "change",
                "poisson_z": "Poisson Z",
                "z_flag": "beyond chance",
                "p_demand_exceeds_capacity": "P(exceeds)",
                "service_level": "service today",
                "likelihood_basis": "likelihood from",
                "score": "L × I",
                "gap_hangs_on": "gap hangs on",
            },
            grades,
        ),
        "scenario_svg": charts.scenario_chart(
            scenarios, f"Scenarios against the baseline, {scenario_year}"
        )
        if len(scenarios)
        else "",
        "scenario_year": scenario_year,
        "scenario_table": scenario_table,
        "choices_table": html_table(choices),
        "scores_table": html_table(
            scores,
            {c: _SCORE_FORMATS[c] for c in scores.columns if c in _SCORE_FORMATS},
        )
        if len(scores)
        else "<p class='note'>No backtests were run (forecast.backtest = false).</p>",
        "ingest_table": html_table(
            ingest,
            {c: "{:,.0f}" for c in ingest.columns if c != "stream"},
        ),
        "rejects_table": html_table(data.rejects, {"rows": "{:,.0f}"})
        if len(data.rejects)
        else "<p class='note'>No rows were rejected.</p>",
        "assumptions_table": html_table(
            assumption_rows(assumptions).assign(
                assumption=lambda f: f["assumption"].map(data.names.key_label)
            )
        )
        if assessed
        else "<p class='note'>No capacity assumptions were used: this pipeline "
        "has no capacity stage.</p>",
    }
