"""Each example pipeline runs end to end on the real data."""

from __future__ import annotations

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
    result = run_pipeline(config, tmp_path / "demand.duckdb", log_dir=tmp_path)
    assert result.status == "ok", result.error
    ran = {s.stage: s for s in result.stages}
    assert set(ran) >= {"ingest", "series", "forecast"}
    assert all(s.status == "ran" and s.rows > 0 for s in ran.values())
