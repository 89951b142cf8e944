"""demand quality: gaps judged against chance, no time of day, the maps' zone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from demand.cli import cli
from demand.config import load_pipeline
from demand.ingest import ingest
from demand.quality import NO_TIME_OF_DAY, quality_report
from demand.store import Store

US_CAD = Path(__file__).resolve().parent / "data" / "us_cad"
US_NAMES = load_pipeline(US_CAD / "pipeline.toml").ingest.names


def _add(store: Store, days: pd.DatetimeIndex, area: str, per_day: int) -> None:
    rows = [
        (f"{area}{d:%Y%m%d}-{i}", f"{d:%Y-%m-%d} 12:{i:02d}+00", "G1", area)
        for d in days
        for i in range(per_day)
    ]
    store.con.executemany(
        "INSERT INTO incidents (incident_id, created_at, grade, area, source_file, "
        "loaded_at) VALUES (?, CAST(? AS TIMESTAMPTZ), ?, ?, 't', now())",
        rows,
    )


def test_gaps_are_runs_of_empty_days_that_chance_does_not_explain(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    days = pd.date_range("2021-01-01", "2021-03-31", freq="D")
    # A busy stream (20 a day) missing two days: a gap in the data.
    busy = days[(days < "2021-02-10") | (days > "2021-02-11")]
    _add(store, busy, "Busy", 20)
    report = quality_report(store, ["incidents"], "UTC")
    assert report.gaps[["gap_start", "periods"]].values.tolist() == [
        [pd.Timestamp("2021-02-10"), 2]
    ]
    # A quiet stream (one every 9 days) has 8 empty days between events by
    # chance: with mental-health incidents, none of them is a gap.
    store.con.execute("DELETE FROM incidents")
    _add(store, days[::9], "Quiet", 1)
    quiet = quality_report(store, ["incidents"], "UTC")
    assert quiet.summary["empty_periods"].iloc[0] > 70
    assert quiet.gaps.empty


def test_quality_flags_a_stream_without_time_of_day(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    _add(store, pd.date_range("2021-01-01", periods=5, freq="D"), "A", 1)
    store.con.execute(
        "UPDATE incidents SET created_at = CAST(created_at AS DATE)::TIMESTAMPTZ"
    )
    note = quality_report(store, ["incidents"], "UTC").summary["note"].iloc[0]
    assert note == NO_TIME_OF_DAY
    assert (
        quality_report(store, ["incidents"], "Asia/Tokyo").summary["note"].iloc[0] == ""
    )


def test_quality_counts_days_in_the_column_maps_zone_by_default(tmp_path):
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        ingest(store, [US_CAD / "raw"], adapter=US_CAD / "maps", names=US_NAMES)
        first = quality_report(store, ["incidents"]).summary["first"].iloc[0]
        note = quality_report(store, ["incidents"]).summary["note"].iloc[0]
    # 01/03/21 21:04 in New York is 4 January in London.
    assert first == pd.Timestamp("2021-01-03")
    assert note == ""
    out = CliRunner().invoke(cli, ["quality", "--db", str(db), "--csv"])
    assert out.exit_code == 0, out.output
    assert "incidents,56,2021-01-03" in out.output


def test_quality_counts_days_in_the_pipelines_zone_when_given_one(tmp_path):
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        ingest(store, [US_CAD / "raw"], adapter=US_CAD / "maps", names=US_NAMES)
    pipeline = tmp_path / "p.toml"
    pipeline.write_text(
        '[pipeline]\nname = "p"\nstages = ["series"]\n\n'
        '[series]\nfreqs = ["D"]\ntimezone = "Europe/London"\n'
    )
    args = ["quality", "--db", str(db), "--csv", "--pipeline", str(pipeline)]
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, out.output
    # 01/03/21 21:04 in New York is 4 January in the pipeline's London.
    assert "incidents,56,2021-01-04" in out.output
