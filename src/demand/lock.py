"""A lock file that lets one run at a time use a store, and survives crashes."""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["RunLockedError", "run_lock"]

log = logging.getLogger(__name__)


class RunLockedError(RuntimeError):
    """Another live run holds the store's lock."""


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder(lock: Path) -> dict:
    try:
        return json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@contextmanager
def run_lock(lock: Path, run_id: str) -> Iterator[bool]:
    """Hold `lock` for the block; yield whether a crashed run's lock was recovered.

    A lock whose process is gone on this host (a run killed by SIGKILL or a power
    cut) is taken over, with a warning; a live holder is refused.

    Raises:
        RunLockedError: a live process on this host holds the lock.
    """
    lock.parent.mkdir(parents=True, exist_ok=True)
    me = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "run_id": run_id,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    recovered = False
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            held = _holder(lock)
            pid, host = held.get("pid"), held.get("host")
            if isinstance(pid, int) and host == me["host"] and not _is_alive(pid):
                log.warning(
                    "Recovering the lock of crashed run %s (pid %s).",
                    held.get("run_id"),
                    pid,
                )
                lock.unlink(missing_ok=True)
                recovered = True
                continue
            raise RunLockedError(
                f"Another run ({held.get('run_id', '?')}, pid {pid} on {host}, started "
                f"{held.get('started_at', '?')}) is using this store; wait for it to "
                f"finish, or delete {lock} if that process is gone."
            ) from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(me, fh)
        break
    try:
        yield recovered
    finally:
        if _holder(lock).get("run_id") == run_id:
            lock.unlink(missing_ok=True)
