"""Bad input gets one clear sentence saying how to fix it, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ingest_helpers import (
    INCIDENT_HEADER,
    INCIDENTS_CSV,
    INCIDENTS_MAP,
    rows,
    write_map,
)

from demand.ingest import IngestError, ingest
from demand.store import Store


def _one_sentence(message: str) -> None:
    assert "\n" not in message and "Traceback" not in message
    assert message.endswith(".")


@pytest.mark.parametrize(
    ("paths", "adapter", "fragment"),
    [
        (["missing.csv"], INCIDENTS_MAP, "missing.csv does not exist"),
        (["no_such_folder"], INCIDENTS_MAP, "no_such_folder does not exist"),
        ([INCIDENTS_CSV], "southshire", "Unknown adapter 'southshire'"),
        ([INCIDENTS_CSV], "northshire", "matches no column map"),
        (["EMPTY"], "northshire", "holds no file matching"),
    ],
)
def test_bad_paths_and_adapters_raise_ingest_error(
    store: Store, tmp_path: Path, paths, adapter, fragment
):
    paths = [tmp_path if p == "EMPTY" else Path(p) for p in paths]
    with pytest.raises(IngestError) as err:
        ingest(store, paths, adapter)
    assert fragment in str(err.value)
    _one_sentence(str(err.value))


def test_unknown_stream_in_a_map(store: Store, tmp_path: Path):
    adapter = write_map(
        tmp_path / "m.toml", 'stream = "burglaries"\nglob = "*.csv"\n[columns]\n'
    )
    with pytest.raises(
        IngestError, match=r"key 'stream' names no stream; use one of: calls"
    ):
        ingest(store, [INCIDENTS_CSV], adapter)


def test_missing_columns_reject_the_file_and_others_still_load(
    store: Store, tmp_path: Path
):
    bad = tmp_path / "incidents_bad.csv"
    header = INCIDENT_HEADER.replace("Incident Number", "Incident Numbr").replace(
        "Grade", "Grde"
    )
    bad.write_text(
        f"{header}\nX1,01/03/2024 10:00,1,ASB,Northtown,,,,,\n" * 1, encoding="utf-8"
    )
    bad.write_text(
        bad.read_text(encoding="utf-8") + "X2,01/03/2024 10:05,1,ASB,Northtown,,,,,\n",
        encoding="utf-8",
    )
    result = ingest(store, [bad, INCIDENTS_CSV], INCIDENTS_MAP)
    assert not result.ok
    by_file = {f.file.name: f for f in result.files}  # files come sorted by path
    assert by_file[bad.name].status == "rejected"
    assert by_file[INCIDENTS_CSV.name].status == "loaded"
    message = by_file[bad.name].message
    assert (
        "'Incident Number' for incident_id (closest header found: 'Incident Numbr')"
        in message
    )
    assert "'Grade' for grade (closest header found: 'Grde')" in message
    _one_sentence(message)
    assert result.errors == [message]
    assert (by_file[bad.name].rows_read, by_file[bad.name].rows_rejected) == (2, 2)
    assert rows(
        store,
        'SELECT line, "column" FROM rejects WHERE file = ? ORDER BY line',
        [str(bad)],
    ) == [
        (2, "incident_id"),
        (3, "incident_id"),
    ]
    assert sorted(rows(store, "SELECT status FROM ingest_log")) == [
        ("loaded",),
        ("rejected",),
    ]
    assert store.count("incidents") == 19


@pytest.mark.parametrize(
    ("content", "name", "fragment"),
    [
        (b"", "incidents_empty.csv", "is empty"),
        (
            INCIDENT_HEADER.encode() + b"\nA1,\x81\x8d\n",
            "incidents_enc.csv",
            "cannot be read as cp1252",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "incidents_png.csv",
            "is not a text table",
        ),
        (
            b"<html><body>Not found</body></html>\n",
            "incidents_html.csv",
            "does not look like a ','-separated table",
        ),
        (
            b"PK\x03\x04 not really a workbook",
            "incidents_book.xlsx",
            "is not a valid Excel workbook",
        ),
        (
            b"PAR1 not really parquet",
            "incidents_x.parquet",
            "is not a readable Parquet file",
        ),
        (b"\n\n", "incidents_blank.csv", "has no header line"),
    ],
    ids=[
        "empty",
        "undecodable",
        "binary",
        "html",
        "bad-xlsx",
        "bad-parquet",
        "no-header",
    ],
)
def test_unreadable_files_are_rejected_with_a_clear_message(
    store: Store, tmp_path: Path, content: bytes, name: str, fragment: str
):
    path = tmp_path / name
    path.write_bytes(content)
    adapter = write_map(
        tmp_path / "m.toml",
        INCIDENTS_MAP.read_text(encoding="utf-8").replace(
            "incidents*.csv", "incidents_*"
        ),
    )
    result = ingest(store, [path], adapter)
    (file,) = result.files
    assert not result.ok and file.status == "rejected"
    assert fragment in file.message and str(path) in file.message
    _one_sentence(file.message)
    assert rows(store, "SELECT status, message FROM ingest_log") == [
        ("rejected", file.message)
    ]
    assert store.count("incidents") == 0


def test_declared_encoding_that_does_not_fit_is_rejected(store: Store, tmp_path: Path):
    path = tmp_path / "incidents_1252.csv"
    path.write_bytes(
        (INCIDENT_HEADER + "\nA1,01/03/2024 10:00,1,Caf\xe9,Northtown,,,,,\n").encode(
            "cp1252"
        )
    )
    text = INCIDENTS_MAP.read_text(encoding="utf-8")
    adapter = write_map(tmp_path / "m.toml", 'encoding = "utf-8"\n' + text)
    (file,) = ingest(store, [path], adapter).files
    assert file.status == "rejected" and "cannot be read as utf-8" in file.message


def test_errors_reach_a_script_as_one_line_without_traceback(tmp_path: Path):
    script = (
        "import sys\nfrom pathlib import Path\n"
        "from demand.ingest import IngestError, ingest\n"
        "from demand.store import Store\n"
        "try:\n    ingest(Store(), [Path(sys.argv[1])], 'northshire')\n"
        "except IngestError as exc:\n    print(exc, file=sys.stderr)\n    sys.exit(1)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().endswith(
        "does not exist; check the file or folder name."
    )
    assert "Traceback" not in done.stderr
