"""FMS tables: every area, four years with intervals, Poisson Z, graded, queryable."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from demand.cli import cli
from demand.report.fms import poisson_z
from demand.store import Store


@pytest.mark.parametrize(("current", "past"), [(25, 16), (9, 4)])
def test_poisson_z_matches_the_known_answers(current: int, past: int) -> None:
    assert poisson_z(current, past) == pytest.approx(2.0)


def test_fms_view_lists_every_area_with_four_forecast_years(report_run) -> None:
    with Store(report_run.db, read_only=True) as store:
        areas = store.con.execute("SELECT * FROM fms_areas").df()
        risks = store.con.execute("SELECT * FROM fms_risks").df()
    streams = {"calls", "incidents", "mental_health", "missing_persons", "crimes"}
    assert set(areas["stream"]) == streams
    per_area = areas.groupby(["stream", "area"])["kind"].value_counts().unstack()
    assert (per_area["actual"] == 1).all() and (per_area["forecast"] == 4).all()
    fc = areas[areas["kind"] == "forecast"]
    assert (fc["demand_lo_80"] <= fc["demand"]).all()
    assert (fc["demand"] <= fc["demand_hi_80"]).all()
    assert (fc["demand_lo_95"] <= fc["demand_lo_80"]).all()
    assert fc["grade"].isin(["low", "medium", "high", "very high"]).all()
    assert fc["workload_hours"].gt(0).all()
    current = areas[areas["kind"] == "actual"].set_index(["stream", "area"])["demand"]
    expected = poisson_z(
        fc["demand"], fc.set_index(["stream", "area"]).index.map(current)
    )
    assert (fc["poisson_z"] - expected).abs().max() < 1e-9
    streams_only = risks[risks["stream"] != "all streams"]
    assert len(streams_only) == len(per_area)  # low-risk areas are listed too
    force = areas[areas["area"] == "force"].groupby(["stream", "financial_year"])
    parts = areas[areas["area"] != "force"].groupby(["stream", "financial_year"])
    share = (parts["demand"].sum() / force["demand"].sum()).dropna()
    assert share.between(0.97, 1.03).all()  # areas add up to the force


def test_published_tables_suppress_small_counts_consistently(report_run) -> None:
    published = pd.read_csv(report_run.folder / "published" / "fms_areas.csv")
    shown = published["demand"].dropna()
    assert not ((shown > 0) & (shown < 10)).any()
    hidden = published[published["suppressed"]]
    per_group = hidden.groupby(["stream", "financial_year"]).size()
    assert not (per_group == 1).any()  # never one lone blank a total gives away


def test_fms_command_prints_the_risk_register(report_run, tmp_path) -> None:
    base = str(report_run.db.parent)  # a copy, so the shared run stays the latest
    text = report_run.pipeline.read_text(encoding="utf-8")
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text(
        text.replace(f"{base}/reports", f"{tmp_path}/reports").replace(
            f"{base}/processed", f"{tmp_path}/processed"
        ),
        encoding="utf-8",
    )
    shutil.copy(report_run.db, tmp_path / "s.duckdb")
    args = ["fms", "--pipeline", str(pipeline), "--db", str(tmp_path / "s.duckdb")]
    result = CliRunner().invoke(cli, [*args, "--csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("stream,area,current,year,forecast")
    assert any(line.startswith("calls,force,") for line in lines)
    assert (tmp_path / "reports" / "rep" / "latest" / "fms.xlsx").is_file()
