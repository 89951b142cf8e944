"""Report sections as tables: capacity, scenarios, assumptions, column meanings."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from demand.capacity.assumptions import Assumptions
from demand.capacity.scenarios import on_binding_basis
from demand.report.html import html_table

__all__ = ["TABLE_COLUMNS", "assumption_rows", "capacity_view", "scenario_view"]

TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "fms_risks": {
        "stream": "demand stream, or 'all streams' for a department's own row",
        "area": "area, or 'force' for the force as a whole",
        "department": "department whose grade decides the row (the worst of those "
        "carrying the stream's work)",
        "current_year": "the last financial year with 12 recorded months",
        "current_demand": "count recorded in the current year",
        "worst_year": "the forecast year with the highest risk score",
        "demand": "forecast count in the worst year",
        "change_fraction": "change against the current year, fraction",
        "poisson_z": "2·(√demand − √current demand), for counts",
        "z_flag": "true where the forecast's 95% interval excludes the current "
        "year's demand: a change more than chance",
        "workload_hours": "forecast demand × hours per unit, hours a year",
        "department_gap_fte": "department's needed − establishment FTE",
        "p_demand_exceeds_capacity": "probability (0-1) demand exceeds capacity",
        "service_measure": "the department's service modelled with today's "
        "establishment and roster",
        "service_level": "modelled service (0-1) with today's people",
        "service_standard": "the standard it is held to (0-1)",
        "likelihood": "likelihood band (1 = lowest): the worse of demand and service",
        "likelihood_basis": "'demand' or 'service': which decided the likelihood",
        "impact": "impact band (1 = lowest)",
        "score": "likelihood × impact",
        "grade": "risk grade from the force's risk matrix",
        "gap_hangs_on": "the assumption whose range moves the department's gap "
        "most in the worst year, with the swing (the sensitivity table)",
    },
    "capacity": {
        "department": "department",
        "financial_year": "UK financial year, April to March",
        "basis": "workload (demand × unit time) or cover (units on duty, response)",
        "periods": "forecast periods in the year",
        "year_fraction": "share of the year the forecasts cover (0-1)",
        "demand": "units of demand in the year",
        "hours_mean": "hours of work needed, hours a year",
        "productive_hours_per_fte": "productive hours one FTE gives a year",
        "fte_mean": "FTE needed (hours ÷ productive hours per FTE)",
        "establishment_fte": "FTE in post (establishment)",
        "gap_fte": "needed − establishment, FTE (positive = shortfall)",
        "gap_hours": "needed − available hours, hours a year",
        "gap_cost_gbp": "gap_fte × cost per FTE, GBP a year",
        "p_demand_exceeds_capacity": "probability (0-1) needed hours exceed hours",
        "service_level": "modelled service with today's establishment and roster: "
        "calls answered in target (control room, the worst line) or G1 attended "
        "in target (response), fraction",
        "service_standard": "the standard service_level is held to, fraction",
        "service_measure": "what service_level measures",
    },
    "scenarios": {
        "scenario": "scenario name; 'baseline' is the forecast as it is",
        "fte_mean_change": "FTE needed compared with the baseline",
        "gap_cost_gbp_change": "gap cost compared with the baseline, GBP a year",
    },
    "model_choices": {
        "unique_id": "series id: stream, and /area=... for an area",
        "chosen": "model whose forecasts are used",
        "reason": "why it was chosen",
        "flags": "warnings raised while forecasting",
    },
    "model_scores": {
        "mase": "mean absolute scaled error; below 1 beats the seasonal-naive baseline",
        "smape": "symmetric mean absolute percentage error, %",
        "rmse": "root mean squared error, units of demand",
        "bias": "mean error (forecast − actual), units of demand",
        "cov80": "share of backtest outcomes inside the 80% range (aim 0.80)",
        "cov95": "share inside the 95% range (aim 0.95)",
        "sql": "scaled quantile loss of the 2.5, 10, 50, 90, 97.5 % points; lower "
        "is better",
        "msis": "mean scaled interval score of the 95% range; lower is better",
    },
    "data_quality": {
        "files": "files loaded",
        "rows_read": "rows read from the files",
        "rows_loaded": "rows stored",
        "rows_rejected": "rows kept in the rejects table with a reason",
    },
}
"""What the columns of each workbook sheet mean, with units."""


def capacity_view(
    capacity: pd.DataFrame, symbol: str = "£"
) -> tuple[pd.DataFrame, str]:
    """The binding basis per department and year, for the chart and the table.

    Args:
        capacity: The run's `capacity` rows.
        symbol: Written before money (`config.currency_symbol`).

    Returns:
        The rows (one per department and year: the basis needing most FTE) and
        an HTML table of them.
    """
    binding = (
        capacity.sort_values("fte_mean", ascending=False)
        .drop_duplicates(["department", "financial_year"])
        .sort_values(["department", "financial_year"])
    )
    columns = [
        "department", "financial_year", "basis", "fte_mean", "fte_lo_80",
        "fte_hi_80", "fte_demand", "fte_other_work", "fte_fixed",
        "fte_supervision", "establishment_fte", "gap_fte", "gap_hours", "gap_cost_gbp",
        "p_demand_exceeds_capacity", "service_level",
    ]  # fmt: skip
    one = "{:,.1f}"
    table = html_table(
        binding[columns],
        {
            "fte_mean": one,
            "fte_lo_80": one,
            "fte_hi_80": one,
            "fte_demand": one,
            "fte_other_work": one,
            "fte_fixed": one,
            "fte_supervision": one,
            "establishment_fte": one,
            "gap_fte": one,
            "gap_hours": "{:,.0f}",
            "gap_cost_gbp": symbol + "{:,.0f}",
            "p_demand_exceeds_capacity": "{:.0%}",
            "service_level": "{:.1%}",
        },
        {
            "fte_mean": "FTE needed",
            "fte_lo_80": "80% low",
            "fte_hi_80": "80% high",
            "fte_demand": "of which demand",
            "fte_other_work": "other work",
            "fte_fixed": "fixed posts",
            "fte_supervision": "supervision",
            "establishment_fte": "establishment",
            "gap_fte": "gap FTE",
            "gap_hours": "gap hours",
            "gap_cost_gbp": "gap cost",
            "p_demand_exceeds_capacity": "P(exceeds)",
            "service_level": "service level",
        },
    )
    return binding, table


def scenario_view(
    scenarios: pd.DataFrame, names: Sequence[str]
) -> tuple[pd.DataFrame, str, str]:
    """Scenario changes against the baseline, side by side, for one year.

    Args:
        scenarios: The run's `scenarios` rows.
        names: Scenarios to show; () for all.

    Returns:
        The rows of the chosen year (the second forecast year, when most
        scenarios have started) on each department's binding basis (the one the
        People table shows), the year, and an HTML table with one column per
        scenario of the FTE needed in every year, naming the basis.
    """
    rows = on_binding_basis(scenarios)
    if names:
        rows = rows[rows["scenario"].isin(["baseline", *names])]
    if rows.empty:
        return rows, "", "<p class='note'>No scenarios in this run.</p>"
    years = sorted(rows["financial_year"].unique())
    year = years[min(1, len(years) - 1)]
    wide = rows.pivot_table(
        index=["department", "financial_year", "basis"],
        columns="scenario",
        values="fte_mean",
        aggfunc="sum",
    ).reset_index()
    order = ["department", "financial_year", "basis", "baseline"]
    wide = wide[order + [c for c in wide.columns if c not in order]]
    fmt = {c: "{:,.1f}" for c in wide.columns[3:]}
    table = html_table(wide, fmt)
    chart = rows[(rows["financial_year"] == year) & (rows["scenario"] != "baseline")]
    return chart, year, table


def assumption_rows(assumptions: Assumptions) -> pd.DataFrame:
    """Each assumptions table with its values and its source, for the methods
    appendix: ``assumption, value, source``."""
    rows = []
    for f in dataclasses.fields(assumptions):
        value = getattr(assumptions, f.name)
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for key, item in items:
            source = getattr(item, "source", None)
            if source is None:
                continue
            name = f.name if key is None else f"{f.name}.{key}"
            rows.append({"assumption": name, "value": _values(item), "source": source})
    return pd.DataFrame(rows, columns=["assumption", "value", "source"])


def _values(item: object) -> str:
    """The figures of one assumptions entry, ``name = value`` with units in the
    names, so the appendix shows each value beside its source."""
    if not dataclasses.is_dataclass(item):
        return str(item)
    parts = []
    for f in dataclasses.fields(item):
        value = getattr(item, f.name)
        if f.name == "source" or dataclasses.is_dataclass(value):
            continue
        if isinstance(value, dict):
            parts += [
                f"{f.name}[{k}] = {_shown(v)}"
                for k, v in value.items()
                if not isinstance(v, dict | list | tuple)
            ]
        elif isinstance(value, list | tuple):
            short = len(value) <= 8 and not any(
                isinstance(v, dict | list | tuple) or dataclasses.is_dataclass(v)
                for v in value
            )
            parts.append(
                f"{f.name} = [{', '.join(map(_shown, value))}]"
                if short
                else f"{f.name}: {len(value)} entries"
            )
        else:
            parts.append(f"{f.name} = {_shown(value)}")
    return "; ".join(parts)


def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    return f"{value:.4g}" if isinstance(value, float) else str(value)
