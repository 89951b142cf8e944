"""The DuckDB store: open it, create its tables, and run work in transactions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from demand.schemas import STREAMS, SYSTEM_COLUMNS, StreamSchema
from demand.tables import DERIVED_TABLES

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_PIPELINE",
    "PROCESSED_DIR",
    "Store",
    "default_db_path",
    "pipeline_folder",
    "memory_limit",
    "quote",
    "stream_table_ddl",
]

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


def quote(identifier: str) -> str:
    """Quote an SQL identifier so user-supplied names can never be read as SQL."""
    return '"' + identifier.replace('"', '""') + '"'


def stream_table_ddl(schema: StreamSchema) -> str:
    """Return the column definitions of a stream table, system columns last."""
    cols = [*schema.columns, *SYSTEM_COLUMNS]
    return ",\n".join(f"{quote(c.name)} {c.dtype}" for c in cols)


class Store:
    """A DuckDB store holding one table per stream and the derived tables.

    Timestamps are stored as UTC `TIMESTAMPTZ`; the session time zone is UTC so that
    nothing is converted behind the caller's back.

    Args:
        path: Database file, created with its folder if missing; ":memory:" for tests.
        read_only: Open without the right to write (other readers may share it).
    """

    def __init__(self, path: str | Path = ":memory:", read_only: bool = False):
        self.path = Path(path) if str(path) != ":memory:" else None
        if self.path is not None and not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(path), read_only=read_only)
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
        probe = duckdb.connect(":memory:")
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
