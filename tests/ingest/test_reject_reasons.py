"""Each bad row is kept in rejects at its physical line, with a reason that says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_helpers import FAULTS_CSV, INCIDENTS_MAP, rows, write_map

from demand.ingest import ingest
from demand.store import Store

# line -> (column, value, start of the reason), for tests/data/incidents_faults.csv.
# Line 9 is blank and line 8 malformed: the later lines check the line mapping.
EXPECTED = {
    3: ("created_at", "31/02/2024 10:00", "unparseable date: expected %d/%m/%Y %H:%M"),
    4: ("incident_id", None, "missing required value"),
    5: (
        "incident_id",
        "F-001",
        "duplicate key incident_id within the file: first seen on line 2",
    ),
    6: (
        "officer_hours",
        "-1.5",
        "officer_hours below its minimum 0: a negative duration",
    ),
    7: ("grade", "7", "value not in the map's values for grade (known: 1, 2, 3, 4, R)"),
    8: (None, None, "malformed CSV line: missing columns"),
    10: ("officer_hours", "abc", "not a number"),
    12: ("created_at", None, "missing required value"),
    14: (
        "incident_id",
        "F-009",
        "duplicate key incident_id within the file: first seen on line 11",
    ),
}


@pytest.fixture
def rejects(store: Store) -> dict[int, tuple]:
    (file,) = ingest(store, [FAULTS_CSV], INCIDENTS_MAP).files
    assert (file.rows_read, file.rows_loaded, file.rows_rejected) == (12, 3, 9)
    found = rows(
        store, 'SELECT line, "column", value, reason FROM rejects ORDER BY line'
    )
    return {line: (column, value, reason) for line, column, value, reason in found}


@pytest.mark.parametrize("line", sorted(EXPECTED))
def test_reject_reason_at_its_line(rejects: dict[int, tuple], line: int):
    column, value, reason = EXPECTED[line]
    assert rejects[line][:2] == (column, value)
    assert rejects[line][2].startswith(reason)


def test_only_the_good_rows_load(store: Store, rejects: dict[int, tuple]):
    assert set(rejects) == set(EXPECTED)
    loaded = rows(store, "SELECT incident_id, qualifiers FROM incidents ORDER BY 1")
    # the first F-001 and F-009 win; "NULL" is a null literal of this map
    assert loaded == [("F-001", None), ("F-009", None), ("F-011", None)]


def test_value_outside_the_allowed_set(store: Store, tmp_path: Path):
    """Without a values map, grades must already be canonical (G1..G4, RWD)."""
    path = tmp_path / "canonical.csv"
    path.write_text(
        "id,at,grade,mins\n1,2024-03-01 10:00:00,G1,5\n2,2024-03-01 10:00:00,G9,5\n",
        encoding="utf-8",
    )
    adapter = write_map(
        tmp_path / "canonical.toml",
        'stream = "incidents"\nglob = "canonical.csv"\n[columns]\n'
        'incident_id = "id"\ncreated_at = "at"\ngrade = "grade"\n',
    )
    (file,) = ingest(store, [path], adapter).files
    assert (file.rows_loaded, file.rows_rejected) == (1, 1)
    assert rows(store, 'SELECT line, "column", value, reason FROM rejects') == [
        (
            3,
            "grade",
            "G9",
            "value not in the allowed set of grade (G1, G2, G3, G4, RWD)",
        )
    ]


def test_negative_zero_duration_is_rejected(store: Store, tmp_path: Path):
    path = tmp_path / "zero.csv"
    path.write_text(
        "id,at,grade,hours\n1,01/03/2024 10:00,G1,0\n2,01/03/2024 10:00,G1,-0\n",
        encoding="utf-8",
    )
    adapter = write_map(
        tmp_path / "zero.toml",
        'stream = "incidents"\nglob = "zero.csv"\n[columns]\nincident_id = "id"\n'
        'created_at = "at"\ngrade = "grade"\nofficer_hours = "hours"\n',
    )
    (file,) = ingest(store, [path], adapter).files
    assert (file.rows_loaded, file.rows_rejected) == (1, 1)
    assert rows(store, "SELECT line, value FROM rejects") == [(3, "-0")]
