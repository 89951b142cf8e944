"""Build a run's report folder: HTML for planners, FMS tables, workbook and exports."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from demand.capacity.assumptions import Assumptions, load_assumptions
from demand.config import ReportConfig, currency_symbol
from demand.report import charts
from demand.report.bottom_line import reference_year
from demand.report.data import (
    NOT_ASSESSED,
    ReportData,
    read_report_data,
    split_unique_id,
)
from demand.report.disclosure import suppress_fms_areas
from demand.report.excel import write_workbook
from demand.report.exports import (
    point_latest,
    write_csvs,
    write_fms_views,
    write_parquet,
)
from demand.report.fms import FMS_COLUMNS, build_fms_areas, build_fms_risks
from demand.report.fms_sheets import STEP_NOTES, fms_step_sheets
from demand.report.html import html_table, render_report
from demand.report.partner import build_partner_section, partner_context
from demand.report.planning import planning_context
from demand.report.sections import assumption_rows, capacity_view, scenario_view
from demand.report.summary import summary_sentences
from demand.risk import RiskScheme
from demand.schemas import stream_label
from demand.store import Store, pipeline_folder

__all__ = ["RUN_COLUMNS", "FmsTables", "ReportResult", "build_fms", "build_report"]

log = logging.getLogger(__name__)

RUN_COLUMNS: dict[str, str] = {
    "pipeline": "the pipeline whose report this is",
    "run_id": "the report's run (see `demand runs`)",
}
"""Columns that name, in every exported FMS table, the run it comes from."""


@dataclass(frozen=True)
class FmsTables:
    """The FMS tables of one report: per area and year, and one row per area."""

    areas: pd.DataFrame
    risks: pd.DataFrame


@dataclass
class ReportResult:
    """What a report run wrote, and its summary sentences."""

    folder: Path
    html: Path
    workbook: Path
    sentences: dict[str, list[str]]
    fms: FmsTables
    files: list[Path] = field(default_factory=list)
    views: list[str] = field(default_factory=list)


def _pipeline_name(store: Store, run_id: str) -> str:
    row = store.con.execute(
        "SELECT pipeline FROM runs WHERE run_id = ?", [run_id]
    ).fetchone()
    if row is None:
        raise ValueError(f"Run {run_id} is not in the store's runs table.")
    return str(row[0])


def build_fms(data: ReportData, assumptions: Assumptions) -> FmsTables:
    """Build the FMS tables (pure): every stream and area, low risks included."""
    areas = build_fms_areas(data, assumptions)
    risks = build_fms_risks(areas, assumptions.risk, data.capacity, data.sensitivity)
    return FmsTables(areas, risks)


def _publishable(fms: FmsTables, threshold: int, scheme: RiskScheme) -> FmsTables:
    """Counts below `threshold` blanked, with secondary suppression across the
    areas of each stream and year (the force row is their published total), and
    every column that would give a blanked count back; the risk register is
    built from the blanked area table, so it cannot show more than it does."""
    areas = suppress_fms_areas(fms.areas, threshold)
    risks = build_fms_risks(areas, scheme)
    hidden = areas.loc[areas["suppressed"], ["stream", "area"]].drop_duplicates()
    mask = risks.merge(hidden.assign(_hide=True), how="left")["_hide"]
    return FmsTables(areas, risks.assign(suppressed=mask.notna().to_numpy()))


def _labelled(frame: pd.DataFrame, pipeline: str, run_id: str) -> pd.DataFrame:
    """`frame` with the `RUN_COLUMNS` first."""
    return pd.concat(
        [pd.DataFrame({"pipeline": pipeline, "run_id": run_id}, index=frame.index),
         frame],
        axis=1,
    )  # fmt: skip


def _stream_sections(data: ReportData, fms: FmsTables) -> list[dict[str, object]]:
    sections = []
    force = fms.areas[fms.areas["area"] == "force"]
    daily = data.daily_forecasts
    streams = set(data.forecasts["stream"])
    streams |= set(daily["stream"]) if len(daily) else set()
    for stream in sorted(streams):
        name = stream_label(stream)
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


def _html_context(
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
            {
                "mase": "{:.2f}",
                "smape": "{:.1f}",
                "cov80": "{:.2f}",
                "cov95": "{:.2f}",
                "sql": "{:.3f}",
                "msis": "{:.2f}",
            },
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
        "assumptions_table": html_table(assumption_rows(assumptions))
        if assessed
        else "<p class='note'>No capacity assumptions were used: this pipeline "
        "has no capacity stage.</p>",
    }


def build_report(store: Store, section: ReportConfig, run_id: str) -> ReportResult:
    """Write the report of the latest forecasts and capacity of a run's pipeline.

    A pipeline without a capacity stage gets a demand-only report: capacity,
    scenarios, response cover and risk grades say `NOT_ASSESSED`.

    Writes `<out_dir>/<pipeline>/<run_id>/`: ``report.html`` (self-contained),
    ``fms.xlsx``, one CSV per table, and with `section.publish` a
    ``published/`` folder with small counts suppressed; then points
    `<out_dir>/<pipeline>/latest` at it, writes Parquet exports to
    `section.exports_dir` (default `data/processed/<pipeline>/exports`) and
    (re)creates the `fms_*` views in the store. The FMS tables carry the
    `RUN_COLUMNS` everywhere; CSV and workbook cells are formula-safe.

    Args:
        store: A writable store holding the run in `runs`.
        section: The pipeline's `[report]` section.
        run_id: The report's run id (recorded in `runs`).

    Returns:
        The `ReportResult`.

    Raises:
        ValueError: no forecasts to report.
    """
    pipeline = _pipeline_name(store, run_id)
    assumptions = load_assumptions(section.assumptions)
    data = read_report_data(
        store, pipeline, section.history_months, section.financial_year_start_month
    )
    fms = build_fms(data, assumptions)
    sentences = summary_sentences(
        fms.areas,
        fms.risks,
        data.capacity,
        data.scenarios,
        assumptions,
        data.cover,
        assessed=data.has_capacity,
        daily_history=data.daily_history,
        daily_forecasts=data.daily_forecasts,
        monthly_history=data.history,
        currency_symbol=currency_symbol(section.currency),
    )
    partner = build_partner_section(store, data, assumptions)
    sentences["Partner demand"] = list(partner.sentences)
    folder = Path(section.out_dir) / pipeline / run_id
    folder.mkdir(parents=True, exist_ok=True)
    exports = (
        Path(section.exports_dir)
        if section.exports_dir
        else pipeline_folder(pipeline) / "exports"
    )
    partner_rows = partner.table()
    html = folder / "report.html"
    context = _html_context(data, fms, assumptions, section, run_id, sentences, False)
    context |= planning_context(
        store,
        data,
        fms.areas,
        fms.risks,
        capacity_view(data.capacity)[0],
        assumptions,
        reference_year(fms.areas),
    )
    html.write_text(render_report(context | partner_context(partner)), encoding="utf-8")
    about = {
        "pipeline": pipeline,
        "report run": run_id,
        "forecast run": data.forecast_run,
        "capacity run": data.capacity_run or NOT_ASSESSED,
        "assumptions": section.assumptions,
        "risk matrix": assumptions.risk.source,
        "made at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    labelled = FmsTables(
        _labelled(fms.areas, pipeline, run_id), _labelled(fms.risks, pipeline, run_id)
    )
    partner_rows = _labelled(partner_rows, pipeline, run_id)
    sheets = {**_sheets(labelled, data), "partner_demand": partner_rows}
    symbol = currency_symbol(section.currency)
    # The FMS steps first, ready to paste; the machine-shaped tables after them
    # keep their names and columns (other tools read them).
    steps = fms_step_sheets(fms.areas, data.capacity, symbol)
    workbook = write_workbook(
        folder / "fms.xlsx",
        {**steps, **sheets},
        {
            **_descriptions(),
            **{name: {"Figure": note} for name, note in STEP_NOTES.items()},
        },
        about,
        symbol,
        {name: "#,##0.0" for name in steps},
    )
    files = [html, workbook, *write_csvs(folder, sheets)]
    if section.publish:
        safe = _publishable(fms, section.disclosure_threshold, assumptions.risk)
        published = FmsTables(
            _labelled(safe.areas, pipeline, run_id),
            _labelled(safe.risks, pipeline, run_id),
        )
        files += _write_published(folder, published, section, about)
    point_latest(folder)
    tables = {
        "fms_areas": labelled.areas,
        "fms_risks": labelled.risks,
        "partner_demand": partner_rows,
    }
    files += write_parquet(
        store,
        exports,
        tables,
        data.forecast_run,
        data.capacity_run,
        pipeline,
        run_id,
    )
    views = write_fms_views(store, tables, pipeline)
    log.info("report of %s written to %s", pipeline, folder)
    return ReportResult(folder, html, workbook, sentences, fms, files, views)


def _sheets(fms: FmsTables, data: ReportData) -> dict[str, pd.DataFrame]:
    return {
        "fms_risks": fms.risks,
        "fms_areas": fms.areas,
        "capacity": data.capacity.drop(columns=["run_id"]),
        "scenarios": data.scenarios.drop(columns=["run_id"]),
        "model_choices": data.model_choices,
        "model_scores": data.model_scores,
        "data_quality": data.ingest,
    }


def _descriptions() -> dict[str, dict[str, str]]:
    from demand.partner.table import PARTNER_COLUMNS
    from demand.report.sections import TABLE_COLUMNS

    return {
        **TABLE_COLUMNS,
        "fms_areas": {**RUN_COLUMNS, **FMS_COLUMNS},
        "fms_risks": {**RUN_COLUMNS, **TABLE_COLUMNS["fms_risks"]},
        "partner_demand": {**RUN_COLUMNS, **PARTNER_COLUMNS},
    }


def _write_published(
    folder: Path,
    safe: FmsTables,
    section: ReportConfig,
    about: dict[str, str],
) -> list[Path]:
    """The publication copy: FMS tables with small counts suppressed."""
    out = folder / "published"
    out.mkdir(exist_ok=True)
    tables = {"fms_risks": safe.risks, "fms_areas": safe.areas}
    note = {
        **about,
        "disclosure control": f"counts below {section.disclosure_threshold} "
        "suppressed, with secondary suppression across areas, and every change, "
        "Poisson Z, hours per unit and workload that would give one back",
    }
    book = write_workbook(
        out / "fms.xlsx",
        tables,
        _descriptions(),
        note,
        currency_symbol(section.currency),
    )
    return [book, *write_csvs(out, tables)]
