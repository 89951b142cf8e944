"""Each example pipeline runs end to end on the real data and writes its report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from demand.config import load_pipeline
from demand.pipeline import run_pipeline

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ["london_city_crime", "alexandria_cad", "denver_calls"]

pytestmark = [pytest.mark.real_data, pytest.mark.slow]


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_pipeline_runs_end_to_end(
    name: str, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(ROOT)  # the pipelines name ../shared/data from the repo root
    config = load_pipeline(ROOT / "pipelines" / "examples" / f"{name}.toml")
    report = replace(
        config.report,
        out_dir=str(tmp_path / "reports"),
        exports_dir=str(tmp_path / "processed"),
    )  # written in tmp_path, not the repository
    config = replace(config, report=report)
    result = run_pipeline(config, tmp_path / "demand.duckdb", log_dir=tmp_path)
    assert result.status == "ok", result.error
    ran = {s.stage: s for s in result.stages}
    assert set(ran) >= {"ingest", "series", "forecast", "report"}
    assert all(s.status == "ran" and s.rows > 0 for s in ran.values())
    latest = tmp_path / "reports" / name / "latest"
    html = (latest / "report.html").read_text(encoding="utf-8")
    assert "not assessed: this pipeline has no capacity stage" in html
    for table in ("fms.xlsx", "fms_areas.csv", "fms_risks.csv"):
        assert (latest / table).is_file(), table
