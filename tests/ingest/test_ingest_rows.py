"""Loading rows: counts add up, re-loads add nothing, overlaps update by key."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingest_helpers import (
    FAULTS_CSV,
    INCIDENTS_CSV,
    INCIDENTS_MAP,
    rows,
    scalar,
    write_incidents,
)

from demand.ingest import FileResult, ingest
from demand.store import Store


def test_fixture_loads_all_but_its_malformed_line(store: Store):
    result = ingest(store, [INCIDENTS_CSV], INCIDENTS_MAP)
    (file,) = result.files
    assert result.ok and file.status == "loaded"
    assert (file.rows_read, file.rows_loaded, file.rows_rejected) == (20, 19, 1)
    assert file.rows_inserted == 19 and file.rows_updated == 0
    assert store.count("incidents") == 19
    ((line, reason),) = rows(store, "SELECT line, reason FROM rejects")
    assert line == 10 and reason.startswith("malformed CSV line: too many columns")
    log = rows(store, "SELECT sha256, encoding, status, rows_read FROM ingest_log")
    sha = hashlib.sha256(INCIDENTS_CSV.read_bytes()).hexdigest()
    assert log == [(sha, "utf-8", "loaded", 20)]
    assert scalar(store, "SELECT count(DISTINCT source_file) FROM incidents") == 1
    # grade codes mapped, deployed derived from dispatched_at
    assert rows(store, "SELECT DISTINCT grade FROM incidents ORDER BY 1") == [
        ("G1",), ("G2",), ("G3",), ("G4",), ("RWD",)
    ]  # fmt: skip
    assert scalar(store, "SELECT count(*) FROM incidents WHERE deployed") == 12


def test_read_is_loaded_plus_rejected_in_result_log_and_tables(store: Store):
    result = ingest(store, [INCIDENTS_CSV, FAULTS_CSV], INCIDENTS_MAP)
    for file in result.files:
        assert file.rows_read == file.rows_loaded + file.rows_rejected
        assert file.rows_loaded == file.rows_inserted + file.rows_updated
        rejected = scalar(
            store, "SELECT count(*) FROM rejects WHERE file = ?", [str(file.file)]
        )
        loaded = scalar(
            store,
            "SELECT count(*) FROM incidents WHERE source_file = ?",
            [str(file.file)],
        )
        assert (loaded, rejected) == (file.rows_loaded, file.rows_rejected)
    logged = rows(
        store,
        "SELECT sum(rows_read), sum(rows_loaded), sum(rows_rejected) FROM ingest_log",
    )
    assert logged == [(32, 22, 10)]
    assert store.count("incidents") + store.count("rejects") == 32


def test_reingesting_the_same_bytes_adds_nothing(store: Store, tmp_path: Path):
    ingest(store, [INCIDENTS_CSV], INCIDENTS_MAP)
    before = store.table_counts()
    copy = tmp_path / "incidents_copy.csv"
    copy.write_bytes(INCIDENTS_CSV.read_bytes())
    again = ingest(store, [INCIDENTS_CSV, copy], INCIDENTS_MAP)
    assert [f.status for f in again.files] == ["skipped", "skipped"]
    assert again.ok and again.rows_loaded == 0
    assert store.table_counts() == before


def test_overlapping_extract_updates_rows_by_key(store: Store, tmp_path: Path):
    ingest(store, [INCIDENTS_CSV], INCIDENTS_MAP)
    later = write_incidents(
        tmp_path / "incidents_later.csv",
        [
            "NS24-000119,27/10/2024 10:50,2,Admin,Eastmoor,27/10/2024 11:00,,,1.0,",
            "NS24-000120,27/10/2024 11:30,1,Violence,Southbridge,,,,7.5,weapon",
            "NS24-000121,27/10/2024 12:10,3,Theft,Northtown,,,,,",
        ],
    )
    result = ingest(store, [later], INCIDENTS_MAP)
    (file,) = result.files
    assert (file.rows_inserted, file.rows_updated, file.rows_rejected) == (1, 2, 0)
    assert store.count("incidents") == 20
    assert scalar(store, "SELECT count(DISTINCT incident_id) FROM incidents") == 20
    grade, hours, source = rows(
        store,
        "SELECT grade, officer_hours, source_file FROM incidents "
        "WHERE incident_id = 'NS24-000119'",
    )[0]
    assert (grade, hours, source) == ("G2", 1.0, str(later))


def test_unmapped_columns_never_reach_the_store(store: Store, tmp_path: Path):
    secret = ["Ada Lovelace", "12 Secret Street", "07700 900123"]
    path = tmp_path / "incidents_people.csv"
    header = "Caller Name,Incident Number,Created,Grade,Address,LPA,Phone"
    path.write_text(
        f"{header}\n"
        f"{secret[0]},P-1,01/03/2024 10:00,1,{secret[1]},Northtown,{secret[2]}\n"
        f"{secret[0]},P-2,01/03/2024 10:05,9,{secret[1]},Northtown,{secret[2]}\n"
        f"{secret[0]},P-3,01/03/2024 10:10,1,{secret[1]},Northtown,{secret[2]},extra\n",
        encoding="utf-8",
    )
    (tmp_path / "people.toml").write_text(
        'stream = "incidents"\nglob = "incidents_people.csv"\n[columns]\n'
        'incident_id = "Incident Number"\ncreated_at = "Created"\ngrade = "Grade"\n'
        'area = "LPA"\n[values.grade]\n"1" = "G1"\n',
        encoding="utf-8",
    )
    result = ingest(store, [path], tmp_path / "people.toml")
    assert [(f.rows_loaded, f.rows_rejected) for f in result.files] == [(1, 2)]
    for table in store.table_counts():
        text = scalar(
            store,
            "SELECT coalesce(string_agg(CAST(t AS VARCHAR), '|'), '') "
            f'FROM "{table}" t',
        )
        for value in secret:
            assert value not in text, (table, value)


def test_progress_is_called_after_each_file(store: Store):
    seen: list[FileResult] = []
    result = ingest(
        store, [INCIDENTS_CSV, FAULTS_CSV], INCIDENTS_MAP, progress=seen.append
    )
    assert seen == list(result.files) and len(seen) == 2


def test_folder_is_searched_with_each_maps_glob(store: Store, tmp_path: Path):
    raw = tmp_path / "raw"
    (raw / "incidents").mkdir(parents=True)
    (raw / "incidents" / "incidents_2024-10.csv").write_bytes(
        INCIDENTS_CSV.read_bytes()
    )
    (raw / "notes.txt").write_text("not an extract", encoding="utf-8")
    result = ingest(store, [raw], "northshire")
    assert [(f.file.name, f.stream, f.status) for f in result.files] == [
        ("incidents_2024-10.csv", "incidents", "loaded")
    ]
    assert store.count("incidents") == 19


def test_header_only_file_loads_nothing_and_is_ok(store: Store, tmp_path: Path):
    path = write_incidents(tmp_path / "incidents_empty_month.csv", [])
    result = ingest(store, [path], INCIDENTS_MAP)
    assert result.ok
    assert [(f.status, f.rows_read) for f in result.files] == [("loaded", 0)]


def test_crlf_lines_and_a_stray_quote_are_accounted_for(store: Store, tmp_path: Path):
    path = tmp_path / "incidents_crlf.csv"
    lines = [
        "A1,01/03/2024 10:00,1,ASB,Northtown,,,,,",
        'A2,01/03/2024 10:05,1,"ASB,Northtown,,,,,',  # stray quote joins the next line
        "A3,01/03/2024 10:10,1,ASB,Northtown,,,,,",
    ]
    write_incidents(path, lines)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    (file,) = ingest(store, [path], INCIDENTS_MAP).files
    assert (file.rows_read, file.rows_loaded, file.rows_rejected) == (2, 1, 1)
    assert rows(store, "SELECT line, reason FROM rejects")[0][0] == 3
    assert "1 line(s) belong to quoted fields spanning several lines" in file.message
