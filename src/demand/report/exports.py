"""Exports for analysts: CSV files, Parquet for BI tools, and `fms_*` DuckDB views."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from demand.report.safe_cells import safe_frame, safe_text_sql, write_safe_csv
from demand.store import Store, quote

__all__ = ["point_latest", "write_csvs", "write_fms_views", "write_parquet"]

log = logging.getLogger(__name__)


def write_csvs(folder: Path, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write each table to `<folder>/<name>.csv` (UTF-8, no index), formula-safe.

    Returns:
        The files written.
    """
    paths = []
    for name, frame in tables.items():
        path = folder / f"{name}.csv"
        write_safe_csv(frame, path)
        paths.append(path)
    return paths


def write_parquet(
    store: Store,
    folder: Path,
    tables: Mapping[str, pd.DataFrame],
    forecast_run: str,
    capacity_run: str | None,
    pipeline: str,
    run_id: str,
) -> list[Path]:
    """Write Parquet files for Qlik or Power BI into `folder` (replacing earlier ones).

    Writes ``series.parquet`` (the whole `demand` table), ``forecasts.parquet``
    and ``capacity.parquet`` (the reported runs; no rows when `capacity_run` is
    None) and one file per table given. Every file names where its rows come
    from: a ``pipeline`` column, and a ``run_id`` column (the forecast or
    capacity run for those tables; this report's run for the others). Text that
    a spreadsheet would run as a formula is made inert, as in the CSV files.

    Args:
        store: The pipeline's store.
        folder: The pipeline's export folder (made if missing).
        tables: Further tables by file name, e.g. the FMS tables.
        forecast_run: The run whose forecasts are exported.
        capacity_run: The run whose capacity is exported, or None.
        pipeline: The pipeline reported.
        run_id: This report's run id.

    Returns:
        The files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    series = folder / "series.parquet"
    columns = store.con.execute("DESCRIBE demand").fetchall()
    select = ", ".join(
        safe_text_sql(name) if kind == "VARCHAR" else quote(name)
        for name, kind, *_ in columns
        if name not in ("pipeline", "run_id")
    )
    # DuckDB writes the (large) series straight to Parquet, without pandas.
    store.con.sql(
        f"SELECT {select}, ?::VARCHAR AS pipeline, ?::VARCHAR AS run_id FROM demand",
        params=[pipeline, run_id],
    ).write_parquet(str(series))
    paths.append(series)
    queries = {
        "forecasts": ("SELECT * FROM forecasts WHERE run_id = ?", [forecast_run]),
        "capacity": ("SELECT * FROM capacity WHERE run_id = ?", [capacity_run]),
    }
    for name, (sql, params) in queries.items():
        path = folder / f"{name}.parquet"
        frame = store.con.execute(sql, params).df()
        safe_frame(frame.assign(pipeline=pipeline)).to_parquet(path, index=False)
        paths.append(path)
    for name, frame in tables.items():
        path = folder / f"{name}.parquet"
        safe_frame(frame).to_parquet(path, index=False)
        paths.append(path)
    return paths


def write_fms_views(
    store: Store, tables: Mapping[str, pd.DataFrame], pipeline: str
) -> list[str]:
    """Store the FMS tables and create the `fms_*` views an analyst queries.

    Each table is kept as ``report_<name>`` and shown through a view ``<name>``
    (``fms_areas``, ``fms_risks`` and ``partner_demand``). The frames carry ``pipeline`` and ``run_id``
    columns; this pipeline's earlier rows are replaced and other pipelines'
    rows kept, so a store that pipelines share on purpose shows each one's
    latest report, e.g. ``SELECT * FROM fms_risks WHERE pipeline = 'demo'``.

    Args:
        store: The pipeline's store.
        tables: FMS tables by view name, each with ``pipeline`` and ``run_id``.
        pipeline: The pipeline reported.

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
    log.info("views %s show the latest report of %s", ", ".join(views), pipeline)
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


def point_latest(run_folder: Path) -> Path:
    """Point `<pipeline folder>/latest` at a run's folder.

    A relative symlink where the file system allows one; otherwise a text file
    ``latest`` holding the run folder's name.

    Returns:
        The `latest` path.
    """
    latest = run_folder.parent / "latest"
    if latest.is_symlink() or latest.is_file():
        latest.unlink()
    try:
        os.symlink(run_folder.name, latest, target_is_directory=True)
    except OSError:  # e.g. Windows without developer mode
        latest.write_text(run_folder.name + "\n", encoding="utf-8")
    return latest
