"""Tests of the synthetic force Northshire: formats, calibration, calendar, faults."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from demand.synth import AREAS, generate_force

# The headers of docs/northshire-extracts.md, in order.
HEADERS = {
    "calls": ("Call Ref,Line,Received,Answered,Wait (s),Talk Time (s),Abandoned,LPA"),
    "incidents": (
        "Incident Number,Created,Grade,Opening Category,LPA,"
        "Dispatched,Arrived,Cleared,Officer Hours,Qualifiers"
    ),
    "mental_health": (
        "Incident Number,Created,LPA,RCRP Category,Police Attended,S136,Officer Hours"
    ),
    "missing_persons": (
        "Report ID,Reported,Risk,Age Band,LPA,Closed,Repeat,Officer Hours"
    ),
    "crimes": "Crime Ref,Recorded,Offence Group,LPA,DA Flag,Outcome",
}
PREFIXES = {
    "calls": "calls",
    "incidents": "incidents",
    "mental_health": "mh",
    "missing_persons": "missing",
    "crimes": "crimes",
}
TIME_COLUMNS = {
    "calls": ("Received", "%d/%m/%Y %H:%M:%S"),
    "incidents": ("Created", "%d/%m/%Y %H:%M"),
    "mental_health": ("Created", "%d/%m/%Y %H:%M"),
    "missing_persons": ("Reported", "%Y-%m-%d %H:%M:%S"),
    "crimes": ("Recorded", "%d/%m/%Y %H:%M"),
}
END = date(2024, 3, 31)  # two years that straddle RCRP's go-live (2023-07-01)
LAST_365_START = pd.Timestamp(END - timedelta(days=364))


@pytest.fixture(scope="module")
def force(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, list[str]]:
    """Northshire, two years with faults, generated once for the module."""
    out = tmp_path_factory.mktemp("northshire")
    seen: list[str] = []
    truth = generate_force(
        out, years=2, end=END, seed=2024, faults=True, progress=seen.append
    )
    return out, truth, seen


def _fault_lines(truth: dict) -> dict[str, set[int]]:
    """File -> physical lines of its bad rows (whole-file faults have no column)."""
    lines: dict[str, set[int]] = {}
    for fault in truth["faults"]:
        if fault["column"] is not None:
            lines.setdefault(fault["file"], set()).add(fault["line"])
    return lines


# Each stream is read once per module; tests filter these frames, never change them.
_READ_CACHE: dict[tuple[str, str], pd.DataFrame] = {}


def _read_stream(out: Path, truth: dict, folder: str) -> pd.DataFrame:
    """Read a stream's monthly files as text, without the bad rows truth lists."""
    key = (str(out), folder)
    if key not in _READ_CACHE:
        bad = _fault_lines(truth)
        frames = []
        for path in sorted((out / folder).glob(f"{PREFIXES[folder]}_????-??.csv")):
            relative = f"{folder}/{path.name}"
            frame = pd.read_csv(
                path, dtype=str, encoding=truth["files"][relative]["encoding"]
            )
            skip = [line - 2 for line in bad.get(relative, ())]
            frames.append(frame.drop(index=skip))
        _READ_CACHE[key] = pd.concat(frames, ignore_index=True)
    return _READ_CACHE[key]


def _times(frame: pd.DataFrame, folder: str) -> pd.Series:
    column, layout = TIME_COLUMNS[folder]
    return pd.to_datetime(frame[column], format=layout)


def _last_365_daily_mean(times: pd.Series) -> float:
    return float((times >= LAST_365_START).sum() / 365)


def test_writes_every_stream_with_the_documented_files_and_headers(force):
    out, truth, seen = force
    assert seen == [
        "calls",
        "incidents",
        "mental_health",
        "missing_persons",
        "crimes",
        "establishment",
    ]
    for folder, header in HEADERS.items():
        names = sorted(p.name for p in (out / folder).glob("*.csv"))
        monthly = [
            n
            for n in names
            if re.fullmatch(rf"{PREFIXES[folder]}_\d{{4}}-\d{{2}}\.csv", n)
        ]
        assert len(monthly) == 24, folder
        for name in monthly:
            relative = f"{folder}/{name}"
            encoding = truth["files"][relative]["encoding"]
            with open(out / relative, encoding=encoding, newline="") as handle:
                assert handle.readline() == header + "\n", relative
    assert (out / "truth.json").exists()
    assert truth["areas"] == AREAS
    assert json.loads((out / "truth.json").read_text(encoding="utf-8")) == truth


def test_row_counts_in_truth_match_the_files(force):
    out, truth, _ = force
    for relative, entry in truth["files"].items():
        if relative.endswith(".xlsx"):
            continue
        lines = (out / relative).read_bytes().count(b"\n")
        assert lines == 1 + entry["rows"] + entry["fault_rows"], relative


def test_values_use_the_documented_codes(force):
    out, truth, _ = force
    calls = _read_stream(out, truth, "calls")
    assert set(calls["Line"]) == {"999", "101"}
    assert set(calls["Abandoned"]) == {"Y", "N"}
    assert calls.loc[calls["Abandoned"] == "Y", "Answered"].isna().all()
    assert set(calls["LPA"]) == set(AREAS)
    incidents = _read_stream(out, truth, "incidents")
    assert set(incidents["Grade"]) == {"1", "2", "3", "4", "R"}
    rwd = incidents["Grade"] == "R"
    assert incidents.loc[rwd, ["Dispatched", "Arrived", "Cleared"]].isna().all().all()
    assert incidents.loc[~rwd, ["Dispatched", "Arrived", "Cleared"]].notna().all().all()
    missing = _read_stream(out, truth, "missing_persons")
    assert set(missing["Risk"]) == {"High", "Medium", "Low", "No Apparent Risk"}
    assert set(missing["Repeat"]) == {"TRUE", "FALSE"}
    crimes = _read_stream(out, truth, "crimes")
    assert set(crimes["DA Flag"]) == {"0", "1"}
    assert len(set(crimes["Offence Group"])) == 16
    mh = _read_stream(out, truth, "mental_health")
    assert set(mh["Police Attended"]) == {"Yes", "No"}
    assert set(mh["S136"]) == {"Yes", "No"}


def test_establishment_workbook_has_one_as_at_per_financial_year_end(force):
    out, _, _ = force
    sheet = openpyxl.load_workbook(out / "establishment" / "establishment.xlsx")[
        "Establishment"
    ]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Department", "Role", "As At", "FTE", "Cost per FTE (£)")
    assert {r[0] for r in rows[1:]} == {
        "Force Control Room",
        "Response",
        "Neighbourhood Policing",
        "Investigations",
        "Public Protection",
    }
    assert {r[2] for r in rows[1:]} == {datetime(2023, 3, 31), datetime(2024, 3, 31)}
    assert all(r[3] > 0 and r[4] > 10_000 for r in rows[1:])


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(tmp_path):
    first = generate_force(tmp_path / "a", years=1, seed=7, faults=True)
    second = generate_force(tmp_path / "b", years=1, seed=7, faults=True)
    assert first == second
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    other = generate_force(tmp_path / "c", years=1, seed=8, end=datetime(2026, 3, 31))
    assert (
        _digests(tmp_path / "c")["calls/calls_2025-06.csv"]
        != _digests(tmp_path / "a")["calls/calls_2025-06.csv"]
    )
    assert other["start"] == "2025-04-01" and other["end"] == "2026-03-31"


def test_faults_are_extra_rows_on_top_of_the_same_clean_rows(tmp_path):
    faulty = generate_force(tmp_path / "faulty", years=1, seed=7, faults=True)
    clean = generate_force(tmp_path / "clean", years=1, seed=7)
    assert clean["faults"] == [] and faulty["faults"]
    bad = _fault_lines(faulty)
    for relative, entry in clean["files"].items():
        if relative.endswith(".xlsx"):
            continue
        expected = (tmp_path / "clean" / relative).read_text(encoding="utf-8")
        encoding = faulty["files"][relative]["encoding"]
        lines = (tmp_path / "faulty" / relative).read_bytes().decode(encoding)
        kept = [
            line
            for number, line in enumerate(lines.split("\n"), start=1)
            if number not in bad.get(relative, ())
        ]
        assert "\n".join(kept) == expected, relative
        assert entry["rows"] == faulty["files"][relative]["rows"]


@pytest.mark.parametrize(
    ("folder", "briefing_per_day"),
    [("incidents", 540.0), ("mental_health", 27.0), ("missing_persons", 11.0)],
)
def test_last_365_day_mean_matches_briefing(force, folder, briefing_per_day):
    out, truth, _ = force
    observed = _last_365_daily_mean(_times(_read_stream(out, truth, folder), folder))
    assert observed == pytest.approx(briefing_per_day, rel=0.05)
    expected = truth["streams"][folder]["expected_daily_mean_last_365"]
    assert expected == pytest.approx(briefing_per_day, rel=0.001)


def test_calls_match_briefing_volume_growth_and_answer_times(force):
    out, truth, _ = force
    calls = _read_stream(out, truth, "calls")
    received = _times(calls, "calls")
    is_999 = calls["Line"] == "999"
    assert _last_365_daily_mean(received[is_999]) == pytest.approx(406, rel=0.05)
    assert _last_365_daily_mean(received[~is_999]) == pytest.approx(550, rel=0.05)
    previous = received[is_999 & (received < LAST_365_START)]
    growth = (received[is_999] >= LAST_365_START).sum() / len(previous)
    assert growth == pytest.approx(1.14, abs=0.03)
    answered = calls[is_999 & (calls["Abandoned"] == "N")]
    within_10 = (answered["Wait (s)"].astype(int) <= 10).mean()
    assert within_10 == pytest.approx(0.798, abs=0.02)
    assert 0.01 < (calls.loc[is_999, "Abandoned"] == "Y").mean() < 0.05
    assert (calls.loc[~is_999, "Abandoned"] == "Y").mean() > 0.05
    talk_minutes = answered["Talk Time (s)"].astype(float).mean() / 60
    assert 4 <= talk_minutes <= 5


def test_crime_groups_and_domestic_abuse_match_briefing(force):
    out, truth, _ = force
    crimes = _read_stream(out, truth, "crimes")
    recorded = _times(crimes, "crimes")
    domestic = crimes["DA Flag"] == "1"
    assert _last_365_daily_mean(recorded[domestic]) == pytest.approx(44, rel=0.05)
    assert _last_365_daily_mean(recorded) == pytest.approx(165, rel=0.05)
    burglary = crimes["Offence Group"] == "Residential burglary"
    change = (recorded[burglary] >= LAST_365_START).sum() / (
        recorded[burglary] < LAST_365_START
    ).sum()
    assert change == pytest.approx(1 - 0.116, abs=0.05)


def test_grade_mix_matches_briefing(force):
    out, truth, _ = force
    incidents = _read_stream(out, truth, "incidents")
    recent = incidents[_times(incidents, "incidents") >= LAST_365_START]
    mix = recent["Grade"].value_counts(normalize=True)
    for code, briefing in (("1", 0.26), ("2", 0.08), ("3", 0.08), ("4", 0.04)):
        assert mix[code] == pytest.approx(briefing, rel=0.05), code
    assert truth["streams"]["incidents"]["grade_mix_expected_last_365"]["G1"] == 0.26


def test_daily_counts_are_over_dispersed(force):
    out, truth, _ = force
    for folder in ("calls", "incidents"):
        daily = (
            _times(_read_stream(out, truth, folder), folder)
            .dt.floor("D")
            .value_counts()
        )
        daily = daily.sort_index().astype(float)
        # Expected count: the mean of the same weekday over the surrounding 8 weeks,
        # which removes the weekly profile, the trend and the season.
        weekday_mean = daily.groupby(daily.index.day_of_week).transform(
            lambda s: s.rolling(9, center=True).mean()
        )
        residual = (daily - weekday_mean).dropna()
        dispersion = residual.var() / weekday_mean.dropna().mean()
        assert dispersion > 2.0, folder  # Poisson would give about 1.1


def _last_sunday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def test_local_times_skip_the_spring_hour_and_repeat_the_autumn_hour(force):
    out, truth, _ = force
    for folder in HEADERS:
        times = _times(_read_stream(out, truth, folder), folder)
        for year in (2022, 2023, 2024):
            spring = _last_sunday(year, 3)
            in_gap = (times.dt.date == spring) & (times.dt.hour == 1)
            assert not in_gap.any(), (folder, spring)
    received = _times(_read_stream(out, truth, "calls"), "calls")
    autumn = received[received.dt.date == _last_sunday(2023, 10)]
    assert (autumn.diff().dt.total_seconds() < -1800).sum() == 1  # the clock goes back
    week_before = received[received.dt.date == _last_sunday(2023, 10) - timedelta(7)]
    repeated = (autumn.dt.hour == 1).sum() / (week_before.dt.hour == 1).sum()
    assert 1.5 < repeated < 2.6  # two hours of 01:00-01:59 that day


def test_weekend_nights_and_new_year_lift_999_demand(force):
    out, truth, _ = force
    calls = _read_stream(out, truth, "calls")
    received = _times(calls[calls["Line"] == "999"], "calls")
    early = received[received.dt.hour < 4]
    per_weekday = early.dt.day_of_week.value_counts()
    assert per_weekday[5] > 1.25 * per_weekday[1]  # Saturday vs Tuesday, 00:00-03:59
    assert per_weekday[6] > 1.25 * per_weekday[1]  # Sunday vs Tuesday, 00:00-03:59
    new_year = early[(early.dt.month == 1) & (early.dt.day == 1)]
    other_days = early[(early.dt.month != 1) | (early.dt.day != 1)]
    n_other_days = other_days.dt.date.nunique()
    assert len(new_year) / 2 > 1.6 * len(other_days) / n_other_days


def test_rcrp_cuts_mental_health_share_of_officer_hours(force):
    out, truth, _ = force
    assert truth["rcrp_go_live"] == "2023-07-01"
    incidents = _read_stream(out, truth, "incidents")
    mh = _read_stream(out, truth, "mental_health")
    is_mh = incidents["Opening Category"] == "Mental Health"
    assert set(incidents.loc[is_mh, "Incident Number"]) == set(mh["Incident Number"])
    hours = incidents["Officer Hours"].astype(float).fillna(0.0)
    after = _times(incidents, "incidents") >= pd.Timestamp("2023-07-01")
    before_share = hours[is_mh & ~after].sum() / hours[~after].sum()
    after_share = hours[is_mh & after].sum() / hours[after].sum()
    assert before_share == pytest.approx(0.09, abs=0.006)
    assert after_share == pytest.approx(0.06, abs=0.006)
    attended = mh["Police Attended"] == "Yes"
    mh_after = _times(mh, "mental_health") >= pd.Timestamp("2023-07-01")
    rcrp = truth["streams"]["mental_health"]["rcrp"]
    assert attended[~mh_after].mean() == pytest.approx(
        rcrp["before"]["attendance_rate"], abs=0.03
    )
    assert attended[mh_after].mean() == pytest.approx(
        rcrp["after"]["attendance_rate"], abs=0.03
    )
    assert mh.loc[~mh_after, "RCRP Category"].isna().all()
    assert mh.loc[mh_after, "RCRP Category"].notna().all()


def test_unit_times_match_truth_within_ten_percent(force):
    out, truth, _ = force
    incidents = _read_stream(out, truth, "incidents")
    recent = incidents[_times(incidents, "incidents") >= LAST_365_START]
    deployed = recent[recent["Grade"] != "R"]
    layout = "%d/%m/%Y %H:%M"
    on_task_hours = (
        pd.to_datetime(deployed["Cleared"], format=layout)
        - pd.to_datetime(deployed["Dispatched"], format=layout)
    ).dt.total_seconds() / 3600
    officer_hours = deployed["Officer Hours"].astype(float)
    expected = truth["streams"]["incidents"]
    for code, grade in (("1", "G1"), ("2", "G2"), ("3", "G3"), ("4", "G4")):
        hit = deployed["Grade"] == code
        assert on_task_hours[hit].mean() == pytest.approx(
            expected["time_on_task_hours"]["by_grade"][grade], rel=0.10
        )
        assert officer_hours[hit].mean() == pytest.approx(
            expected["officer_hours_per_deployed_incident"]["by_grade"][grade], rel=0.10
        )
    by_category = expected["officer_hours_per_incident"]["by_category"]
    all_hours = recent["Officer Hours"].astype(float).fillna(0.0)
    for category in ("Domestic Incident", "Mental Health", "Anti-Social Behaviour"):
        hit = recent["Opening Category"] == category
        assert all_hours[hit].mean() == pytest.approx(by_category[category], rel=0.10)


def test_g1_arrives_within_fifteen_minutes_urban_and_twenty_rural(force):
    out, truth, _ = force
    incidents = _read_stream(out, truth, "incidents")
    g1 = incidents[incidents["Grade"] == "1"]
    layout = "%d/%m/%Y %H:%M"
    minutes = (
        pd.to_datetime(g1["Arrived"], format=layout)
        - pd.to_datetime(g1["Created"], format=layout)
    ).dt.total_seconds() / 60
    urban = g1["LPA"].map(AREAS) == "urban"
    assert (minutes[urban] <= 15).mean() > 0.75
    assert (minutes[~urban] <= 20).mean() > 0.75


def _physical_line(out: Path, truth: dict, fault: dict) -> list[str]:
    encoding = truth["files"][fault["file"]]["encoding"]
    text = (out / fault["file"]).read_bytes().decode(encoding)
    return text.split("\n")[fault["line"] - 1].split(",")


def test_every_fault_in_truth_is_at_its_stated_line(force):
    out, truth, _ = force
    kinds = pd.Series([f["kind"] for f in truth["faults"]]).value_counts()
    for kind in ("unparseable_date", "missing_id", "duplicate_id", "negative_duration"):
        assert kinds[kind] >= 6, kind
    assert kinds["unknown_grade"] >= 3
    assert kinds["wrong_column_names"] == 1 and kinds["other_encoding"] == 1
    for fault in truth["faults"]:
        folder = fault["file"].split("/")[0]
        headers = HEADERS[folder].split(",")
        cells = _physical_line(out, truth, fault)
        kind = fault["kind"]
        if kind == "wrong_column_names":
            assert fault["line"] == 1 and cells != headers
            continue
        if kind == "other_encoding":
            raw = (out / fault["file"]).read_bytes()
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            assert "£" in ",".join(cells) or "é" in ",".join(cells)
            continue
        assert len(cells) == len(headers), fault
        row = dict(zip(headers, cells, strict=True))
        column = fault["column"]
        if kind == "unparseable_date":
            _header, layout = TIME_COLUMNS[folder]
            with pytest.raises(ValueError):
                datetime.strptime(row[_header], layout)
        elif kind == "missing_id":
            assert row[headers[0]] == ""
        elif kind == "duplicate_id":
            encoding = truth["files"][fault["file"]]["encoding"]
            lines = (out / fault["file"]).read_bytes().decode(encoding).split("\n")
            earlier = {line.split(",")[0] for line in lines[1 : fault["line"] - 1]}
            assert row[headers[0]] in earlier
        elif kind == "negative_duration":
            header = {
                "handle_seconds": "Talk Time (s)",
                "wait_seconds": "Wait (s)",
            }.get(column, "Officer Hours")
            assert float(row[header]) < 0
        elif kind == "unknown_grade":
            assert row["Grade"] not in {"1", "2", "3", "4", "R"}
        else:
            raise AssertionError(f"unexpected fault kind {kind}")


def test_truth_records_expected_means_for_the_year_after_the_end(force):
    _, truth, _ = force
    calls_999 = truth["streams"]["calls"]["lines"]["999"]
    assert calls_999["expected_daily_mean_next_365"] == pytest.approx(
        406 * 1.14, rel=0.02
    )
    assert truth["windows"]["next_365_days"] == ["2024-04-01", "2025-03-31"]
    for stream in ("calls", "incidents", "mental_health", "missing_persons", "crimes"):
        assert truth["streams"][stream]["expected_daily_mean_next_365"] > 0


def test_generate_force_rejects_less_than_one_year(tmp_path):
    with pytest.raises(ValueError, match="at least 1"):
        generate_force(tmp_path, years=0)
