"""The store creates every contract table and runs work all-or-nothing."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from demand.lock import lock_path
from demand.schemas import STREAMS, get_stream
from demand.store import Store, StoreBusyError, quote
from demand.tables import DERIVED_TABLES


def test_store_creates_every_stream_and_derived_table(store: Store) -> None:
    counts = store.table_counts()
    assert set(counts) == set(STREAMS) | set(DERIVED_TABLES)
    assert all(n == 0 for n in counts.values())


def test_stream_tables_carry_schema_and_system_columns(store: Store) -> None:
    for name, schema in STREAMS.items():
        cols = [r[0] for r in store.con.execute(f"DESCRIBE {quote(name)}").fetchall()]
        assert cols == [*schema.column_names, "source_file", "loaded_at"]


def test_transaction_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as con:
        con.execute(
            "INSERT INTO establishment (department, role, as_at, fte, source_file, "
            "loaded_at) VALUES ('response', 'PC', DATE '2025-03-31', 10, 'x', now())"
        )
        raise RuntimeError("interrupted")
    assert store.count("establishment") == 0


def test_reopening_a_store_keeps_its_rows(tmp_path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as s, s.transaction() as con:
        con.execute(
            "INSERT INTO establishment (department, role, as_at, fte, source_file, "
            "loaded_at) VALUES ('response', 'PC', DATE '2025-03-31', 10, 'x', now())"
        )
    with Store(path, read_only=True) as s:
        assert s.count("establishment") == 1


def test_unknown_stream_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="calls, incidents"):
        get_stream("burglaries")


def test_quote_escapes_double_quotes() -> None:
    assert quote('a"b') == '"a""b"'


def test_a_store_made_by_another_version_is_refused(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    with Store(path) as s:
        s.con.execute("ALTER TABLE runs DROP COLUMN data_fingerprint")
    with pytest.raises(ValueError, match="another version of demand.*data_fingerprint"):
        Store(path)


def _stage_run(store: Store, run_id: str, pipeline: str, stage: str, minute: int):
    store.con.execute(
        "INSERT INTO stage_runs VALUES (?, ?, ?, 'i', 's', 'c', 'ran', NULL, "
        "TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_minutes(?), "
        "TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_minutes(?), 1.0, 1)",
        [run_id, pipeline, stage, minute, minute],
    )


def test_latest_run_is_the_pipelines_own(store: Store) -> None:
    _stage_run(store, "r1", "fms_annual", "forecast", 1)
    _stage_run(store, "r2", "weekly_operational", "forecast", 2)
    store.con.execute(
        "INSERT INTO forecasts (run_id, unique_id, stream, freq, measure, ds, "
        "horizon, model, mean) SELECT run_id, 'calls', 'calls', 'M', 'count', "
        "TIMESTAMP '2026-04-01', 1, 'm', 1.0 FROM (VALUES ('r1'), ('r2')) v(run_id)"
    )
    assert store.latest_run("fms_annual", "forecast", "forecasts") == "r1"
    assert store.latest_run("weekly_operational", "forecast") == "r2"
    assert store.latest_run("other", "forecast") is None
    # without run history, the newest run id holding rows stands in
    assert store.latest_run("other", "forecast", "forecasts") == "r2"


def test_every_connection_has_duckdbs_progress_bar_off(tmp_path: Path) -> None:
    # Its bar goes to stdout on queries over 2 s and landed as the first line of
    # `demand fms --csv > risks.csv`. DuckDB turns it on where Python runs no
    # script file (`python -c`, notebooks), so that is where this looks.
    db = tmp_path / "s.duckdb"
    Store(db).close()
    code = (
        "import sys\nfrom demand.store import Store\n"
        "for path, read_only in ((sys.argv[1], False), (sys.argv[1], True), "
        "(':memory:', False)):\n"
        "    with Store(path, read_only) as store:\n"
        '        print(store.con.execute("SELECT current_setting('
        "'enable_progress_bar')\").fetchone()[0])\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code, str(db)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert shown.stdout.split() == ["False", "False", "False"]


@contextmanager
def _held(db: Path, seconds: float = 60, read_only: bool = False) -> Iterator[int]:
    """Hold the store open in another process (as a notebook would); yield its pid."""
    code = (
        "import sys, time, duckdb\n"
        "con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro')\n"
        "print('held', flush=True)\ntime.sleep(float(sys.argv[3]))\n"
    )
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            str(db),
            "ro" if read_only else "rw",
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


def test_a_store_held_by_another_process_is_refused_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.duckdb"
    Store(db).close()
    monkeypatch.setenv("DEMAND_BUSY_WAIT_SECONDS", "0.5")
    with _held(db, read_only=True) as pid:
        with pytest.raises(StoreBusyError) as caught:
            Store(db)
    message = str(caught.value)
    assert f"(pid {pid})" in message and str(db) in message
    assert "waited 0.5 s" in message and "\n" not in message
    assert message.endswith(".") and message.count(". ") == 0  # one sentence


def test_a_store_held_by_a_run_names_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.duckdb"
    Store(db).close()
    monkeypatch.setenv("DEMAND_BUSY_WAIT_SECONDS", "0")
    with _held(db) as pid:
        lock = {"pid": pid, "host": socket.gethostname(), "run_id": "20261204-abc"}
        lock_path(db).write_text(json.dumps(lock), encoding="utf-8")
        with pytest.raises(StoreBusyError, match=f"run 20261204-abc, pid {pid}"):
            Store(db, read_only=True)


def test_a_reader_waits_for_a_holder_that_lets_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.con.execute(
            "INSERT INTO rejects VALUES ('f', 'sha', 'calls', 2, 'c', 'v', 'r', now())"
        )
    monkeypatch.setenv("DEMAND_BUSY_WAIT_SECONDS", "120")
    with _held(db, seconds=1):
        with Store(db, read_only=True) as store:  # opens once the holder has gone
            assert store.count("rejects") == 1


def test_a_new_folder_for_the_store_is_announced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "new" / "folder" / "s.duckdb"
    with caplog.at_level(logging.WARNING, logger="demand.store"), Store(db):
        pass
    assert any(str(db.parent) in r.getMessage() for r in caplog.records)
    assert os.path.isdir(db.parent)


@pytest.mark.parametrize("wait", ["abc", "-1", "nan", "inf"])
def test_a_bad_busy_wait_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wait: str
) -> None:
    monkeypatch.setenv("DEMAND_BUSY_WAIT_SECONDS", wait)
    with pytest.raises(ValueError, match="DEMAND_BUSY_WAIT_SECONDS: expected"):
        Store(tmp_path / "s.duckdb")


def test_replace_run_rows_takes_columns_from_the_table_contract() -> None:
    import pandas as pd

    from demand.store.runs import replace_run_rows
    from demand.tables import table_columns

    first = pd.DataFrame(
        {"swing": [2.0], "department": ["response"], "financial_year": ["2025/26"],
         "assumption": ["unit time"], "not_a_column": ["dropped"]}
    )  # fmt: skip
    with Store() as store:
        with store.transaction() as con:
            assert replace_run_rows(con, "sensitivity", first, "r1") == 1
            replace_run_rows(con, "sensitivity", first, "r2")
        again = first.assign(swing=5.0)
        with store.transaction() as con:
            replace_run_rows(con, "sensitivity", pd.concat([again] * 2), "r1")
        rows = store.con.execute(
            "SELECT * FROM sensitivity ORDER BY run_id, swing"
        ).df()
    assert list(rows.columns) == table_columns("sensitivity")
    assert list(rows["run_id"]) == ["r1", "r1", "r2"]  # r1 replaced, r2 kept
    assert list(rows["swing"]) == [5.0, 5.0, 2.0]
    assert rows["gap_fte"].isna().all()  # a contract column the frame lacks
