"""The CLI's summaries of one run: each reads only that run's rows."""

from __future__ import annotations

import pandas as pd

from demand.store import Store
from demand.store.summary_reads import (
    capacity_summary,
    fms_risk_register,
    forecast_summary,
    scenario_summary,
)


def _insert(store: Store, table: str, rows: list[dict]) -> None:
    frame = pd.DataFrame(rows)  # noqa: F841  (read by DuckDB's replacement scan)
    store.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")


def _forecast(run_id: str, uid: str, day: int) -> dict:
    return {
        "run_id": run_id,
        "unique_id": uid,
        "stream": "incidents",
        "freq": "D",
        "measure": "count",
        "horizon": "operational",
        "ds": pd.Timestamp(2025, 4, day),
        "model": "auto_ets",
        "mean": 10.0,
    }


def test_forecast_summary_counts_series_and_periods_of_its_run_only(
    store: Store,
) -> None:
    rows = [_forecast("a", u, d) for u in ("incidents", "incidents/x") for d in (1, 2)]
    _insert(store, "forecasts", [*rows, _forecast("b", "incidents", 9)])

    summary = forecast_summary(store, "a")

    assert summary.to_dict("records") == [
        {
            "stream": "incidents",
            "freq": "D",
            "series": 2,
            "rows": 4,
            "first": pd.Timestamp(2025, 4, 1),
            "last": pd.Timestamp(2025, 4, 2),
        }
    ]


def _capacity(run_id: str, year: str) -> dict:
    return {
        "run_id": run_id,
        "department": "response",
        "financial_year": year,
        "basis": "workload",
        "periods": 12,
        "year_fraction": 1.0,
        "hours_mean": 1000.0,
        "productive_hours_per_fte": 1500.0,
        "fte_mean": 101.26,
        "fte_lo_80": 99.04,
        "fte_hi_80": 103.56,
        "establishment_fte": 100.0,
        "gap_fte": 1.26,
        "p_demand_exceeds_capacity": 0.6149,
    }


def test_capacity_summary_rounds_fte_and_probability(store: Store) -> None:
    _insert(store, "capacity", [_capacity("a", "2025/26"), _capacity("b", "2026/27")])

    (row,) = capacity_summary(store, "a").to_dict("records")

    assert row["financial_year"] == "2025/26"
    assert (row["fte"], row["fte_lo_80"], row["fte_hi_80"]) == (101.3, 99.0, 103.6)
    assert (row["gap_fte"], row["p_exceeds"]) == (1.3, 0.61)


def test_scenario_summary_shows_the_workload_basis_only(store: Store) -> None:
    base = {
        "run_id": "a",
        "scenario": "rcrp",
        "department": "response",
        "financial_year": "2025/26",
        "fte_mean": 90.04,
        "fte_mean_change": -10.06,
        "gap_cost_gbp_change": -512345.6,
    }
    _insert(
        store, "scenarios", [{**base, "basis": "workload"}, {**base, "basis": "cover"}]
    )

    summary = scenario_summary(store, "a")

    assert summary.to_dict("records") == [
        {
            "scenario": "rcrp",
            "department": "response",
            "financial_year": "2025/26",
            "fte": 90.0,
            "fte_change": -10.1,
            "gap_cost_change_gbp": -512346.0,
        }
    ]


def test_fms_risk_register_gives_whole_counts_and_change_in_percent(
    store: Store,
) -> None:
    store.con.execute(
        "CREATE TABLE fms_risks (run_id VARCHAR, stream VARCHAR, area VARCHAR, "
        "current_demand DOUBLE, worst_year VARCHAR, demand DOUBLE, "
        "change_fraction DOUBLE, poisson_z DOUBLE, p_demand_exceeds_capacity DOUBLE, "
        "grade VARCHAR)"
    )
    store.con.execute(
        "INSERT INTO fms_risks VALUES ('a', 'crimes', 'force', 59964.2, '2025/26', "
        "60116.4, 0.00254, 0.62, 0.997, 'high'), ('b', 'calls', 'force', 1, "
        "'2025/26', 2, 1.0, 9.0, 1.0, 'very high')"
    )

    (row,) = fms_risk_register(store, "a").to_dict("records")

    assert row == {
        "stream": "crimes",
        "area": "force",
        "current": 59964,
        "year": "2025/26",
        "forecast": 60116,
        "change_pct": 0.3,
        "z": 0.6,
        "p_exceeds": 1.0,
        "grade": "high",
    }
