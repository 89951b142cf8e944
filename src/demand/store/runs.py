"""Run-scoped writes and the run log: replace a run's rows, record runs and stages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from demand.store import Store, quote
from demand.tables import table_columns

__all__ = [
    "finish_run",
    "last_stage_success",
    "read_run_history",
    "record_stage_run",
    "replace_run_rows",
    "run_pipeline_name",
    "start_run",
]


def replace_run_rows(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, run_id: str
) -> int:
    """Replace `run_id`'s rows of derived `table` with `frame`.

    Columns are those of the table's contract (`demand.tables`), matched by
    name; contract columns the frame lacks are written as NULL, frame columns
    the contract lacks are dropped. Run it inside `Store.transaction()` so that
    a failure leaves the earlier rows in place.

    Args:
        con: The store's connection, in a transaction.
        table: A derived table with a `run_id` column, e.g. "capacity".
        frame: The run's rows (its `run_id` column, if any, is overwritten).
        run_id: The run whose earlier rows are replaced.

    Returns:
        Rows written.
    """
    columns = table_columns(table)
    rows = frame.assign(run_id=run_id).reindex(columns=columns)
    name = f"_new_{table}"
    cols = ", ".join(quote(c) for c in columns)
    con.execute(f"DELETE FROM {quote(table)} WHERE run_id = ?", [run_id])
    con.register(name, rows)
    try:
        con.execute(f"INSERT INTO {quote(table)} ({cols}) SELECT {cols} FROM {name}")
    finally:
        con.unregister(name)
    return len(rows)


def run_pipeline_name(store: Store, run_id: str) -> str | None:
    """Return the pipeline that `run_id` belongs to, None if `runs` lacks it."""
    row = store.con.execute(
        "SELECT pipeline FROM runs WHERE run_id = ?", [run_id]
    ).fetchone()
    return None if row is None else str(row[0])


def last_stage_success(
    store: Store, pipeline: str, stage: str
) -> tuple[str, str, str] | None:
    """Return (inputs fingerprint, settings hash, code version) of the stage's
    last successful run in the pipeline; None if it never ran."""
    row = store.con.execute(
        "SELECT inputs_fingerprint, settings_hash, code_version FROM stage_runs "
        "WHERE pipeline = ? AND stage = ? AND status = 'ran' "
        "ORDER BY finished_at DESC LIMIT 1",
        [pipeline, stage],
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def record_stage_run(
    store: Store,
    run_id: str,
    pipeline: str,
    stage: str,
    state: Sequence[str],
    outcome: tuple[str, str | None, float, int],
    started: datetime,
) -> None:
    """Append one row to `stage_runs`, finished now.

    Args:
        state: (inputs fingerprint, settings hash, code version).
        outcome: (status, reason, seconds, rows).
    """
    status, reason, seconds, rows = outcome
    store.con.execute(
        "INSERT INTO stage_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?)",
        [run_id, pipeline, stage, *state, status, reason, started, seconds, rows],
    )


def start_run(
    store: Store,
    run_id: str,
    pipeline: str,
    config_hash: str,
    code_version: str,
    data_fingerprint: str,
) -> None:
    """Mark the pipeline's unfinished runs killed and record `run_id` as running."""
    store.con.execute(
        "UPDATE runs SET status = 'killed', error = 'the run stopped without finishing'"
        " WHERE pipeline = ? AND status = 'running'",
        [pipeline],
    )
    store.con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, 'running', NULL, now(), NULL)",
        [run_id, pipeline, config_hash, code_version, data_fingerprint],
    )


def finish_run(store: Store, run_id: str, status: str, error: str | None) -> None:
    """Record the run's outcome and finishing time."""
    store.con.execute(
        "UPDATE runs SET status = ?, error = ?, finished_at = now() WHERE run_id = ?",
        [status, error, run_id],
    )


def read_run_history(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """Return the latest runs with their stages, newest first."""
    cursor = store.con.execute(
        "SELECT r.run_id, r.pipeline, r.status, r.started_at, r.finished_at, "
        "r.error, string_agg(s.stage || ':' || s.status, ' ' ORDER BY s.started_at)"
        " AS stages FROM runs r LEFT JOIN stage_runs s USING (run_id) "
        "GROUP BY ALL ORDER BY r.started_at DESC LIMIT ?",
        [limit],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
