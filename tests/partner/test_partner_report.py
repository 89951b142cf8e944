"""Reports of forces without RCRP data or a go-live date: said, nothing invented."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from partner_helpers import ASSUMPTIONS, keep_streams

from demand.config import load_pipeline
from demand.pipeline import run_pipeline
from demand.synth import generate_force

PIPELINE = """
[pipeline]
name = "{name}"
stages = ["ingest", "series", "forecast", "report"]

[ingest]
paths = ["{raw}"]

[series]
streams = ["incidents", "mental_health"]
freqs = ["M"]
levels = [[]]

[forecast]
models = ["seasonal_naive"]
operational_days = 0
backtest = false
n_jobs = 1

[report]
assumptions = "{assumptions}"
out_dir = "{out}/reports"
exports_dir = "{out}/processed_{name}"
"""


def _report(base: Path, name: str, raw: Path, assumptions: Path) -> Path:
    pipeline = base / f"{name}.toml"
    text = PIPELINE.format(name=name, raw=raw, assumptions=assumptions, out=base)
    pipeline.write_text(text, encoding="utf-8")
    result = run_pipeline(
        load_pipeline(pipeline), base / f"{name}.duckdb", log_dir=base
    )
    assert result.status == "ok", result.error
    return base / "reports" / name / "latest"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two reports: a force with no mental-health extract, and one without a
    go-live date in its assumptions."""
    base = tmp_path_factory.mktemp("partner_report")
    generate_force(base / "raw", years=2, end=date(2025, 3, 31), seed=3)
    keep_streams(base / "raw", {"incidents", "mental_health"})
    no_mh = base / "raw_no_mh"
    shutil.copytree(base / "raw", no_mh)
    shutil.rmtree(no_mh / "mental_health")
    scenario = ASSUMPTIONS.parent.parent / "scenarios" / "rcrp_phase2.toml"
    text = ASSUMPTIONS.read_text(encoding="utf-8")
    assert "rcrp_date = 2023-07-01\n" in text
    text = text.replace("rcrp_date = 2023-07-01\n", "").replace(
        '"../scenarios/rcrp_phase2.toml"', f'"{scenario}"'
    )
    undated = base / "no_rcrp_date.toml"
    undated.write_text(text, encoding="utf-8")
    return {
        "no_data": _report(base, "no_mh", no_mh, ASSUMPTIONS),
        "no_date": _report(base, "no_date", base / "raw", undated),
    }


def _hours_rows(folder: Path) -> pd.DataFrame:
    table = pd.read_csv(folder / "partner_demand.csv")
    return table[
        table["section"].isin(
            ["hours_returned", "cumulative_hours_returned", "phase", "practice"]
        )
    ]


def test_a_force_without_rcrp_data_gets_a_report_saying_so(reports) -> None:
    folder = reports["no_data"]
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="partner"' in html
    assert "No mental-health incidents are in the store" in html
    assert 'data-chart="hours-returned"' not in html
    hours = _hours_rows(folder)
    assert len(hours) == 1 and hours["value"].isna().all()
    assert "no mental-health incidents" in hours["note"].iloc[0]
    table = pd.read_csv(folder / "partner_demand.csv")
    measures = table[table["section"] == "measures"]
    assert measures["value"].isna().all()  # no mental-health figure is invented


def test_a_force_without_a_go_live_date_gets_a_report_saying_so(reports) -> None:
    folder = reports["no_date"]
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "the force has no RCRP go-live date" in html
    assert 'data-chart="hours-returned"' not in html
    assert "below pre-go-live practice" not in html
    hours = _hours_rows(folder)
    assert len(hours) == 1 and hours["value"].isna().all()
    # what the store holds is still measured: incidents, attendance, S136
    table = pd.read_csv(folder / "partner_demand.csv")
    incidents = table[table["measure"] == "mental_health_incidents"]
    assert incidents["value"].sum() > 0
    sheets = pd.read_excel(folder / "fms.xlsx", sheet_name=None)
    assert "partner_demand" in sheets and len(sheets["partner_demand"]) == len(table)
