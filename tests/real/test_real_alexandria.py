"""Alexandria CAD: one extract feeds four streams; mixes and times match the files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demand.quality import quality_report

pytestmark = pytest.mark.real_data

ZONE = "America/New_York"


def _cad(folder: Path) -> pd.DataFrame:
    frames = [
        pd.read_csv(f, dtype=str, keep_default_na=False).assign(file=f.name)
        for f in sorted(folder.glob("week[0-9][0-9].csv"))
    ]
    return pd.concat(frames, ignore_index=True).replace("NULL", "")


def _police(raw: pd.DataFrame) -> pd.DataFrame:
    """Police incidents as the map reads them, computed without `demand`."""
    police = raw[(raw["Agency"] == "POLICE") & (raw["Priority_Number"] != "8")]
    police = police[police["Master_Incident_Number"] != ""]
    return police[police["Priority_Number"].isin(["1", "2", "3", "4"])]


def _utc(text: pd.Series) -> pd.Series:
    local = pd.to_datetime(text.replace("", None), format="ISO8601")
    # The store reads the repeated autumn hour as its second (standard) occurrence.
    flags = np.zeros(len(local), dtype=bool)
    return local.dt.tz_localize(ZONE, ambiguous=flags).dt.tz_convert("UTC")


def test_each_file_feeds_every_stream_and_loses_no_row(alexandria, shared_data):
    store, result = alexandria
    assert result.ok
    streams: dict[Path, dict[str, int]] = {}
    for f in result.files:
        assert f.rows_read == f.rows_loaded + f.rows_rejected, f
        streams.setdefault(f.file, {})[f.stream] = f.rows_read
    cad = {p: s for p, s in streams.items() if "phone" not in p.name}
    assert len(cad) == 18
    for path, read in cad.items():
        assert set(read) == {"calls", "incidents", "mental_health", "missing_persons"}
        with path.open(encoding="utf-8", newline="") as fh:
            rows = sum(1 for _ in csv.reader(fh)) - 1
        assert read["incidents"] <= rows
    phone = [f for f in result.files if "phone" in f.file.name]
    assert len(phone) == 9
    assert all(f.rows_loaded == 168 for f in phone)  # the BOM header was read


def test_priority_mix_matches_a_direct_count(alexandria, shared_data):
    store, _ = alexandria
    police = _police(_cad(shared_data / "alexandria_cad"))
    direct = police["Priority_Number"].map(lambda p: f"G{p}").value_counts()
    got = dict(
        store.con.execute("SELECT grade, count(*) FROM incidents GROUP BY 1").fetchall()
    )
    assert got == direct.to_dict()
    assert sum(got.values()) == 18_102
    share = {g: round(n / sum(got.values()), 3) for g, n in sorted(got.items())}
    assert share == {"G1": 0.042, "G2": 0.611, "G3": 0.094, "G4": 0.253}


def test_median_time_on_scene_by_priority_matches_the_files(alexandria, shared_data):
    store, _ = alexandria
    police = _police(_cad(shared_data / "alexandria_cad"))
    on_scene = (
        _utc(police["Incident_First_Close_Time"])
        - _utc(police["Incident_Arrival_Time"])
    ).dt.total_seconds()
    direct = on_scene.groupby(police["Priority_Number"].map(lambda p: f"G{p}")).median()
    got = dict(
        store.con.execute(
            "SELECT grade, median(epoch(cleared_at) - epoch(arrived_at)) "
            "FROM incidents WHERE arrived_at IS NOT NULL AND cleared_at IS NOT NULL "
            "GROUP BY 1"
        ).fetchall()
    )
    assert got.keys() == direct.dropna().to_dict().keys()
    for grade, seconds in direct.dropna().items():
        assert got[grade] == pytest.approx(seconds, abs=0.01), grade


def test_mental_health_and_missing_person_types_are_routed(alexandria, shared_data):
    store, _ = alexandria
    raw = _cad(shared_data / "alexandria_cad")
    raw = raw[raw["Master_Incident_Number"] != ""]
    mh = raw["Problem"].str.contains("MENTAL|SUICIDE|PSYCHIATRIC")
    assert store.count("mental_health") == int(mh.sum())
    missing = raw["Problem"].isin(
        ["MISSING PERSON CRITICAL", "MISSING PERSON IMMEDIATE"]
    ) | raw["Problem"].str.match("RUNAWAY (IN PROG|NOT ON SCENE)")
    assert store.count("missing_persons") == int(missing.sum())
    officer = store.con.execute(
        "SELECT count(*) FROM incidents WHERE qualifiers = 'officer_initiated'"
    ).fetchone()[0]
    police = _police(raw)
    direct = police["Call_Reception"].isin(["OFFICER", "Flag Down"]).sum()
    assert officer == direct == 2_640


def test_missing_and_repeated_incident_numbers_are_rejected_with_reasons(alexandria):
    store, _ = alexandria
    report = quality_report(store, timezone=ZONE)
    reasons = report.rejects.set_index(["stream", "reason"])["rows"]
    assert reasons[("incidents", "missing required value")] == 10
    assert reasons.filter(like="grade").sum() == 22  # priorities 0, 5 and 6
    # The phone file of week 50 repeats 24 hours and lacks 10 December; the
    # autumn clock change has 25 hours but the file lists 24 (one 01:00).
    assert report.duplicates["rows"].sum() == 24
    gaps = report.gaps[report.gaps["series"] == "alexandria_911_calls"]
    assert gaps["periods"].tolist() == [1, 24]
    assert gaps["gap_start"].astype(str).tolist() == [
        "2025-11-02 01:00:00",
        "2025-12-10 00:00:00",
    ]


def test_no_staff_name_or_address_column_reaches_the_store(alexandria):
    store, _ = alexandria
    columns = {
        r[0].lower()
        for r in store.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE NOT internal"
        ).fetchall()
    }
    banned = {"call_taker", "dispatcher", "address", "location", "disposition"}
    assert not columns & banned
