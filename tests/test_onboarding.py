"""A non-UK call log onboarded by configuration only, from raw file to report.

The fixture (tests/data/us_cad) is a synthetic US agency over seven months: a
call log of 60 lines (dates month-first with two-digit years in one column and
the time of day in others, priorities P1-P5, call types matched by prefix and
pattern, stored duplicates and test calls to drop), a phone log of its 911 and
10-digit lines, its posts, and its own assumptions; a fiscal year from July.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from demand.cli import cli
from demand.store import Store

ROOT = Path(__file__).resolve().parents[1]
US_CAD = ROOT / "tests" / "data" / "us_cad"


@pytest.fixture
def onboarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the fixture's pipeline in a copy of its folder; return the folder."""
    folder = tmp_path / "agency"
    shutil.copytree(US_CAD, folder)
    monkeypatch.chdir(folder)
    run = CliRunner().invoke(cli, ["run", "pipeline.toml", "--db", "s.duckdb"])
    assert run.exit_code == 0, run.output
    return folder


def test_us_call_log_goes_from_raw_file_to_a_report_of_daily_forecasts(
    onboarded: Path,
):
    with Store(onboarded / "s.duckdb", read_only=True) as store:
        con = store.con
        read, loaded = con.execute(
            "SELECT sum(rows_read), sum(rows_loaded) FROM ingest_log "
            "WHERE stream = 'incidents'"
        ).fetchone()
        # 60 lines, less a stored duplicate and a test call dropped by pattern,
        # less two repeated calls rejected as duplicate keys.
        assert (read, loaded) == (58, 56)
        # The phone log says 911 and 10-digit, the call log P1-P5: no [values]
        # table maps them; the pipeline names them and the store keeps the roles.
        lines = con.execute(
            "SELECT line, count(*) FROM calls GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert lines == [("101", 45), ("999", 34)]
        grades = con.execute("SELECT DISTINCT grade FROM incidents").fetchall()
        assert {g for (g,) in grades} == {"G1", "G2", "G3", "G4", "RWD"}
        assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 3
        hours = con.execute(
            "SELECT count(DISTINCT hour(timezone('America/New_York', created_at))) "
            "FROM incidents"
        ).fetchone()[0]
        assert hours > 12  # times of day kept, not all at midnight
        daily = con.execute(
            "SELECT unique_id, count(*) FROM forecasts WHERE freq = 'D' "
            "AND horizon = 'operational' GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert ("incidents", 28) in daily and ("mental_health", 28) in daily
        assert ("calls", 28) in daily
        last_ds = con.execute(
            "SELECT max(ds) FROM demand WHERE freq = 'M' AND unique_id = 'incidents'"
        ).fetchone()[0]

    report = onboarded / "reports" / "us_cad" / "latest"
    html = (report / "report.html").read_text(encoding="utf-8")
    # The summary states the daily forecasts and what a short history allows.
    summary = html[html.index('id="summary"') : html.index('id="demand"')]
    assert "Next weeks" in summary
    assert re.search(
        r"Incidents: \d+\.\d a day are expected over the next 28 days", summary
    )
    assert "7 months of history" in summary
    assert "There are no forecasts to summarise" not in html
    # The report says the agency's lines and priorities, never the UK's.
    assert "911 and 10-digit calls" in summary
    assert "to answer 90% of 911 calls in 15 seconds" in summary
    assert "999 calls" not in html and "999 and 101" not in html
    assert "call_lines.999 (911)" in html  # the assumptions appendix
    assert "$" in summary and "£" not in summary
    # "Models and why" names the series each choice covers.
    models = html[html.index("Models and why") : html.index("Backtest accuracy")]
    assert "<th" in models and ">areas<" in models
    assert "force, Beat 1, Beat 2" in models
    # The incidents' two duplicates are one row of the data-quality table, not
    # one each (the mental-health stream has one of them: its own row).
    quality = html[html.index("Data quality") :]
    assert quality.count("duplicate key") == 2
    assert "first seen on line" not in quality
    # A chart of the monthly forecast (the naive fallback's: the configured
    # auto_ets could not fit seven months) and of the daily one per stream.
    assert 'data-chart="forecast-incidents"' in html
    for stream in ("incidents", "mental_health"):
        start = html.index(f'data-chart="daily-{stream}"')
        assert "<svg" in html[start : start + 400]

    # Fiscal years run July to June: the forecast year after the history's
    # last month (July 2021) is 2021/22, which ends in June 2022; capacity
    # counts in the same years and sizes each department on all 12 months.
    areas = pd.read_csv(report / "fms_areas.csv")
    years = set(areas["financial_year"])
    assert pd.Timestamp(last_ds).month == 7
    assert years == {"2021/22"}
    capacity = pd.read_csv(report / "capacity.csv").set_index("department")
    assert set(capacity["financial_year"]) == {"2021/22"}
    assert set(capacity["periods"]) == {12}
    room = capacity.loc["control_room"]
    assert room["service_measure"].startswith("911 calls answered within 15 s")
    assert room["establishment_fte"] == 12


def test_demand_ingest_reads_the_lines_and_priorities_the_pipeline_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # docs/onboarding.md, "Load and check": the maps have no [values.line] or
    # [values.grade]; --pipeline gives ingest the agency's names for them.
    shutil.copytree(US_CAD, tmp_path / "agency")
    monkeypatch.chdir(tmp_path / "agency")
    runner = CliRunner()
    load = ["ingest", "raw", "--adapter", "maps", "--pipeline", "pipeline.toml"]
    out = runner.invoke(cli, [*load, "--db", "us.duckdb"])
    assert out.exit_code == 0, out.output
    assert "163 rows read = 160 loaded + 3 rejected" in out.output
    rejects = runner.invoke(
        cli, ["quality", "--db", "us.duckdb", "--show", "rejects", "--csv"]
    )
    assert rejects.exit_code == 0, rejects.output
    assert "duplicate key incident_id within the file" in rejects.output
    # Without the pipeline's names the phone log's 911 and 10-digit are unknown.
    bare = runner.invoke(cli, [*load[:4], "--db", "bare.duckdb"])
    assert "163 rows read = 25 loaded + 138 rejected" in bare.output
