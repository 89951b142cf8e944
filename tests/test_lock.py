"""One run at a time per store; a crashed run's lock is recovered."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from demand.lock import RunLockedError, run_lock


def test_a_second_holder_is_refused_while_the_first_lives(tmp_path: Path) -> None:
    lock = tmp_path / "s.duckdb.lock"
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom demand.lock import run_lock\n"
        f"with run_lock(Path({str(lock)!r}), 'first'):\n"
        "    print('held', flush=True)\n    time.sleep(30)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(RunLockedError, match="Another run \\(first"):
            with run_lock(lock, "second"):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_lock_of_a_dead_process_is_recovered(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    lock = tmp_path / "s.duckdb.lock"
    lock.write_text(
        json.dumps(
            {"pid": int(dead.stdout), "host": socket.gethostname(), "run_id": "crashed"}
        )
    )
    with run_lock(lock, "next") as recovered:
        assert recovered
        assert json.loads(lock.read_text())["run_id"] == "next"
    assert not lock.exists()


def test_lock_is_released_when_the_block_raises(tmp_path: Path) -> None:
    lock = tmp_path / "s.duckdb.lock"
    with pytest.raises(KeyError), run_lock(lock, "r1"):
        raise KeyError("boom")
    assert not lock.exists()


@pytest.mark.parametrize(
    "content", ["", "{", "garbage\n", "[]", '{"pid": "1234"}', '{"run_id": "x"}']
)
def test_an_unreadable_lock_is_taken_over_with_a_warning(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A run killed between creating the lock and writing it left such a file,
    # and every later run was refused until someone deleted it by hand.
    lock = tmp_path / "s.duckdb.lock"
    lock.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="demand.lock"):
        with run_lock(lock, "next") as recovered:
            assert recovered
            assert json.loads(lock.read_text())["run_id"] == "next"
    assert not lock.exists()
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and str(lock) in warned[0].getMessage()


def test_the_lock_appears_whole_and_leaves_nothing_behind(tmp_path: Path) -> None:
    lock = tmp_path / "s.duckdb.lock"
    with run_lock(lock, "r1"):
        assert [p.name for p in tmp_path.iterdir()] == [lock.name]
        held = json.loads(lock.read_text())
        assert held["run_id"] == "r1" and held["pid"] == os.getpid()
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_created_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lock = tmp_path / "new" / "s.duckdb.lock"
    with caplog.at_level(logging.WARNING, logger="demand.lock"), run_lock(lock, "r"):
        assert lock.exists()
    assert [r.getMessage() for r in caplog.records] == [
        f"Creating the folder {lock.parent} for a new store."
    ]
