"""The report's planning sections: forecast against outturn, areas, gap, changes."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from demand.capacity.assumptions import Assumptions
from demand.local_names import LocalNames
from demand.report import charts_plan
from demand.report.changes import changes_since, previous_runs
from demand.report.data import ReportData, read_report_data
from demand.report.fms import build_fms_areas, build_fms_risks
from demand.report.html import html_table
from demand.report.outturn import (
    SHIFT_MONTHS,
    Outturn,
    read_outturn,
    shifted_streams,
)
from demand.report.outturn import outturn_table as _outturn_table
from demand.store import Store

__all__ = ["planning_context"]

log = logging.getLogger(__name__)


def _outturn(store: Store, data: ReportData) -> dict[str, Any]:
    outturn = read_outturn(store, data.pipeline, data.forecast_run)
    table = _outturn_table(outturn)
    force = outturn.force
    return {
        "outturn_shifts": _shift_sentences(outturn, data),
        "shift_months": SHIFT_MONTHS,
        "outturn_kind": outturn.kind,
        "outturn_label": outturn.label,
        "outturn_table": html_table(
            table.assign(stream=table["stream"].map(data.names.stream_label)),
            {
                "forecast": "{:,.0f}",
                "outturn": "{:,.0f}",
                "error_fraction": "{:+.1%}",
                "months_inside_80": "{:,.0f}",
            },
            {
                "first_month": "from",
                "last_month": "to",
                "outturn": "what happened",
                "error_fraction": "forecast error",
                "months_inside_80": "months inside 80% range",
            },
        )
        if len(table)
        else "",
        "outturn_svg": charts_plan.outturn_chart(
            force,
            data.names.stream_labels(),
            f"Forecast against what happened ({outturn.label})",
        )
        if len(force)
        else "",
    }


def _shift_sentences(outturn: Outturn, data: ReportData) -> list[dict[str, str]]:
    """One warning per stream whose latest months all missed its 80 % range."""
    out = []
    for row in shifted_streams(outturn).itertuples(index=False):
        name = data.names.stream_label(row.stream)
        out.append(
            {
                "stream": row.stream,
                "name": name,
                "text": (
                    f"{name}: the last {SHIFT_MONTHS} months compared "
                    f"({row.first_month} to {row.last_month}) all fell {row.side} "
                    f"the forecast's 80% range ({row.outturn:,.0f} recorded against "
                    f"{row.forecast:,.0f} forecast). Demand may have shifted since "
                    "the errors its ranges were calibrated on, so the ranges ahead "
                    "may understate the uncertainty."
                ),
            }
        )
    return out


def _areas(data: ReportData) -> list[dict[str, str]]:
    out = []
    for stream in sorted(set(data.forecasts["stream"])):
        hist = data.history[
            (data.history["stream"] == stream) & (data.history["area"] != "force")
        ]
        fc = data.forecasts[
            (data.forecasts["stream"] == stream) & (data.forecasts["area"] != "force")
        ]
        if fc.empty:
            continue
        name = data.names.stream_label(stream)
        out.append(
            {
                "stream": stream,
                "name": name,
                "svg": charts_plan.area_chart(hist, fc, f"{name} per month by area"),
            }
        )
    return out


def _changes(
    store: Store,
    data: ReportData,
    areas: pd.DataFrame,
    risks: pd.DataFrame,
    assumptions: Assumptions,
    year: str | None,
) -> tuple[str, str]:
    runs = previous_runs(store, data.pipeline, data.forecast_run, data.capacity_run)
    if runs is None or year is None:
        return "", "First run: there is no earlier run of this pipeline to compare."
    before = read_report_data(
        store,
        data.pipeline,
        financial_year_start_month=data.financial_year_start_month,
        runs=runs,
        names=data.names,
    )
    before_areas = build_fms_areas(before, assumptions)
    before_risks = build_fms_risks(
        before_areas, assumptions.risk, before.capacity, before.sensitivity
    )
    table = changes_since(
        areas, risks, data.capacity, before_areas, before_risks, before.capacity, year
    )
    note = (
        f"Compared with forecast run {runs[0]}"
        + (f" and capacity run {runs[1]}" if runs[1] else "")
        + f", in {year}."
    )
    shown = html_table(
        table.assign(
            **{
                col: [
                    _figure(v, m, col == "change")
                    for v, m in zip(table[col], table["measure"], strict=True)
                ]
                for col in ("previous_run", "this_run", "change")
            }
        ),
        headers={"previous_run": "previous run", "this_run": "this run"},
    )
    return shown, note


def _figure(value: object, measure: str, signed: bool) -> str:
    """A changes-table cell: counts whole, FTE to one decimal, grades as text."""
    if not isinstance(value, int | float):
        return "–" if value is None else str(value)
    if value != value:  # NaN: not in one of the runs
        return "–"
    fmt = "{:+,.0f}" if signed else "{:,.0f}"
    if "FTE" in measure:
        fmt = "{:+,.1f}" if signed else "{:,.1f}"
    return fmt.format(value).replace("-", "−")


def planning_context(
    store: Store,
    data: ReportData,
    fms_areas: pd.DataFrame,
    fms_risks: pd.DataFrame,
    binding: pd.DataFrame,
    assumptions: Assumptions,
    year: str | None,
) -> dict[str, Any]:
    """Template values of the planning sections.

    Args:
        store: The store (read access is enough).
        data: This report's `ReportData`.
        fms_areas: This report's `fms_areas` (unsuppressed).
        fms_risks: This report's `fms_risks`.
        binding: Capacity on each department's binding basis, every year.
        assumptions: The force's assumptions (risk matrix for earlier grades).
        year: The reference year of the summary (None: no year forecast).

    Returns:
        ``outturn_*``, ``area_charts``, ``gap_svg``, ``changes_table``,
        ``changes_note`` and ``area_service_svg``.
    """
    changes_table, changes_note = _changes(
        store, data, fms_areas, fms_risks, assumptions, year
    )
    return {
        **_outturn(store, data),
        "area_charts": _areas(data),
        "gap_svg": charts_plan.gap_chart(binding, "Establishment gap by financial year")
        if len(binding)
        else "",
        "changes_table": changes_table,
        "changes_note": changes_note,
        "area_service_svg": _area_service(data.area_service, data.names),
    }


def _area_service(area_service: pd.DataFrame, names: LocalNames) -> str:
    """Response's G1 attendance by area over the years; "" where not modelled."""
    response = area_service[area_service["department"] == "response"]
    if response.empty or response["service_level"].isna().all():
        return ""
    return charts_plan.area_service_chart(
        response, names.relabel("G1 attended within target, by area")
    )
