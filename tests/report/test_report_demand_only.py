"""A pipeline without a capacity stage still gets its report: demand only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from demand.config import load_pipeline
from demand.pipeline import run_pipeline
from demand.report.data import NOT_ASSESSED
from demand.synth import generate_force

ROOT = Path(__file__).resolve().parents[2]

PIPELINE = """
[pipeline]
name = "demand_only"
stages = ["ingest", "series", "forecast", "report"]

[ingest]
paths = ["{raw}"]

[series]
freqs = ["M"]
levels = [[], ["area"]]

[forecast]
models = ["seasonal_naive"]
operational_days = 0
backtest = false
n_jobs = 1

[report]
assumptions = "{root}/pipelines/assumptions/northshire.toml"
out_dir = "{out}/reports"
exports_dir = "{out}/processed"
"""


@pytest.fixture(scope="module")
def demand_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report folder of a synthetic store with forecasts and no capacity."""
    base = tmp_path_factory.mktemp("demand_only")
    generate_force(base / "raw", years=2, end=date(2025, 3, 31), seed=7)
    pipeline = base / "pipeline.toml"
    pipeline.write_text(
        PIPELINE.format(raw=base / "raw", root=ROOT, out=base), encoding="utf-8"
    )
    result = run_pipeline(load_pipeline(pipeline), base / "s.duckdb", log_dir=base)
    assert result.status == "ok", result.error
    assert {s.stage: s.status for s in result.stages}["report"] == "ran"
    return base / "reports" / "demand_only" / "latest"


def test_report_without_capacity_says_not_assessed(demand_only: Path) -> None:
    html = (demand_only / "report.html").read_text(encoding="utf-8")
    assert NOT_ASSESSED in html
    assert "People needed against the establishment are not assessed" in html
    assert "FMS risks are not graded" in html
    assert 'data-chart="forecast-calls"' in html  # demand charts still drawn
    assert 'data-chart="capacity"' not in html


def test_report_without_capacity_writes_workbook_and_csvs(demand_only: Path) -> None:
    for name in ("fms.xlsx", "fms_areas.csv", "fms_risks.csv", "capacity.csv"):
        assert (demand_only / name).is_file(), name
    risks = pd.read_csv(demand_only / "fms_risks.csv")
    assert len(risks) and set(risks["grade"]) == {"not graded"}
    assert risks["p_demand_exceeds_capacity"].isna().all()
    areas = pd.read_csv(demand_only / "fms_areas.csv")
    assert set(areas["basis"]) == {NOT_ASSESSED}
    assert areas["department_gap_fte"].isna().all()
    assert pd.read_csv(demand_only / "capacity.csv").empty
    sheets = pd.read_excel(demand_only / "fms.xlsx", sheet_name=None)
    assert {"fms_risks", "fms_areas", "capacity"} <= set(sheets)


def test_streams_outside_northshire_fall_back_to_their_names(
    demand_only: Path,
) -> None:
    from demand.capacity.assumptions import load_assumptions
    from demand.report.data import split_unique_id
    from demand.report.summary import summary_sentences

    ids = pd.Series(["asb", "crimes/offence_group=theft", "calls/area=Eastmoor"])
    assert split_unique_id(ids).tolist() == ["force", "other", "Eastmoor"]
    rename = {"calls": "asb", "crimes": "counts"}
    areas = pd.read_csv(demand_only / "fms_areas.csv").replace({"stream": rename})
    risks = pd.read_csv(demand_only / "fms_risks.csv").replace({"stream": rename})
    capacity = pd.DataFrame(columns=["department", "financial_year", "fte_mean"])
    sentences = summary_sentences(
        areas,
        risks,
        capacity,
        pd.DataFrame(columns=["scenario", "financial_year", "basis"]),
        load_assumptions(ROOT / "pipelines" / "assumptions" / "northshire.toml"),
        assessed=False,
    )
    assert any(s.startswith("asb are forecast") for s in sentences["Demand"])
    assert any(s.startswith("counts are forecast") for s in sentences["Demand"])
