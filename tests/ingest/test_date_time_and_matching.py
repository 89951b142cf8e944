"""Column maps: timestamps from a date column plus a time column, and codes
matched by prefix or pattern in `where`, `exclude` and `[values]`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from ingest_helpers import DATA, rows, scalar, write_map

from demand.config import load_pipeline
from demand.ingest import IngestError, ingest, load_adapters
from demand.local_names import LocalNames
from demand.store import Store

US_CAD = DATA / "us_cad"
US_RAW = US_CAD / "raw"
US_MAPS = US_CAD / "maps"
US_NAMES = load_pipeline(US_CAD / "pipeline.toml").ingest.names
"""The agency's names: lines 911 and 10-digit, priorities P1-P5."""

HEADER = "Id,Date,Received,Dispatched,Priority,Code,Remarks"
MAP = """
stream = "incidents"
glob = "log*.csv"
timezone = "America/New_York"
date_formats = ["%m/%d/%y"]
earliest_date = 2015-01-01
[columns]
incident_id = "Id"
created_at = { date = "Date", time = "Received" }
dispatched_at = { time = "Dispatched" }
grade = "Priority"
category = "Code"
[values.grade]
"1" = "G1"
"2" = "G2"
"""


def _load(tmp_path: Path, lines: list[str], extra: str = "") -> Store:
    (tmp_path / "raw").mkdir(exist_ok=True)
    (tmp_path / "raw" / "log.csv").write_text("\n".join([HEADER, *lines]) + "\n")
    map_path = write_map(tmp_path / "map.toml", MAP + extra)
    store = Store(tmp_path / "s.duckdb")
    ingest(store, [tmp_path / "raw"], adapter=map_path)
    return store


def test_us_cad_fixture_loads_date_and_time_columns_by_configuration(tmp_path: Path):
    store = Store(tmp_path / "s.duckdb")
    result = ingest(store, [US_RAW], adapter=US_MAPS, names=US_NAMES)
    assert result.ok
    by_stream = {f.stream: f for f in result.files}
    # 60 lines: the stored duplicate and the test call are excluded by pattern;
    # two calls the export repeats are rejected as duplicate keys.
    assert by_stream["incidents"].rows_read == 58
    assert by_stream["incidents"].rows_rejected == 2
    assert by_stream["incidents"].rows_loaded == 56
    # 02/13/21 23:50 EST, dispatched 00:05: the next day, not 23 hours before.
    created, dispatched, cleared = rows(
        store,
        "SELECT created_at, dispatched_at, cleared_at FROM incidents "
        "WHERE incident_id = '21-000011'",
    )[0]
    assert created == datetime(2021, 2, 14, 4, 50, tzinfo=UTC)
    assert dispatched == datetime(2021, 2, 14, 5, 5, tzinfo=UTC)
    assert cleared == datetime(2021, 2, 14, 5, 54, tzinfo=UTC)
    # Every call keeps its time of day: none sits at local midnight.
    midnight = scalar(
        store,
        "SELECT count(*) FROM incidents WHERE "
        "strftime(timezone('America/New_York', created_at), '%H:%M') = '00:00'",
    )
    assert midnight == 0
    assert scalar(store, "SELECT count(*) FROM incidents WHERE incident_id "
                  "LIKE '21-9%'") == 0  # fmt: skip
    # A remark that merely contains "testing" is not a test call.
    assert scalar(store, "SELECT count(*) FROM incidents WHERE incident_id = "
                  "'21-000006'") == 1  # fmt: skip


def test_values_match_exact_codes_then_prefixes_and_patterns_then_any(
    tmp_path: Path,
):
    store = Store(tmp_path / "s.duckdb")
    ingest(store, [US_RAW], adapter=US_MAPS, names=US_NAMES)
    got = dict(
        rows(
            store,
            "SELECT i.category, count(*) FROM incidents i GROUP BY 1 ORDER BY 1",
        )
    )
    source = (US_RAW / "calls_2021.csv").read_text().splitlines()[1:]
    kept = [
        line.split(",")[7]
        for line in dict.fromkeys(source)  # a repeated line is a duplicate key
        if "STORED COMPLAINT" not in line and "TEST CALL" not in line
    ]
    mental = sum(c.startswith("MH") or c[:2] == "25" for c in kept)
    prop = sum(c.startswith(("BURG", "THEFT")) for c in kept)
    assert got == {
        "Mental health": mental,
        "Other": len(kept) - mental - prop,
        "Property": prop,
    }
    # The where of the mental-health map picks the same rows by prefix and pattern.
    assert scalar(store, "SELECT count(*) FROM mental_health") == mental


def test_time_only_column_rolls_past_midnight_and_bad_times_are_rejected(
    tmp_path: Path,
):
    store = _load(
        tmp_path,
        [
            "A1,09/14/21,07:08,07:20,1,X,",
            "A2,12/31/21,23:55,00:03,2,X,",  # into the new year
            "A3,09/14/21,25:61,,1,X,",
            "A4,09/14/21,08:00,8 am,1,X,",
            "A5,09/14/21,,,1,X,",
        ],
    )
    got = dict(rows(store, "SELECT incident_id, dispatched_at FROM incidents"))
    assert got == {
        "A1": datetime(2021, 9, 14, 11, 20, tzinfo=UTC),
        "A2": datetime(2022, 1, 1, 5, 3, tzinfo=UTC),
    }
    reasons = dict(rows(store, "SELECT value, reason FROM rejects ORDER BY line"))
    assert reasons["09/14/21 25:61"].startswith("unparseable date and time")
    assert reasons["8 am"].startswith("unparseable time of day: expected %H:%M")
    assert "missing required value" in reasons.values()


def test_exclude_and_where_take_prefixes_and_patterns(tmp_path: Path):
    extra = (
        '[where]\nCode = ["prefix:MH", "pattern:^25[A-E]", "BURG"]\n'
        '[exclude]\nRemarks = ["pattern:STORED COMPLAINT DUP:", '
        '"pattern:\\\\bTEST\\\\b"]\n'
    )
    store = _load(
        tmp_path,
        [
            "B1,09/14/21,07:08,,1,MH-CRISIS,",
            "B2,09/14/21,07:09,,1,MHSUIC,STORED COMPLAINT DUP: B1",
            "B3,09/14/21,07:10,,1,25B03,TEST",
            "B4,09/14/21,07:11,,1,25B03,contest",
            "B5,09/14/21,07:12,,1,BURG,",
            "B6,09/14/21,07:13,,1,BURGLARY,",  # exact texts stay exact
            "B7,09/14/21,07:14,,1,X25A,",  # the pattern is anchored by ^
            "B8,09/14/21,07:15,,1,,",  # an empty code matches nothing
        ],
        extra,
    )
    ids = [r[0] for r in rows(store, "SELECT incident_id FROM incidents ORDER BY 1")]
    assert ids == ["B1", "B4", "B5"]
    assert scalar(store, "SELECT count(*) FROM rejects") == 0


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        ('[exclude]\nRemarks = ["pattern:(?=TEST)"]\n', ["exclude.Remarks", "RE2"]),
        ('[values.category]\n"pattern:([A-Z" = "x"\n', ["values.category", "RE2"]),
        ('[where]\nCode = ["prefix:"]\n', ["where.Code", "empty prefix"]),
    ],
)
def test_bad_pattern_is_refused_when_the_map_loads(tmp_path, extra, fragments):
    path = write_map(tmp_path / "bad.toml", MAP + extra)
    with pytest.raises(IngestError) as err:
        load_adapters(path)
    for fragment in fragments:
        assert fragment in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "fragments"),
    [
        (
            'created_at = { date = "Date", time = "Received" }',
            'created_at = { time = "Received" }',
            ["columns.created_at", "stream's time column"],
        ),
        (
            'grade = "Priority"',
            'grade = { date = "Date", time = "Priority" }',
            ["columns.grade", "not a timestamp"],
        ),
        (
            'dispatched_at = { time = "Dispatched" }',
            'dispatched_at = { day = "Date", time = "Dispatched" }',
            ["columns.dispatched_at", "{ date = <header>"],
        ),
    ],
)
def test_bad_date_time_column_is_refused(tmp_path, old, new, fragments):
    path = write_map(tmp_path / "bad.toml", MAP.replace(old, new))
    with pytest.raises(IngestError) as err:
        load_adapters(path)
    for fragment in fragments:
        assert fragment in str(err.value)


def test_missing_time_header_rejects_the_file_naming_constants(tmp_path: Path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "log.csv").write_text(
        "Id,Date,Dispatched,Priority,Code\nA1,09/14/21,07:20,1,X\n"
    )
    store = Store(tmp_path / "s.duckdb")
    result = ingest(
        store, [tmp_path / "raw"], adapter=write_map(tmp_path / "m.toml", MAP)
    )
    assert not result.ok
    message = result.files[0].message or ""
    assert "'Received'" in message and "[constants]" in message


def test_date_and_time_cells_of_a_workbook_make_one_timestamp(tmp_path: Path):
    from datetime import date, time

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Id", "Date", "Received", "Dispatched", "Priority", "Code"])
    sheet.append(["X1", date(2021, 9, 14), time(7, 8), time(7, 20), "1", "A"])
    sheet.append(["X2", date(2021, 12, 31), time(23, 55), time(0, 3), "2", "A"])
    (tmp_path / "raw").mkdir()
    book.save(tmp_path / "raw" / "log.xlsx")
    text = MAP.replace('glob = "log*.csv"', 'glob = "log*.xlsx"')
    store = Store(tmp_path / "s.duckdb")
    result = ingest(
        store, [tmp_path / "raw"], adapter=write_map(tmp_path / "m.toml", text)
    )
    assert result.ok, result.files[0].message
    got = rows(store, "SELECT created_at, dispatched_at FROM incidents ORDER BY 1")
    assert got == [
        (
            datetime(2021, 9, 14, 11, 8, tzinfo=UTC),
            datetime(2021, 9, 14, 11, 20, tzinfo=UTC),
        ),
        (
            datetime(2022, 1, 1, 4, 55, tzinfo=UTC),
            datetime(2022, 1, 1, 5, 3, tzinfo=UTC),
        ),
    ]


@pytest.mark.parametrize(
    ("names", "loaded"), [(US_NAMES, 79), (LocalNames(), 0), (None, 0)]
)
def test_lines_in_the_forces_own_names_load_without_a_values_table(
    tmp_path: Path, names: LocalNames | None, loaded: int
):
    # Issue 17: a phone log whose Line says 911 or 10-digit needed a
    # [values.line] table; the pipeline's call_lines now name them once.
    store = Store(tmp_path / "s.duckdb")
    result = ingest(
        store, [US_RAW / "phone_2021.csv"], adapter=US_MAPS / "calls.toml", names=names
    )
    assert (result.rows_read, result.rows_loaded) == (79, loaded)
    if loaded:
        assert dict(rows(store, "SELECT line, count(*) FROM calls GROUP BY 1")) == {
            "999": 34,
            "101": 45,
        }


def test_a_maps_own_codes_win_over_the_local_names(tmp_path: Path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "log.csv").write_text(
        "\n".join(
            [HEADER, *(f"{i},01/03/21,10:00,,{p},X," for i, p in enumerate("1PQ"))]
        )
        + "\n"
    )
    map_path = write_map(tmp_path / "map.toml", MAP + '"P" = "G2"\n')
    store = Store(tmp_path / "s.duckdb")
    names = LocalNames(grades={"G1": "Q", "G3": "P"})  # the map says P is G2
    ingest(store, [tmp_path / "raw"], adapter=map_path, names=names)
    got = dict(rows(store, "SELECT incident_id, grade FROM incidents"))
    # The map's own codes stay; the local names it does not list are added.
    assert got == {"0": "G1", "1": "G2", "2": "G1"}
