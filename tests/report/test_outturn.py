"""Forecast against outturn and what changed: a pipeline run twice, the first
time with its history cut short, so its forecasts can be judged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from demand.config import load_pipeline
from demand.pipeline import run_pipeline
from demand.report.outturn import BACKTEST_LABEL, outturn_table, read_outturn
from demand.store import Store
from demand.synth import generate_force

ROOT = Path(__file__).resolve().parents[2]

PIPELINE = """
[pipeline]
name = "twice"
stages = ["ingest", "series", "forecast", "capacity", "report"]

[ingest]
paths = ["{raw}"]

[series]
freqs = ["M"]
levels = [[], ["area"]]
measures = ["count", "officer_hours"]

[forecast]
models = ["auto_ets"]
hourly_streams = []
operational_days = 0
backtest = {backtest}
backtest_windows = 1
n_jobs = 1
{train_end}

[capacity]
assumptions = "{root}/pipelines/assumptions/northshire.toml"

[report]
out_dir = "{out}/reports"
exports_dir = "{out}/processed"
publish = false
"""


@dataclass(frozen=True)
class TwoRuns:
    db: Path
    first: str
    second: str
    reports: Path


def _run(base: Path, name: str, backtest: bool, train_end: str) -> str:
    path = base / f"{name}.toml"
    path.write_text(
        PIPELINE.format(
            raw=base / "raw",
            root=ROOT,
            out=base,
            backtest=str(backtest).lower(),
            train_end=f'train_end = "{train_end}"' if train_end else "",
        ),
        encoding="utf-8",
    )
    result = run_pipeline(load_pipeline(path), base / "s.duckdb", log_dir=base)
    assert result.status == "ok", result.error
    return result.run_id


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    """Run 1 holds back the last six months (and backtests); run 2 sees all."""
    base = tmp_path_factory.mktemp("twice")
    generate_force(base / "raw", years=2, end=date(2025, 3, 31), seed=11)
    first = _run(base, "first", True, "2024-09-30")
    second = _run(base, "second", False, "")
    return TwoRuns(base / "s.duckdb", first, second, base / "reports" / "twice")


def test_first_run_reports_the_backtest_labelled_as_a_stand_in(two_runs):
    html = (two_runs.reports / two_runs.first / "report.html").read_text("utf-8")
    assert 'data-outturn="backtest"' in html
    assert BACKTEST_LABEL in html
    assert "First run: there is no earlier run of this pipeline" in html


def test_second_run_puts_the_first_runs_forecast_beside_the_outturn(two_runs):
    with Store(two_runs.db, read_only=True) as store:
        outturn = read_outturn(store, "twice", two_runs.second)
        recorded = store.con.execute(
            "SELECT sum(y) FROM demand WHERE unique_id = 'incidents' AND freq = 'M' "
            "AND measure = 'count' AND ds >= '2024-10-01' AND ds < '2025-04-01'"
        ).fetchone()[0]
    assert outturn.kind == "forecast" and outturn.run_id == two_runs.first
    table = outturn_table(outturn).set_index("stream")
    # Six months held back, October to March, each recorded and forecast.
    assert table.loc["incidents", "months"] == 6
    assert table.loc["incidents", "first_month"] == "Oct 2024"
    assert table.loc["incidents", "outturn"] == pytest.approx(recorded)
    assert 0 <= table.loc["incidents", "months_inside_80"] <= 6
    html = (two_runs.reports / two_runs.second / "report.html").read_text("utf-8")
    assert 'data-outturn="forecast"' in html
    assert f"forecast made at the time by run {two_runs.first}" in html
    assert 'data-chart="outturn"' in html


def test_second_run_says_what_changed_since_the_first(two_runs):
    html = (two_runs.reports / two_runs.second / "report.html").read_text("utf-8")
    changes = html[html.index('id="changes"') : html.index('id="demand"')]
    assert f"Compared with forecast run {two_runs.first}" in changes
    assert "previous run" in changes and "this run" in changes
    assert "gap in" in changes and "demand in" in changes
