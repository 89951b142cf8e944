"""The whole journey through the CLI: raw extracts to the establishment gap table."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from demand.cli import cli
from demand.schemas import DEPARTMENTS
from demand.store import Store
from demand.synth import generate_force

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demand_run_goes_from_extracts_to_the_gap_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_force(tmp_path / "raw", years=2, end=date(2025, 3, 31), seed=5)
    shutil.copytree(ROOT / "pipelines", tmp_path / "pipelines")
    shutil.copy(ROOT / "tests" / "data" / "pipeline.toml", tmp_path / "pipeline.toml")
    monkeypatch.chdir(tmp_path)

    run = CliRunner().invoke(cli, ["run", "pipeline.toml", "--db", "s.duckdb"])
    assert run.exit_code == 0, run.output
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        gaps = store.con.execute(
            "SELECT department, financial_year, fte_mean, fte_lo_80, fte_hi_80, "
            "establishment_fte, gap_fte FROM capacity WHERE basis = 'workload'"
        ).df()
        scenarios = store.con.execute("SELECT DISTINCT scenario FROM scenarios").df()
    assert set(gaps["department"]) == set(DEPARTMENTS)
    assert sorted(gaps["financial_year"].unique()) == [
        "2025/26",
        "2026/27",
        "2027/28",
        "2028/29",
    ]
    assert (gaps["fte_lo_80"] <= gaps["fte_mean"]).all()
    assert (gaps["fte_mean"] <= gaps["fte_hi_80"]).all()
    assert (
        gaps["gap_fte"] - (gaps["fte_mean"] - gaps["establishment_fte"])
    ).abs().max() < 1e-6
    assert "rcrp_phase2" in set(scenarios["scenario"])

    again = CliRunner().invoke(cli, ["run", "pipeline.toml", "--db", "s.duckdb"])
    assert again.exit_code == 0 and again.output.count("skipped") == 4

    capacity = CliRunner().invoke(
        cli, ["capacity", "--pipeline", "pipeline.toml", "--db", "s.duckdb", "--csv"]
    )
    assert capacity.exit_code == 0, capacity.output
    forecast = CliRunner().invoke(
        cli, ["forecast", "--pipeline", "pipeline.toml", "--db", "s.duckdb", "--csv"]
    )
    assert forecast.exit_code == 0, forecast.output
    assert forecast.output.startswith("stream,freq,series,rows,first,last")
    assert "incidents,h," in forecast.output

    rows = capacity.output.splitlines()
    assert rows[0].startswith("department,financial_year,basis,fte")
    assert any(r.startswith("public_protection,2025/26,workload") for r in rows)

    scenario = CliRunner().invoke(
        cli,
        [
            "scenario",
            "pipelines/scenarios/population_growth.toml",
            "--pipeline",
            "pipeline.toml",
            "--db",
            "s.duckdb",
            "--csv",
        ],
    )
    assert scenario.exit_code == 0, scenario.output
    assert "population_growth" in scenario.output
