"""Helpers of the capacity tests: Northshire's paths, volumes and made-up forecasts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
NORTHSHIRE = ROOT / "pipelines" / "assumptions" / "northshire.toml"
SCENARIOS = ROOT / "pipelines" / "scenarios"

# Northshire's volumes per day (docs/northshire-extracts.md, the 2024 briefing).
PER_DAY = {
    "calls/line=999": 406.0,
    "calls/line=101": 550.0,
    "incidents": 540.0,
    "mental_health": 27.0,
    "missing_persons": 11.0,
    "crimes": 165.0,
}
MIXES = {
    "grade": {"G1": 0.26, "G2": 0.08, "G3": 0.08, "G4": 0.04, "RWD": 0.54},
    "area": {
        "Northtown": 0.36,
        "Southbridge": 0.30,
        "Eastmoor": 0.18,
        "Westdale": 0.16,
    },
    "risk": {"high": 0.10, "medium": 0.52, "low": 0.28, "no_apparent_risk": 0.10},
    "offence_group": {
        "Violence with injury": 0.11,
        "Sexual offences": 0.035,
        "Residential burglary": 0.036,
        "Shoplifting": 0.07,
        "Other theft": 0.749,
    },
}
HOURLY = np.array(
    [
        0.80,
        0.66,
        0.54,
        0.44,
        0.36,
        0.33,
        0.38,
        0.55,
        0.80,
        0.98,
        1.06,
        1.10,
        1.14,
        1.15,
        1.20,
        1.30,
        1.36,
        1.36,
        1.35,
        1.32,
        1.26,
        1.18,
        1.05,
        0.92,
    ]
)


def make_forecasts(
    width_fraction: float = 0.1,
    months: int = 48,
    start: str = "2026-04-01",
    per_day: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Monthly forecasts in the `forecasts` shape, Gaussian intervals whose sd is
    `width_fraction` of the mean and grows with the horizon."""
    ds = pd.date_range(start, periods=months, freq="MS")
    rows = []
    for uid, daily in (per_day or PER_DAY).items():
        for i, d in enumerate(ds):
            mean = daily * d.days_in_month * (1 + 0.002 * i)
            sd = width_fraction * mean * np.sqrt(1 + i / 12)
            rows.append(
                {
                    "unique_id": uid,
                    "ds": d,
                    "model": "test",
                    "mean": mean,
                    "lo_80": mean - 1.2816 * sd,
                    "hi_80": mean + 1.2816 * sd,
                    "lo_95": mean - 1.96 * sd,
                    "hi_95": mean + 1.96 * sd,
                }
            )
    return pd.DataFrame(rows)


def make_hourly(start: str = "2026-04-06", days: int = 14) -> pd.DataFrame:
    """Hourly force incident forecasts with Northshire's daily shape."""
    ds = pd.date_range(start, periods=24 * days, freq="h")
    shape = HOURLY / HOURLY.mean()
    return pd.DataFrame(
        {
            "unique_id": "incidents",
            "ds": ds,
            "model": "test",
            "mean": PER_DAY["incidents"] / 24 * shape[ds.hour],
        }
    )
