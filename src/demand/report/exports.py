"""Exports for analysts: CSV files, Parquet for BI tools, and `fms_*` DuckDB views."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from demand.store import Store, quote

__all__ = ["point_latest", "write_csvs", "write_fms_views", "write_parquet"]

log = logging.getLogger(__name__)


def write_csvs(folder: Path, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write each table to `<folder>/<name>.csv` (UTF-8, no index).

    Returns:
        The files written.
    """
    paths = []
    for name, frame in tables.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def write_parquet(
    store: Store,
    folder: Path,
    tables: Mapping[str, pd.DataFrame],
    forecast_run: str,
    capacity_run: str | None,
) -> list[Path]:
    """Write Parquet files for Qlik or Power BI into `folder` (replacing earlier ones).

    Writes ``series.parquet`` (the whole `demand` table), ``forecasts.parquet``
    and ``capacity.parquet`` (the reported runs; no rows when `capacity_run` is
    None) and one file per table given.

    Returns:
        The files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    series = folder / "series.parquet"
    literal = "'" + str(series).replace("'", "''") + "'"
    # DuckDB writes the (large) series straight to Parquet, without pandas.
    store.con.execute(f"COPY demand TO {literal} (FORMAT parquet)")
    paths.append(series)
    queries = {
        "forecasts": ("SELECT * FROM forecasts WHERE run_id = ?", [forecast_run]),
        "capacity": ("SELECT * FROM capacity WHERE run_id = ?", [capacity_run]),
    }
    for name, (sql, params) in queries.items():
        path = folder / f"{name}.parquet"
        store.con.execute(sql, params).df().to_parquet(path, index=False)
        paths.append(path)
    for name, frame in tables.items():
        path = folder / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        paths.append(path)
    return paths


def write_fms_views(
    store: Store, tables: Mapping[str, pd.DataFrame], run_id: str
) -> list[str]:
    """Store the FMS tables and create the `fms_*` views an analyst queries.

    Each table is kept, for the latest report only, as ``report_<name>`` with a
    ``run_id`` column, and shown through a view ``<name>`` (names start with
    ``fms_``), e.g. ``SELECT * FROM fms_risks WHERE grade <> 'low'``.

    Returns:
        The names of the views.
    """
    views = []
    with store.transaction() as con:
        for name, frame in tables.items():
            table = f"report_{name}"
            con.register("_report_frame", frame.assign(run_id=run_id))
            con.execute(
                f"CREATE OR REPLACE TABLE {quote(table)} AS SELECT * FROM _report_frame"
            )
            con.unregister("_report_frame")
            con.execute(
                f"CREATE OR REPLACE VIEW {quote(name)} AS SELECT * FROM {quote(table)}"
            )
            views.append(name)
    log.info("views %s point at report run %s", ", ".join(views), run_id)
    return views


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
