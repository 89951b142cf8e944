"""A file loads all or nothing: a process killed mid-file leaves the store as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ingest_helpers import INCIDENT_HEADER, INCIDENTS_CSV, INCIDENTS_MAP, rows

from demand.ingest import ingest
from demand.store import Store

ROWS = 1_000_000
MARKER = "in one transaction"  # logged by ingest just before it opens the transaction

SCRIPT = """
import logging, signal, sys, time
from pathlib import Path
import demand.ingest.load as load
from demand.ingest import ingest
from demand.store import Store
# Ctrl-C raises KeyboardInterrupt, as at a terminal, even when this test runs
# under a shell that started it in the background (SIGINT then arrives ignored).
signal.signal(signal.SIGINT, signal.default_int_handler)
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
write = load._write
def write_then_wait(*args):  # the rows are written, the transaction still open:
    out = write(*args)       # the test's signal lands here, however fast the write
    time.sleep(10)
    return out
load._write = write_then_wait
with Store(sys.argv[1]) as store:
    ingest(store, [Path(sys.argv[2])], sys.argv[3])
print("DONE", flush=True)
"""


def _write_big_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(INCIDENT_HEADER + "\n")
        for first in range(0, ROWS, 100_000):
            out.write(
                "".join(
                    f"K{i:07d},01/03/2024 {i % 24:02d}:{i % 60:02d},{i % 4 + 1},ASB,"
                    f"Northtown,,,,{i % 7}.5,\n"
                    for i in range(first, first + 100_000)
                )
            )


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_killed_mid_file_leaves_the_store_unchanged(
    tmp_path: Path, sig: signal.Signals
):
    db = tmp_path / "store.duckdb"
    with Store(db) as store:
        ingest(store, [INCIDENTS_CSV], INCIDENTS_MAP)
        before = store.table_counts()
    big = tmp_path / "incidents_big.csv"
    _write_big_csv(big)

    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(db), str(big), str(INCIDENTS_MAP)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    seen = []
    assert proc.stderr is not None
    for line in proc.stderr:
        seen.append(line)
        if MARKER in line and "incidents_big" in line:
            time.sleep(
                0.05
            )  # now deleting and inserting 1M rows inside the transaction
            proc.send_signal(sig)
            break
    stdout, stderr = proc.communicate(timeout=60)
    # SIGKILL ends it at once; Ctrl-C raises KeyboardInterrupt, which rolls back.
    expected = -signal.SIGKILL if sig == signal.SIGKILL else 1
    assert proc.returncode == expected, "".join(seen) + stderr
    assert "DONE" not in stdout and "1000000 loaded" not in stderr

    with Store(db) as store:
        assert store.table_counts() == before
        assert rows(
            store, "SELECT count(*) FROM ingest_log WHERE file = ?", [str(big)]
        ) == [(0,)]
        # the file was not recorded as loaded, so loading it again works in full
        (file,) = ingest(store, [big], INCIDENTS_MAP).files
        assert (file.status, file.rows_loaded) == ("loaded", ROWS)
        assert store.count("incidents") == before["incidents"] + ROWS
