"""The DuckDB store: open it, create its tables, and run work in transactions.

The store's SQL lives in this package, one module per reader or writer:
`runs` (replace a run's rows, the run log), `stage_reads` (fingerprints,
series, forecasts), `capacity_reads`, `report_reads`, `earlier_runs`,
`report_writes` (the `fms_*` views, the Parquet series), `partner_reads` and
`summary_reads` (what one run wrote, summarised for the CLI).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from demand.lock import lock_path, read_lock
from demand.schemas import STREAMS, SYSTEM_COLUMNS, StreamSchema
from demand.tables import DERIVED_TABLES

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_PIPELINE",
    "PROCESSED_DIR",
    "Store",
    "StoreBusyError",
    "busy_wait_seconds",
    "default_db_path",
    "pipeline_folder",
    "memory_limit",
    "quote",
    "stream_table_ddl",
]

log = logging.getLogger(__name__)

PROCESSED_DIR = Path("data/processed")
"""Where each pipeline's own folder (store and exports) is made by default."""

DEFAULT_PIPELINE = "demo"
"""The pipeline whose store commands without a pipeline (status, runs, ...) use."""

DEFAULT_DB = PROCESSED_DIR / DEFAULT_PIPELINE / "demand.duckdb"


def pipeline_folder(pipeline: str) -> Path:
    """Return `data/processed/<pipeline>`: the pipeline's own store and exports.

    Raises:
        ValueError: the name is not a plain folder name (a separator, `..`).
    """
    if not pipeline or pipeline in (".", "..") or any(c in pipeline for c in "/\\:\0"):
        raise ValueError(
            f"Pipeline name {pipeline!r} cannot name a folder; use letters, digits, "
            "'_' or '-' in [pipeline] name."
        )
    return PROCESSED_DIR / pipeline


def default_db_path(pipeline: str = DEFAULT_PIPELINE, configured: str = "") -> Path:
    """Return the store to use when no `--db` is given.

    `$DEMAND_DB` if set; else the pipeline's `[store] db` (`configured`), which
    pipelines that share a store on purpose both name; else the pipeline's own
    store, `data/processed/<pipeline>/demand.duckdb`.

    Args:
        pipeline: The pipeline's name (default the demo's).
        configured: The pipeline's `[store] db`; "" for none.
    """
    env = os.environ.get("DEMAND_DB")
    if env:
        return Path(env)
    if configured:
        return Path(configured)
    return pipeline_folder(pipeline) / "demand.duckdb"


def memory_limit() -> str:
    """Return DuckDB's memory budget: `$DEMAND_MEMORY_LIMIT` if set, else "1536MB"."""
    return os.environ.get("DEMAND_MEMORY_LIMIT", "1536MB")


def busy_wait_seconds() -> float:
    """Return how long opening a busy store waits for it to be free.

    `$DEMAND_BUSY_WAIT_SECONDS` if set, else 10 s: enough to ride out another
    short command (`demand status`, a BI refresh), not a pipeline run.

    Raises:
        ValueError: the variable is not a number of seconds ≥ 0.
    """
    text = os.environ.get("DEMAND_BUSY_WAIT_SECONDS", "10")
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ValueError(
            f"DEMAND_BUSY_WAIT_SECONDS: expected seconds ≥ 0, e.g. 10; found {text!r}."
        )
    return seconds


class StoreBusyError(RuntimeError):
    """Another process holds the store open, so it cannot be opened now."""


def quote(identifier: str) -> str:
    """Quote an SQL identifier so user-supplied names can never be read as SQL."""
    return '"' + identifier.replace('"', '""') + '"'


def stream_table_ddl(schema: StreamSchema) -> str:
    """Return the column definitions of a stream table, system columns last."""
    cols = [*schema.columns, *SYSTEM_COLUMNS]
    return ",\n".join(f"{quote(c.name)} {c.dtype}" for c in cols)


def _connect(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB connection the one way the toolkit does.

    DuckDB draws a progress bar on stdout for queries over 2 s, which lands in the
    middle of data (`demand fms --csv > risks.csv`); it is switched off before any
    query runs. A store another process holds is retried until the wait is up.
    """
    deadline = time.monotonic() + busy_wait_seconds()
    while True:
        try:
            con = duckdb.connect(path, read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "Could not set lock" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise StoreBusyError(_busy_message(Path(path), str(exc))) from None
            time.sleep(0.2)
    con.execute("SET enable_progress_bar = false")
    return con


_HOLDER = re.compile(
    r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)"
)


def _busy_message(path: Path, error: str) -> str:
    """One sentence naming who holds the store and what to do about it."""
    found = _HOLDER.search(error)
    pid = int(found["pid"]) if found else None
    run = read_lock(lock_path(path))
    if run and (pid is None or run["pid"] == pid):
        who = (
            f"demand (run {run.get('run_id', '?')}, pid {run['pid']}, started "
            f"{run.get('started_at', '?')})"
        )
        todo = "try again when it has finished"
    else:
        who = "another process" if found is None else _describe(pid, found["program"])
        todo = (
            "close the store there (a notebook or BI tool keeps it until its "
            "connection is closed) or wait for it to finish, then try again"
        )
    return (
        f"The store {path} is in use by {who}; {todo} "
        f"(waited {busy_wait_seconds():g} s)."
    )


def _describe(pid: int | None, program: str) -> str:
    """Name a process by its command line where this machine shows it."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        command = " ".join(a.decode(errors="replace") for a in argv if a)
    except OSError:
        command = program
    command = " ".join(command.split())  # a `python -c` program has newlines
    if len(command) > 80:
        command = command[:79] + "…"
    return f"{command} (pid {pid})"


class Store:
    """A DuckDB store holding one table per stream and the derived tables.

    Timestamps are stored as UTC `TIMESTAMPTZ`; the session time zone is UTC so that
    nothing is converted behind the caller's back.

    DuckDB lets one process write a file, or several processes read it. A store
    held by another process is waited for, up to `busy_wait_seconds()`, and then
    refused with `StoreBusyError` naming the holder.

    Args:
        path: Database file, created if missing (its folder too, with a warning);
            ":memory:" for tests.
        read_only: Open without the right to write (other readers may share it).

    Raises:
        StoreBusyError: another process still holds the store after the wait.
    """

    def __init__(self, path: str | Path = ":memory:", read_only: bool = False):
        self.path = Path(path) if str(path) != ":memory:" else None
        if self.path is not None and not read_only:
            if not self.path.parent.is_dir():
                log.warning(
                    "Creating the folder %s for a new store %s.",
                    self.path.parent,
                    self.path.name,
                )
                self.path.parent.mkdir(parents=True, exist_ok=True)
            elif not self.path.exists():
                log.info("Creating a new, empty store %s.", self.path)
        self.con = _connect(str(path), read_only)
        self.con.execute("SET TimeZone = 'UTC'")
        # DuckDB would take 80% of RAM; a bounded buffer spills to disk instead, so
        # a scheduled run stays inside a shared machine's budget.
        self.con.execute("SET memory_limit = ?", [memory_limit()])
        if not read_only:
            self.ensure_tables()

    def ensure_tables(self) -> None:
        """Create every stream and derived table that does not exist yet."""
        for schema in STREAMS.values():
            self.con.execute(
                f"CREATE TABLE IF NOT EXISTS {quote(schema.name)} "
                f"({stream_table_ddl(schema)})"
            )
        for name, body in DERIVED_TABLES.items():
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {quote(name)} ({body})")
        self._check_columns()

    def _check_columns(self) -> None:
        """Refuse a store whose tables an older version made with other columns."""
        expected = {
            name: [c.name for c in (*s.columns, *SYSTEM_COLUMNS)]
            for name, s in STREAMS.items()
        }
        probe = _connect(":memory:", False)
        for name, body in DERIVED_TABLES.items():
            probe.execute(f"CREATE TABLE {quote(name)} ({body})")
            expected[name] = [
                r[0] for r in probe.execute(f"DESCRIBE {quote(name)}").fetchall()
            ]
        probe.close()
        for name, columns in expected.items():
            found = [
                r[0] for r in self.con.execute(f"DESCRIBE {quote(name)}").fetchall()
            ]
            if found != columns:
                missing = sorted(set(columns) - set(found)) or sorted(
                    set(found) - set(columns)
                )
                raise ValueError(
                    f"The store {self.path} was made by another version of demand "
                    f"(table {name} differs in {', '.join(missing)}); rebuild it from "
                    "the raw extracts with a new --db (or `make clean`)."
                )

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block all-or-nothing: commit if it ends, roll back if it raises.

        A process killed inside the block leaves no trace: DuckDB discards an
        uncommitted transaction when the file is next opened.
        """
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def latest_run(
        self, pipeline: str, stage: str, table: str | None = None
    ) -> str | None:
        """Return the id of the pipeline's latest run in which `stage` succeeded.

        With `table`, only a run that left rows in it counts, and a store filled
        without run history falls back to the newest run id in `table`.
        """
        exists = (
            f" AND EXISTS (SELECT 1 FROM {quote(table)} t WHERE t.run_id = s.run_id)"
            if table
            else ""
        )
        row = self.con.execute(
            "SELECT s.run_id FROM stage_runs s WHERE s.pipeline = ? AND s.stage = ? "
            f"AND s.status = 'ran'{exists} ORDER BY s.finished_at DESC LIMIT 1",
            [pipeline, stage],
        ).fetchone()
        if row is None and table:
            row = self.con.execute(f"SELECT max(run_id) FROM {quote(table)}").fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def count(self, table: str) -> int:
        """Return the number of rows in `table`."""
        row = self.con.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()
        return int(row[0]) if row else 0

    def table_counts(self) -> dict[str, int]:
        """Return rows per stream table and per derived table."""
        return {name: self.count(name) for name in [*STREAMS, *DERIVED_TABLES]}

    def close(self) -> None:
        """Close the connection; the store can be opened again."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
