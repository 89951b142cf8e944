"""Build a run's report folder: HTML for planners, FMS tables, workbook and exports."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from demand.capacity.assumptions import Assumptions, load_assumptions
from demand.config import ReportConfig, currency_symbol
from demand.context import PipelineContext
from demand.periods import financial_year_name
from demand.report.bottom_line import reference_year
from demand.report.data import (
    NOT_ASSESSED,
    ReportData,
    read_report_data,
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
from demand.report.html import render_report
from demand.report.page import html_context
from demand.report.partner import build_partner_section, partner_context
from demand.report.planning import planning_context
from demand.report.sections import capacity_view
from demand.report.summary import summary_sentences
from demand.risk import RiskScheme
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


def build_report(
    store: Store, section: ReportConfig, run: PipelineContext
) -> ReportResult:
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
        store: A writable store holding the pipeline's forecasts.
        section: The pipeline's `[report]` section.
        run: The report's run: its pipeline (whose forecasts, capacity and
            scores are read) and run id.

    Returns:
        The `ReportResult`.

    Raises:
        ValueError: no forecasts to report.
    """
    pipeline, run_id = run.name, run.run_id
    assumptions = load_assumptions(section.assumptions)
    # The store keeps the canonical lines and grades; the planner reads the
    # force's own names (`[pipeline] call_lines, grades`).
    names = section.names
    data = read_report_data(
        store,
        pipeline,
        section.history_months,
        section.financial_year_start_month,
        names=names,
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
        names=names,
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
    context = html_context(data, fms, assumptions, section, run_id, sentences, False)
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
            **_descriptions(section),
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


def _descriptions(section: ReportConfig) -> dict[str, dict[str, str]]:
    """Each table's column descriptions, in the pipeline's years and names."""
    from demand.partner.table import PARTNER_COLUMNS
    from demand.report.sections import TABLE_COLUMNS

    tables = {
        **TABLE_COLUMNS,
        "fms_areas": {**RUN_COLUMNS, **FMS_COLUMNS},
        "fms_risks": {**RUN_COLUMNS, **TABLE_COLUMNS["fms_risks"]},
        "partner_demand": {**RUN_COLUMNS, **PARTNER_COLUMNS},
    }
    year = {"financial_year": financial_year_name(section.financial_year_start_month)}
    return {
        name: {
            column: section.names.relabel(text)
            for column, text in (
                {**columns, **year} if "financial_year" in columns else columns
            ).items()
        }
        for name, columns in tables.items()
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
        _descriptions(section),
        note,
        currency_symbol(section.currency),
    )
    return [book, *write_csvs(out, tables)]
