"""Exports for analysts: CSV files, Parquet for BI tools, and `fms_*` DuckDB views."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from demand.report.safe_cells import safe_frame, safe_text_sql, write_safe_csv
from demand.store import Store
from demand.store.report_reads import read_run_table
from demand.store.report_writes import replace_pipeline_views, write_demand_parquet

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
    write_demand_parquet(store, series, pipeline, run_id, safe_text_sql)
    paths.append(series)
    for name, run in (("forecasts", forecast_run), ("capacity", capacity_run)):
        path = folder / f"{name}.parquet"
        frame = read_run_table(store, name, run)
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
    (``fms_areas``, ``fms_risks`` and ``partner_demand``). The frames carry
    ``pipeline`` and ``run_id`` columns; this pipeline's earlier rows are
    replaced and other pipelines' rows kept, so a store that pipelines share on
    purpose shows each one's latest report, e.g.
    ``SELECT * FROM fms_risks WHERE pipeline = 'demo'``.

    Args:
        store: The pipeline's store.
        tables: FMS tables by view name, each with ``pipeline`` and ``run_id``.
        pipeline: The pipeline reported.

    Returns:
        The names of the views.
    """
    views = replace_pipeline_views(store, tables, pipeline)
    log.info("views %s show the latest report of %s", ", ".join(views), pipeline)
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
