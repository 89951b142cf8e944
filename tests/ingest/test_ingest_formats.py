"""Excel, Parquet, other encodings, delimiters: every format lands in the same table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from ingest_helpers import INCIDENTS_MAP, rows, write_incidents, write_map

from demand.ingest import ingest
from demand.store import Store

ESTABLISHMENT_HEADERS = ["Department", "Role", "As At", "FTE", "Cost per FTE (£)"]


def _workbook(path: Path, data: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Establishment"
    for row in [ESTABLISHMENT_HEADERS, *data]:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def test_excel_establishment_loads_with_sheet_row_numbers(store: Store, tmp_path: Path):
    year_end = datetime(2024, 3, 31)
    _workbook(
        tmp_path / "raw" / "establishment" / "establishment.xlsx",
        [
            ["Response", "Constable", year_end, 410.5, 52000],
            ["Force Control Room", "Call Handler", year_end, 120, 31000],
            [None, None, None, None, None],
            ["Traffic", "Sergeant", year_end, 12, 61000],
            ["Investigations", "Detective Constable", year_end, -3, 56000],
        ],
    )
    (file,) = ingest(store, [tmp_path / "raw"], "northshire").files
    assert (file.status, file.rows_read, file.rows_loaded, file.rows_rejected) == (
        "loaded",
        4,
        2,
        2,
    )
    assert rows(
        store, "SELECT department, role, as_at, fte FROM establishment ORDER BY 1"
    ) == [
        ("control_room", "Call Handler", date(2024, 3, 31), 120.0),
        ("response", "Constable", date(2024, 3, 31), 410.5),
    ]
    # the empty sheet row 4 is skipped but still counted in the line numbers
    assert rows(store, 'SELECT line, "column", value FROM rejects ORDER BY line') == [
        (5, "department", "Traffic"),
        (6, "fte", "-3"),
    ]


def test_parquet_with_text_and_native_timestamps(store: Store, tmp_path: Path):
    table = pa.table(
        {
            "Incident Number": ["P1", "P2", "P3"],
            "Created": pa.array(
                [
                    datetime(2024, 7, 1, 12),
                    datetime(2024, 1, 15, 9),
                    datetime(2024, 7, 2, 8),
                ],
                pa.timestamp("s"),
            ),
            "Grade": ["1", "R", "6"],
            "Officer Hours": pa.array([1.5, None, 2.0]),
        }
    )
    pq.write_table(table, tmp_path / "incidents.parquet")
    adapter = write_map(
        tmp_path / "pq.toml",
        'stream = "incidents"\nglob = "*.parquet"\n[columns]\n'
        'incident_id = "Incident Number"\ncreated_at = "Created"\ngrade = "Grade"\n'
        'officer_hours = "Officer Hours"\n[values.grade]\n"1" = "G1"\n"R" = "RWD"\n',
    )
    (file,) = ingest(store, [tmp_path / "incidents.parquet"], adapter).files
    assert (file.rows_read, file.rows_loaded, file.encoding) == (3, 2, None)
    assert rows(
        store,
        "SELECT incident_id, created_at, grade, officer_hours FROM incidents "
        "ORDER BY 1",
    ) == [
        ("P1", datetime(2024, 7, 1, 11, tzinfo=UTC), "G1", 1.5),
        ("P2", datetime(2024, 1, 15, 9, tzinfo=UTC), "RWD", None),
    ]
    assert rows(store, 'SELECT line, "column", value FROM rejects') == [
        (4, "grade", "6")
    ]


def test_cp1252_file_is_detected_transcoded_and_recorded(store: Store, tmp_path: Path):
    path = write_incidents(
        tmp_path / "incidents_1252.csv",
        [
            "W1,01/03/2024 10:00,2,Café disturbance,Northtown,,,,,",
            "W2,01/03/2024 10:05,3,Theft £50 – purse,Eastmoor,,,,,",
        ],
        encoding="cp1252",
    )
    (file,) = ingest(store, [path], INCIDENTS_MAP).files
    assert (file.status, file.encoding, file.rows_loaded) == ("loaded", "cp1252", 2)
    assert rows(store, "SELECT category FROM incidents ORDER BY 1") == [
        ("Café disturbance",),
        ("Theft £50 – purse",),
    ]
    assert rows(store, "SELECT encoding FROM ingest_log") == [("cp1252",)]


def test_declared_encoding_and_delimiter(store: Store, tmp_path: Path):
    path = tmp_path / "semi.csv"
    path.write_bytes(
        "ref;when;grade;place\nS1;01/03/2024 10:00;G2;Königsberg\n".encode("latin-1")
    )
    adapter = write_map(
        tmp_path / "semi.toml",
        'stream = "incidents"\nglob = "semi.csv"\nencoding = "latin-1"\n'
        'delimiter = ";"\n[columns]\nincident_id = "ref"\ncreated_at = "when"\n'
        'grade = "grade"\narea = "place"\n',
    )
    (file,) = ingest(store, [path], adapter).files
    assert (file.encoding, file.rows_loaded) == ("iso8859-1", 1)
    assert rows(store, "SELECT area FROM incidents") == [("Königsberg",)]


def test_constants_fill_unmapped_columns(store: Store, tmp_path: Path):
    path = tmp_path / "c.csv"
    path.write_text("id,at,grade\nC1,01/03/2024 10:00,G3\n", encoding="utf-8")
    adapter = write_map(
        tmp_path / "c.toml",
        'stream = "incidents"\nglob = "c.csv"\n[columns]\nincident_id = "id"\n'
        'created_at = "at"\ngrade = "grade"\n[constants]\narea = "Force-wide"\n',
    )
    ingest(store, [path], adapter)
    assert rows(store, "SELECT area, deployed FROM incidents") == [
        ("Force-wide", False)
    ]


def test_excel_datetime_cells_parse_whatever_the_maps_text_formats(
    store: Store, tmp_path: Path
):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Incident Number", "Created", "Grade"])
    sheet.append(["X1", datetime(2024, 7, 1, 12, 30), 1])
    sheet.append(["X2", "01/07/2024 13:45", "R"])  # text cells use the map's formats
    book.save(tmp_path / "incidents.xlsx")
    path = write_map(
        tmp_path / "x.toml",
        'stream = "incidents"\nglob = "incidents.xlsx"\n'
        'datetime_formats = ["%d/%m/%Y %H:%M"]\n[columns]\n'
        'incident_id = "Incident Number"\ncreated_at = "Created"\ngrade = "Grade"\n'
        '[values.grade]\n"1" = "G1"\n"R" = "RWD"\n',
    )
    (file,) = ingest(store, [tmp_path / "incidents.xlsx"], path).files
    assert (file.rows_loaded, file.rows_rejected) == (2, 0), file
    assert rows(store, "SELECT created_at FROM incidents ORDER BY 1") == [
        (datetime(2024, 7, 1, 11, 30, tzinfo=UTC),),
        (datetime(2024, 7, 1, 12, 45, tzinfo=UTC),),
    ]
