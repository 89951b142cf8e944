"""Implausible dates and non-finite numbers are rejected with their row."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ingest_helpers import INCIDENTS_MAP, rows, scalar, write_incidents, write_map

from demand.ingest import IngestError, ingest
from demand.store import Store

_ROW = "{id},{created},1,ASB,Northtown,,,,{hours},"


def _line(id_: str, created: str = "01/03/2024 10:00", hours: str = "1.5") -> str:
    return _ROW.format(id=id_, created=created, hours=hours)


def _assert_nothing_implausible_stored(store: Store) -> None:
    assert (
        scalar(
            store,
            "SELECT count(*) FROM incidents WHERE NOT isfinite(officer_hours) "
            "OR created_at < TIMESTAMPTZ '1990-01-01 00:00+00' "
            "OR created_at > now() + INTERVAL 8 DAY",
        )
        == 0
    )


def test_future_ancient_and_two_digit_year_dates_are_rejected(
    store: Store, tmp_path: Path
):
    path = write_incidents(
        tmp_path / "incidents_dates.csv",
        [
            _line("A1", "01/01/2099 00:00"),
            _line("A2", "1/3/16 0:00"),  # US/2-digit export read day-first: year 16
            _line("A3", "31/12/1989 23:59"),
            _line("A4"),
        ],
    )
    (file,) = ingest(store, [path], INCIDENTS_MAP).files
    assert (file.rows_read, file.rows_loaded, file.rows_rejected) == (4, 1, 3)
    got = rows(store, 'SELECT line, "column", value, reason FROM rejects ORDER BY 1')
    assert [g[:3] for g in got] == [
        (2, "created_at", "01/01/2099 00:00"),
        (3, "created_at", "1/3/16 0:00"),
        (4, "created_at", "31/12/1989 23:59"),
    ]
    assert got[0][3].startswith("date outside the plausible window 1990-01-01 to ")
    assert "two-digit years" in got[1][3] and "%y" in got[1][3]
    assert got[2][3].startswith("date outside the plausible window")
    # the file's log entry says what the dates look like
    message = scalar(store, "SELECT message FROM ingest_log")
    assert "1 date(s) have two-digit years (e.g. '1/3/16 0:00')" in message
    _assert_nothing_implausible_stored(store)


def test_a_month_first_file_is_named_in_the_log(store: Store, tmp_path: Path):
    path = write_incidents(
        tmp_path / "incidents_us.csv",
        [_line("B1", "1/13/2016 0:00"), _line("B2", "2/28/2016 09:30")],
    )
    (file,) = ingest(store, [path], INCIDENTS_MAP).files
    assert (file.rows_read, file.rows_loaded, file.rows_rejected) == (2, 0, 2)
    assert "looks month-first (US)" in file.message
    assert "looks month-first (US)" in scalar(store, "SELECT message FROM ingest_log")


@pytest.mark.parametrize(
    "text", ["NaN", "nan", "inf", "-inf", "Infinity", "-Infinity", "+inf"]
)
def test_non_finite_numbers_are_rejected(store: Store, tmp_path: Path, text: str):
    path = write_incidents(
        tmp_path / "incidents_nan.csv", [_line("C1", hours=text), _line("C2")]
    )
    (file,) = ingest(store, [path], INCIDENTS_MAP).files
    assert (file.rows_read, file.rows_loaded, file.rows_rejected) == (2, 1, 1)
    assert rows(store, 'SELECT line, "column", value, reason FROM rejects') == [
        (2, "officer_hours", text, "not a finite number (NaN or infinity)")
    ]
    _assert_nothing_implausible_stored(store)


def test_parquet_native_timestamps_and_floats_are_checked(store: Store, tmp_path: Path):
    table = pa.table(
        {
            "Incident Number": ["P1", "P2", "P3", "P4"],
            "Created": pa.array(
                [
                    datetime(2024, 3, 1, 10),
                    datetime(2262, 1, 1),
                    datetime(2024, 3, 1, 11),
                    datetime(1970, 1, 1),
                ],
                pa.timestamp("us"),
            ),
            "Grade": ["1", "2", "3", "4"],
            "Officer Hours": [1.0, 2.0, float("nan"), float("inf")],
        }
    )
    pq.write_table(table, tmp_path / "incidents.parquet")
    adapter = write_map(
        tmp_path / "m.toml",
        'stream = "incidents"\nglob = "*.parquet"\n[columns]\n'
        'incident_id = "Incident Number"\ncreated_at = "Created"\n'
        'grade = "Grade"\nofficer_hours = "Officer Hours"\n'
        '[values.grade]\n"1" = "G1"\n"2" = "G2"\n"3" = "G3"\n"4" = "G4"\n',
    )
    (file,) = ingest(store, [tmp_path / "incidents.parquet"], adapter).files
    assert (file.rows_read, file.rows_loaded, file.rows_rejected) == (4, 1, 3)
    got = rows(store, 'SELECT line, "column" FROM rejects ORDER BY 1')
    assert got == [
        (3, "created_at"),
        (4, "officer_hours"),
        (5, "created_at"),
    ]
    _assert_nothing_implausible_stored(store)


def test_excel_dates_outside_the_window_are_rejected(store: Store, tmp_path: Path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Incident Number", "Created", "Grade", "Officer Hours"])
    sheet.append(["X1", datetime(2099, 1, 1), "1", 1.0])
    sheet.append(["X2", datetime(2024, 3, 1, 10), "1", 1.0])
    sheet.append(["X3", datetime(1900, 1, 1), "1", 1.0])
    book.save(tmp_path / "incidents.xlsx")
    adapter = write_map(
        tmp_path / "m.toml",
        'stream = "incidents"\nglob = "*.xlsx"\n[columns]\n'
        'incident_id = "Incident Number"\ncreated_at = "Created"\n'
        'grade = "Grade"\nofficer_hours = "Officer Hours"\n'
        '[values.grade]\n"1" = "G1"\n',
    )
    (file,) = ingest(store, [tmp_path / "incidents.xlsx"], adapter).files
    assert (file.rows_read, file.rows_loaded, file.rows_rejected) == (3, 1, 2)
    assert rows(store, "SELECT line FROM rejects ORDER BY 1") == [(2,), (4,)]


def test_the_window_follows_the_file_time_and_the_map(store: Store, tmp_path: Path):
    path = write_incidents(
        tmp_path / "incidents_w.csv",
        [_line("D1", "01/06/2040 10:00"), _line("D2", "01/06/1985 10:00")],
    )
    # A file modified in 2040 (a clock set ahead, or a planned extract) may
    # hold dates up to a week after it; the map moves the earliest date.
    stamp = datetime(2040, 6, 1, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    text = INCIDENTS_MAP.read_text(encoding="utf-8")
    adapter = write_map(tmp_path / "m.toml", "earliest_date = 1980-01-01\n" + text)
    (file,) = ingest(store, [path], adapter).files
    assert (file.rows_loaded, file.rows_rejected) == (2, 0)
    # the same rows under the default window are both rejected
    other = Store(tmp_path / "other.duckdb")
    with other:
        os.utime(path, None)
        (file,) = ingest(other, [path], INCIDENTS_MAP).files
        assert (file.rows_loaded, file.rows_rejected) == (0, 2)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('earliest_date = "1st Jan"', "key 'earliest_date' must be a date"),
        ("earliest_date = 1990-01-01T00:00:00", "key 'earliest_date' must be a day"),
        ("future_days = -1", "key 'future_days' must be 0 or more"),
        ('future_days = "7"', "key 'future_days' must be a whole number"),
    ],
)
def test_bad_window_keys_are_named(tmp_path: Path, store: Store, line, fragment):
    text = INCIDENTS_MAP.read_text(encoding="utf-8")
    adapter = write_map(tmp_path / "m.toml", f"{line}\n{text}")
    path = write_incidents(tmp_path / "incidents_k.csv", [_line("E1")])
    with pytest.raises(IngestError, match=fragment):
        ingest(store, [path], adapter)


def test_a_values_table_of_only_star_maps_every_code(store: Store, tmp_path: Path):
    text = INCIDENTS_MAP.read_text(encoding="utf-8")
    adapter = write_map(
        tmp_path / "m.toml", text + '\n[values.category]\n"*" = "Any incident"\n'
    )
    path = write_incidents(
        tmp_path / "incidents_star.csv",
        [_line("F1"), _line("F2").replace("ASB", "Theft"), _line("F3")],
    )
    (file,) = ingest(store, [path], adapter).files
    assert (file.status, file.rows_loaded, file.rows_rejected) == ("loaded", 3, 0)
    assert rows(store, "SELECT DISTINCT category FROM incidents") == [("Any incident",)]


def test_a_pipeline_window_overrides_every_map(tmp_path: Path):
    path = write_incidents(
        tmp_path / "incidents_p.csv",
        [_line("G1", "01/06/1985 10:00"), _line("G2", "01/01/2099 00:00")],
    )
    config = tmp_path / "p.toml"
    config.write_text(
        '[pipeline]\nname = "w"\nstages = ["ingest"]\n'
        f'[ingest]\npaths = ["{path}"]\nadapter = "{INCIDENTS_MAP}"\n'
        "earliest_date = 1980-01-01\nfuture_days = 30000\n",
        encoding="utf-8",
    )
    from demand.config import load_pipeline
    from demand.pipeline import run_pipeline

    result = run_pipeline(
        load_pipeline(config), tmp_path / "s.duckdb", log_dir=tmp_path
    )
    assert result.status == "ok", result.error
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        assert scalar(store, "SELECT count(*) FROM incidents") == 2
        assert scalar(store, "SELECT count(*) FROM rejects") == 0
