"""Areas are stored in one spelling whatever the spaces, line breaks and case."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from ingest_helpers import INCIDENTS_MAP, rows, scalar, write_incidents

from demand.cli import cli
from demand.ingest import ingest
from demand.ingest.normalise import canonical_spellings
from demand.quality import quality_report
from demand.store import Store


def _line(id_: str, area: str) -> str:
    return f'{id_},01/03/2024 10:00,1,ASB,"{area}",,,,1.0,'


def test_odd_case_and_inner_spaces_join_the_majority_spelling(
    store: Store, tmp_path: Path
):
    path = write_incidents(
        tmp_path / "incidents_areas.csv",
        [
            _line("A1", "Northtown"),
            _line("A2", "nORTHTOWN"),
            _line("A3", "Northtown"),
            _line("A4", "NORTHTOWN"),
            _line("A5", "South \n  Bridge"),
            _line("A6", "South Bridge"),
            _line("A7", "N/A"),
        ],
    )
    (file,) = ingest(store, [path], INCIDENTS_MAP).files
    assert (file.rows_read, file.rows_loaded) == (7, 7)
    assert rows(
        store, "SELECT area, count(*) FROM incidents GROUP BY 1 ORDER BY 1"
    ) == [
        ("N/A", 1),
        ("Northtown", 4),
        ("South Bridge", 2),
    ]
    assert rows(
        store,
        'SELECT "column", original, normalised, "rows" FROM normalised ORDER BY 3, 2',
    ) == [
        ("area", "NORTHTOWN", "Northtown", 1),
        ("area", "nORTHTOWN", "Northtown", 1),
        ("area", "South \n  Bridge", "South Bridge", 1),
    ]
    message = scalar(store, "SELECT message FROM ingest_log")
    assert "normalised area 'NORTHTOWN' -> 'Northtown' (1 rows)" in message
    assert "\n" not in message
    frame = quality_report(store).normalised
    assert frame[["original", "normalised", "rows"]].values.tolist() == [
        ["NORTHTOWN", "Northtown", 1],
        ["nORTHTOWN", "Northtown", 1],
        ["South \n  Bridge", "South Bridge", 1],
    ]


def test_a_later_file_takes_the_spelling_already_in_the_store(
    store: Store, tmp_path: Path
):
    first = write_incidents(tmp_path / "incidents_1.csv", [_line("B1", "Eastmoor")])
    ingest(store, [first], INCIDENTS_MAP)
    # a later extract spells it in capitals only: still one area
    later = write_incidents(
        tmp_path / "incidents_2.csv", [_line("B2", "EASTMOOR"), _line("B3", "EASTMOOR")]
    )
    ingest(store, [later], INCIDENTS_MAP)
    assert rows(store, "SELECT DISTINCT area FROM incidents") == [("Eastmoor",)]
    # reloading the same bytes is skipped and adds no second record
    ingest(store, [later], INCIDENTS_MAP)
    assert scalar(store, 'SELECT sum("rows") FROM normalised') == 2


def test_ties_prefer_mixed_case_and_the_choice_is_stable():
    got = canonical_spellings(Counter({"WESTDALE": 1, "Westdale": 1}), Counter())
    assert got == {"WESTDALE": "Westdale", "Westdale": "Westdale"}
    got = canonical_spellings(Counter({"ab": 2, "AB": 2}), Counter())
    assert got == {"ab": "AB", "AB": "AB"}
    # the store's spelling wins over a larger number of rows in one file
    got = canonical_spellings(Counter({"WESTDALE": 9}), Counter({"WestDale": 1}))
    assert got == {"WESTDALE": "WestDale"}


def test_quality_shows_what_was_normalised(tmp_path: Path):
    path = write_incidents(
        tmp_path / "incidents_q.csv",
        [_line("C1", "Northtown"), _line("C2", "nORTHTOWN")],
    )
    db = tmp_path / "q.duckdb"
    runner = CliRunner()
    done = runner.invoke(
        cli, ["ingest", str(path), "--adapter", str(INCIDENTS_MAP), "--db", str(db)]
    )
    assert done.exit_code == 0, done.output
    done = runner.invoke(
        cli, ["quality", "--show", "normalised", "--csv", "--db", str(db)]
    )
    assert done.exit_code == 0, done.output
    assert "incidents,area,nORTHTOWN,Northtown,1" in done.output


def test_an_area_of_only_whitespace_is_no_area(store: Store, tmp_path: Path):
    path = write_incidents(
        tmp_path / "incidents_ws.csv", [_line("D1", "\t"), _line("D2", " \n ")]
    )
    (file,) = ingest(store, [path], INCIDENTS_MAP).files
    assert (file.rows_loaded, file.rows_rejected) == (2, 0)
    assert rows(store, "SELECT area FROM incidents") == [(None,), (None,)]
    assert rows(store, "SELECT original, normalised FROM normalised ORDER BY 1") == [
        ("\t", None),
        ("\n", None),
    ]
