"""What one run wrote, summarised for the CLI: read-only SQL over the store."""

from __future__ import annotations

import pandas as pd

from demand.store import Store

__all__ = [
    "capacity_summary",
    "fms_risk_register",
    "forecast_summary",
    "scenario_summary",
]


def _run_rows(store: Store, sql: str, run_id: str) -> pd.DataFrame:
    return store.con.execute(sql, [run_id]).df()


def forecast_summary(store: Store, run_id: str) -> pd.DataFrame:
    """Return one row per stream and freq of a run's forecasts.

    Returns: columns stream, freq, series (distinct `unique_id`), rows, and the
    first and last forecast period (`ds`).
    """
    return _run_rows(
        store,
        "SELECT stream, freq, count(DISTINCT unique_id) AS series, "
        "count(*) AS rows, min(ds) AS first, max(ds) AS last FROM forecasts "
        "WHERE run_id = ? GROUP BY ALL ORDER BY ALL",
        run_id,
    )


def capacity_summary(store: Store, run_id: str) -> pd.DataFrame:
    """Return a run's people needed per department, financial year and basis.

    Returns: FTE (mean and 80 % interval, 1 decimal), establishment FTE, gap FTE
    and the probability that demand exceeds capacity (2 decimals).
    """
    return _run_rows(
        store,
        "SELECT department, financial_year, basis, round(fte_mean, 1) AS fte, "
        "round(fte_lo_80, 1) AS fte_lo_80, round(fte_hi_80, 1) AS fte_hi_80, "
        "establishment_fte, round(gap_fte, 1) AS gap_fte, "
        "round(p_demand_exceeds_capacity, 2) AS p_exceeds FROM capacity "
        "WHERE run_id = ? ORDER BY ALL",
        run_id,
    )


def scenario_summary(store: Store, run_id: str) -> pd.DataFrame:
    """Return a run's scenarios against the baseline, on the workload basis.

    Returns: per scenario, department and financial year the FTE, its change from
    the baseline (1 decimal) and the change in the gap's cost (whole £).
    """
    return _run_rows(
        store,
        "SELECT scenario, department, financial_year, round(fte_mean, 1) AS fte, "
        "round(fte_mean_change, 1) AS fte_change, round(gap_cost_gbp_change) AS "
        "gap_cost_change_gbp FROM scenarios WHERE run_id = ? AND basis = "
        "'workload' ORDER BY ALL",
        run_id,
    )


def fms_risk_register(store: Store, run_id: str) -> pd.DataFrame:
    """Return a run's FMS risk register: one row per stream and area.

    Returns: current and worst-year demand (whole counts), the change in percent,
    the Poisson z, the probability demand exceeds capacity and the grade.
    """
    return _run_rows(
        store,
        "SELECT stream, area, CAST(current_demand AS BIGINT) AS current, "
        "worst_year AS year, CAST(demand AS BIGINT) AS forecast, "
        "round(100 * change_fraction, 1) AS change_pct, round(poisson_z, 1) AS "
        "z, round(p_demand_exceeds_capacity, 2) AS p_exceeds, grade "
        "FROM fms_risks WHERE run_id = ?",
        run_id,
    )
