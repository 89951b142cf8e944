"""A lock file that lets one run at a time use a store, and survives crashes."""

from __future__ import annotations

import errno
import json
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["RunLockedError", "lock_path", "read_lock", "run_lock"]

log = logging.getLogger(__name__)


class RunLockedError(RuntimeError):
    """Another live run holds the store's lock."""


def lock_path(db: Path) -> Path:
    """Return the lock file of the store at `db`: `<db>.lock` beside it."""
    return db.with_name(db.name + ".lock")


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_lock(lock: Path) -> dict[str, Any]:
    """Return what a lock file says of its holder (pid, host, run_id, started_at).

    Returns:
        The holder, or {} if the file is missing, empty, not JSON, or has no
        whole-number pid.
    """
    try:
        held = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(held, dict) or not isinstance(held.get("pid"), int):
        return {}
    return held


def _publish(lock: Path, me: dict[str, Any]) -> bool:
    """Create `lock` holding `me`, complete or not at all; False if it exists.

    The content is written to a private file first and then hard-linked to the
    lock's name, so no other process can ever see a lock that exists but is empty
    or half written (a run killed between creating and writing it used to leave
    such a file, and it blocked every run until deleted by hand).
    """
    tmp = lock.with_name(f".{lock.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_text(json.dumps(me), encoding="utf-8")
        os.link(tmp, lock)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        return _publish_exclusive(lock, me)
    finally:
        tmp.unlink(missing_ok=True)
    return True


# Filesystems without hard links (some network and FUSE mounts) answer these.
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


def _publish_exclusive(lock: Path, me: dict[str, Any]) -> bool:
    """Create `lock` exclusively, then write it: the fallback where a filesystem
    has no hard links (there a run starting in that instant finds it empty)."""
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(me))
    return True


def _remove_stale(lock: Path, why: str) -> None:
    try:
        lock.unlink(missing_ok=True)
    except OSError as exc:
        raise RunLockedError(
            f"The lock {lock} is {why} but cannot be removed ({exc.strerror}); "
            "delete it by hand."
        ) from None


@contextmanager
def run_lock(lock: Path, run_id: str) -> Iterator[bool]:
    """Hold `lock` for the block; yield whether a stale lock was taken over.

    A lock whose process is gone on this host (a run killed by SIGKILL or a power
    cut) is taken over, with a warning, and so is a lock file that cannot be read
    as a lock (empty or garbage); a live holder is refused.

    Raises:
        RunLockedError: a live process on this host, or a process on another host,
            holds the lock.
    """
    if not lock.parent.is_dir():  # said out loud: a mistyped path starts a new store
        log.warning("Creating the folder %s for a new store.", lock.parent)
        lock.parent.mkdir(parents=True, exist_ok=True)
    me = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "run_id": run_id,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    recovered = False
    for _ in range(3):
        if _publish(lock, me):
            break
        held = read_lock(lock)
        if not held:
            if not lock.exists():
                continue  # its holder finished between our two looks
            log.warning(
                "The lock file %s is empty or unreadable (no run wrote it whole); "
                "treating it as stale and taking it over.",
                lock,
            )
            _remove_stale(lock, "unreadable")
            recovered = True
            continue
        pid, host = int(held["pid"]), held.get("host")
        if host == me["host"] and not _is_alive(pid):
            log.warning(
                "Recovering the lock of crashed run %s (pid %s).",
                held.get("run_id"),
                pid,
            )
            _remove_stale(lock, "stale")
            recovered = True
            continue
        raise RunLockedError(
            f"Another run ({held.get('run_id', '?')}, pid {pid} on {host}, started "
            f"{held.get('started_at', '?')}) is using this store; wait for it to "
            f"finish, or delete {lock} if that process is gone."
        )
    else:
        raise RunLockedError(
            f"Could not take the lock {lock}: other runs keep taking it; try again."
        )
    try:
        yield recovered
    finally:
        if read_lock(lock).get("run_id") == run_id:
            lock.unlink(missing_ok=True)
