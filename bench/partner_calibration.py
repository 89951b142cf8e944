"""Calibration of RCRP hours returned on the synthetic force, over seeds.

For each seed: generate four years of Northshire (RCRP live July 2023), ingest
its incidents and mental-health extracts into a fresh store, measure partner
demand with Northshire's assumptions and compare the hours returned each month
with the generator's truth (`rcrp_hours_returned_by_month`, from its rates and
per-incident hours). Prints, per seed, the mean monthly estimate against the
truth and the share of months whose 80 % range holds the truth.

Example:
    PYTHONPATH=src nice -n 10 .venv/bin/python bench/partner_calibration.py 2024 1 2 3
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

from demand.capacity.assumptions import load_assumptions
from demand.capacity.workload import productive_hours_per_fte
from demand.ingest import ingest
from demand.partner.build import build_partner_demand
from demand.store import Store
from demand.synth import generate_force

ASSUMPTIONS = (
    Path(__file__).resolve().parents[1] / "pipelines/assumptions/northshire.toml"
)


def calibrate(seed: int, work: Path) -> dict[str, float]:
    """Mean error and 80 % coverage of hours returned for one seed."""
    raw = work / f"raw{seed}"
    truth = generate_force(raw, years=4, end=date(2026, 3, 31), seed=seed)
    for folder in raw.iterdir():
        if folder.is_dir() and folder.name not in {"incidents", "mental_health"}:
            shutil.rmtree(folder)
    a = load_assumptions(ASSUMPTIONS)
    with Store(work / f"s{seed}.duckdb") as store:
        assert ingest(store, [raw], adapter="northshire").ok
        result = build_partner_demand(
            store, a.partner, a.mental_health.rcrp_date, productive_hours_per_fte(a)
        )
    months = pd.DataFrame(
        truth["streams"]["mental_health"]["rcrp_hours_returned_by_month"]
    )
    months["month"] = pd.to_datetime(months["month"])
    both = result.returned.merge(months[["month", "hours_returned"]], on="month",
                                 suffixes=("", "_truth"))  # fmt: skip
    covered = (both["hours_returned_lo_80"] <= both["hours_returned_truth"]) & (
        both["hours_returned_truth"] <= both["hours_returned_hi_80"]
    )
    return {
        "seed": seed,
        "months": len(both),
        "mean_estimate_hours": both["hours_returned"].mean(),
        "mean_truth_hours": both["hours_returned_truth"].mean(),
        "mean_error_fraction": both["hours_returned"].mean()
        / both["hours_returned_truth"].mean()
        - 1,
        "coverage_80": covered.mean(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="+", type=int)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = [calibrate(seed, Path(folder)) for seed in args.seeds]
    table = pd.DataFrame(rows)
    print(table.round(3).to_string(index=False))  # noqa: T201 (a bench prints)
    print(f"\nmean coverage {table['coverage_80'].mean():.3f}")  # noqa: T201


if __name__ == "__main__":
    main()
