"""Fixtures of the report tests: one small store, run through every stage once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from demand.config import load_pipeline
from demand.pipeline import run_pipeline
from demand.synth import generate_force

ROOT = Path(__file__).resolve().parents[2]

PIPELINE = """
[pipeline]
name = "rep"
stages = ["ingest", "series", "forecast", "capacity", "report"]

[ingest]
paths = ["{raw}"]

[series]
freqs = ["h", "M"]
levels = [[], ["area"]]
measures = ["count", "officer_hours"]

[forecast]
models = ["auto_ets"]
hourly_streams = ["incidents"]
hourly_history_weeks = 4
operational_days = 0
backtest = false
n_jobs = 1

[capacity]
assumptions = "{root}/pipelines/assumptions/northshire.toml"
scenarios = ["{root}/pipelines/scenarios/rcrp_phase2.toml"]

[report]
out_dir = "{out}/reports"
exports_dir = "{out}/processed"
publish = true
disclosure_threshold = 10
"""


@dataclass(frozen=True)
class ReportRun:
    """A store after one run of every stage, and where the run wrote."""

    db: Path
    pipeline: Path
    run_id: str
    folder: Path
    exports: Path


@pytest.fixture(scope="session")
def report_run(tmp_path_factory: pytest.TempPathFactory) -> ReportRun:
    """Two synthetic years of Northshire, ingested, forecast, sized and reported."""
    base = tmp_path_factory.mktemp("report")
    generate_force(base / "raw", years=2, end=date(2025, 3, 31), seed=5)
    pipeline = base / "pipeline.toml"
    pipeline.write_text(
        PIPELINE.format(raw=base / "raw", root=ROOT, out=base), encoding="utf-8"
    )
    result = run_pipeline(load_pipeline(pipeline), base / "s.duckdb", log_dir=base)
    assert result.status == "ok", result.error
    return ReportRun(
        db=base / "s.duckdb",
        pipeline=pipeline,
        run_id=result.run_id,
        folder=base / "reports" / "rep" / result.run_id,
        exports=base / "processed",
    )
