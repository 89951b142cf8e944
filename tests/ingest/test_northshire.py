"""The built-in Northshire maps load the synthetic force: clean rows in, faults out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ingest_helpers import rows

from demand.ingest import ingest
from demand.store import Store

synth = pytest.importorskip("demand.synth")


@pytest.fixture(scope="module")
def force(tmp_path_factory: pytest.TempPathFactory):
    """One year of Northshire with faults, ingested once for the module's tests."""
    root = tmp_path_factory.mktemp("northshire")
    raw = root / "raw"
    synth.generate_force(raw, years=1, faults=True)
    truth = json.loads((raw / "truth.json").read_text(encoding="utf-8"))
    store = Store(root / "store.duckdb")
    result = ingest(store, [raw], "northshire")
    yield (
        raw,
        truth,
        store,
        {f.file.relative_to(raw).as_posix(): f for f in result.files},
        result,
    )
    store.close()


def test_every_file_is_ingested_and_only_the_misspelt_one_is_rejected(force):
    raw, truth, _, results, result = force
    assert set(results) == set(truth["files"])
    wrong = {f["file"] for f in truth["faults"] if f["kind"] == "wrong_column_names"}
    assert {name for name, f in results.items() if f.status == "rejected"} == wrong
    assert not result.ok and len(result.errors) == len(wrong) == 1


def test_every_clean_row_loads_and_every_fault_row_is_rejected(force):
    _, truth, _, results, _ = force
    for name, expected in truth["files"].items():
        got = results[name]
        if got.status == "rejected":
            continue
        assert got.rows_loaded == expected["rows"], name
        assert got.rows_rejected == expected.get("fault_rows", 0), name
        assert got.rows_read == got.rows_loaded + got.rows_rejected


def test_every_fault_is_in_rejects_at_its_file_and_line(force):
    raw, truth, store, _, _ = force
    found = {
        (Path(file).relative_to(raw).as_posix(), line): (column, reason)
        for file, line, column, reason in rows(
            store, 'SELECT file, line, "column", reason FROM rejects'
        )
    }
    row_faults = [
        f
        for f in truth["faults"]
        if f["kind"] not in ("other_encoding", "wrong_column_names")
    ]
    assert row_faults
    for fault in row_faults:
        column, reason = found[(fault["file"], fault["line"])]
        assert column == fault["column"] and reason, fault
    assert len(found) == len(row_faults) + _misspelt_rows(truth, store, raw)


def _misspelt_rows(truth: dict, store: Store, raw: Path) -> int:
    (wrong,) = [f["file"] for f in truth["faults"] if f["kind"] == "wrong_column_names"]
    reasons = rows(
        store, "SELECT DISTINCT reason FROM rejects WHERE file = ?", [str(raw / wrong)]
    )
    assert len(reasons) == 1 and "'Incident Number' for incident_id" in reasons[0][0]
    assert "closest header found: 'Incident Numbr'" in reasons[0][0]
    return rows(
        store, "SELECT count(*) FROM rejects WHERE file = ?", [str(raw / wrong)]
    )[0][0]


def test_the_cp1252_file_loads_intact_with_its_encoding_recorded(force):
    raw, truth, store, results, _ = force
    (fault,) = [f for f in truth["faults"] if f["kind"] == "other_encoding"]
    got = results[fault["file"]]
    assert (got.status, got.encoding) == ("loaded", "cp1252")
    assert got.rows_loaded == truth["files"][fault["file"]]["rows"]
    logged = rows(
        store,
        "SELECT encoding FROM ingest_log WHERE file = ?",
        [str(raw / fault["file"])],
    )
    assert logged == [("cp1252",)]
    assert rows(store, "SELECT count(*) FROM crimes WHERE outcome LIKE '%£%'")[0][0] > 0


def test_stream_tables_hold_canonical_values_only(force):
    _, _, store, _, _ = force
    assert {g for (g,) in rows(store, "SELECT DISTINCT grade FROM incidents")} <= {
        "G1",
        "G2",
        "G3",
        "G4",
        "RWD",
    }
    assert {r for (r,) in rows(store, "SELECT DISTINCT risk FROM missing_persons")} <= {
        "high",
        "medium",
        "low",
        "no_apparent_risk",
    }
    departments = {
        d for (d,) in rows(store, "SELECT DISTINCT department FROM establishment")
    }
    assert departments == {
        "control_room",
        "response",
        "neighbourhood",
        "investigation",
        "public_protection",
    }
