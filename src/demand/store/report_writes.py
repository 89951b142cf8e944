"""What a report writes into the store, or straight from it: the `fms_*` views
and the Parquet copy of the `demand` series."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from demand.store import Store, quote

__all__ = ["replace_pipeline_views", "write_demand_parquet"]


def write_demand_parquet(
    store: Store,
    path: Path,
    pipeline: str,
    run_id: str,
    safe_text: Callable[[str], str],
) -> None:
    """Write the whole `demand` table to Parquet at `path`, by DuckDB, not pandas.

    Args:
        pipeline: Written as a ``pipeline`` column.
        run_id: Written as a ``run_id`` column.
        safe_text: SQL expression of a text column made safe to open in a
            spreadsheet, given the column's name.
    """
    columns = store.con.execute("DESCRIBE demand").fetchall()
    select = ", ".join(
        safe_text(name) if kind == "VARCHAR" else quote(name)
        for name, kind, *_ in columns
        if name not in ("pipeline", "run_id")
    )
    store.con.sql(
        f"SELECT {select}, ?::VARCHAR AS pipeline, ?::VARCHAR AS run_id FROM demand",
        params=[pipeline, run_id],
    ).write_parquet(str(path))


def replace_pipeline_views(
    store: Store, tables: Mapping[str, pd.DataFrame], pipeline: str
) -> list[str]:
    """Keep each frame as ``report_<name>`` and show it through a view ``<name>``.

    The pipeline's earlier rows are replaced and other pipelines' rows kept, all
    in one transaction.

    Args:
        tables: Frames by view name, each with ``pipeline`` and ``run_id``.
        pipeline: The pipeline whose rows the frames replace.

    Returns:
        The names of the views.
    """
    views = []
    with store.transaction() as con:
        for name, frame in tables.items():
            table = f"report_{name}"
            kept = _other_pipelines(con, table, pipeline)
            rows = pd.concat([kept, frame], ignore_index=True) if len(kept) else frame
            con.register("_report_frame", rows)
            con.execute(
                f"CREATE OR REPLACE TABLE {quote(table)} AS SELECT * FROM _report_frame"
            )
            con.unregister("_report_frame")
            con.execute(
                f"CREATE OR REPLACE VIEW {quote(name)} AS SELECT * FROM {quote(table)}"
            )
            views.append(name)
    return views


def _other_pipelines(con: Any, table: str, pipeline: str) -> pd.DataFrame:
    """Rows of `table` that other pipelines wrote (none from before the
    `pipeline` column, which cannot say whose they are)."""
    columns = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]
        ).fetchall()
    }
    if "pipeline" not in columns:
        return pd.DataFrame()
    return con.execute(
        f"SELECT * FROM {quote(table)} WHERE pipeline <> ?", [pipeline]
    ).df()
