"""A forecast year's change is judged by the forecast's own uncertainty."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from demand.capacity.assumptions import load_assumptions
from demand.report.fms import build_fms_areas

ASSUMPTIONS = (
    Path(__file__).resolve().parents[2] / "pipelines/assumptions/northshire.toml"
)


def _data(lo_95: float, hi_95: float) -> SimpleNamespace:
    past = pd.date_range("2023-04-01", "2025-03-01", freq="MS")
    future = pd.date_range("2025-04-01", "2026-03-01", freq="MS")
    history = pd.DataFrame(
        {"unique_id": "crimes", "stream": "crimes", "area": "force", "ds": past}
    ).assign(y=1000.0)
    forecasts = pd.DataFrame(
        {"unique_id": "crimes", "stream": "crimes", "area": "force", "ds": future}
    ).assign(
        model="m", mean=1200.0, lo_80=1100.0, hi_80=1300.0, lo_95=lo_95, hi_95=hi_95
    )
    return SimpleNamespace(
        history=history,
        forecasts=forecasts,
        hours_per_unit=pd.DataFrame(columns=["unique_id", "hours_per_unit"]),
        area_service=None,
        capacity=pd.DataFrame(
            columns=[
                "department",
                "financial_year",
                "basis",
                "fte_mean",
                "fte_demand",
                "establishment_fte",
                "gap_fte",
                "gap_hours",
                "demand",
                "p_demand_exceeds_capacity",
                "productive_hours_per_fte",
                "year_fraction",
                "service_level",
            ]
        ),  # fmt: skip
        has_capacity=False,
    )


def test_a_forecast_whose_interval_holds_the_current_year_is_not_flagged() -> None:
    # Issue 15 finding 10: +20 % on 12,000 is Poisson Z ≈ 22, yet this forecast's
    # own 95 % interval (monthly 900-1,500) holds the current year's level.
    assumptions = load_assumptions(ASSUMPTIONS)
    wide = build_fms_areas(_data(900.0, 1500.0), assumptions)
    row = wide[wide["kind"] == "forecast"].iloc[0]
    assert abs(row["poisson_z"]) > 3
    assert not row["z_flag"]
    tight = build_fms_areas(_data(1150.0, 1250.0), assumptions)
    assert tight.loc[tight["kind"] == "forecast", "z_flag"].iloc[0]
    assert not tight.loc[tight["kind"] == "actual", "z_flag"].any()
