"""Forecast against outturn and what changed: a pipeline run twice, the first
time with its history cut short, so its forecasts can be judged."""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from demand.config import load_pipeline
from demand.context import PipelineContext
from demand.pipeline import run_pipeline
from demand.report.build import build_report
from demand.report.outturn import (
    BACKTEST_LABEL,
    SHIFT_MONTHS,
    Outturn,
    outturn_table,
    read_outturn,
    shifted_streams,
)
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


def _months(y: list[float], stream: str = "calls") -> pd.DataFrame:
    """Force-wide monthly outturn rows: forecast 100 (80 % range 90-110) each month."""
    n = len(y)
    return pd.DataFrame(
        {
            "unique_id": stream,
            "stream": stream,
            "area": "force",
            "ds": pd.date_range("2025-01-01", periods=n, freq="MS"),
            "model": "auto",
            "mean": 100.0,
            "lo_80": 90.0,
            "hi_80": 110.0,
            "y": y,
        }
    )


@pytest.mark.parametrize(
    ("y", "side"),
    [
        ([100, 100, 100, 120, 125, 130], "above"),
        ([100, 100, 100, 80, 70, 85], "below"),
        ([130, 130, 130, 100, 120, 125], None),  # the latest month is in range
        ([100, 100, 100, 120, 80, 130], None),  # outside on both sides
        ([120, 125], None),  # too few months to tell
    ],
)
def test_a_run_of_misses_on_one_side_flags_a_possible_shift(y, side):
    outturn = Outturn("backtest", "r1", _months([float(v) for v in y]))
    shifts = shifted_streams(outturn)
    if side is None:
        assert shifts.empty
        return
    assert len(shifts) == 1  # one stream, one row
    row = shifts.iloc[0]
    assert (row["stream"], row["side"]) == ("calls", side)
    assert (row["first_month"], row["last_month"]) == ("Apr 2025", "Jun 2025")
    assert row["forecast"] == 300.0
    assert row["outturn"] == float(sum(y[-SHIFT_MONTHS:]))


def test_area_rows_do_not_flag_the_force():
    frame = pd.concat([_months([100.0] * 6), _months([150.0] * 6).assign(area="north")])
    assert shifted_streams(Outturn("backtest", "r1", frame)).empty


def test_report_flags_a_stream_whose_latest_months_missed_its_range(two_runs, tmp_path):
    # The same two runs, but the last three recorded months of incidents lifted
    # well above anything the first run forecast for them.
    db = tmp_path / "shifted.duckdb"
    shutil.copy(two_runs.db, db)
    config = load_pipeline(two_runs.db.parent / "second.toml")
    section = dataclasses.replace(config.report, out_dir=tmp_path / "reports")
    with Store(db) as store:
        store.con.execute(
            "UPDATE demand SET y = y * 1.6 WHERE stream = 'incidents' AND freq = 'M' "
            "AND measure = 'count' AND ds >= '2025-01-01'"
        )
        build_report(store, section, PipelineContext("twice", two_runs.second, db=db))
    html = (tmp_path / "reports" / "twice" / two_runs.second / "report.html").read_text(
        "utf-8"
    )
    outturn = html[html.index('id="outturn"') : html.index('id="changes"')]
    assert 'data-shift="incidents"' in outturn
    assert "(Jan 2025 to Mar 2025) all fell above the forecast" in outturn
    assert outturn.count("Possible shift.") == 1  # only the stream that moved
    summary = html[html.index('id="summary"') : html.index('id="outturn"')]
    assert "Possible shift:</span> Incidents ran outside its forecast range" in summary
    unshifted = (two_runs.reports / two_runs.second / "report.html").read_text("utf-8")
    assert "Possible shift" not in unshifted
