"""Forecast commands: forecast the stored series, and score models on a series file."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from demand.cli.group import cli
from demand.cli.options import (
    csv_option,
    file_option,
    pipeline_db_option,
    pipeline_option,
    scheduler_option,
    user_errors,
)
from demand.cli.printing import console, progress
from demand.cli.stage_runs import run_and_show

__all__ = ["backtest", "forecast"]


@cli.command()
@pipeline_option
@pipeline_db_option
@csv_option
@scheduler_option
@user_errors
def forecast(
    pipeline_path: Path, db: Path | None, as_csv: bool, scheduler: str | None
) -> None:
    """Forecast every stored demand series with the pipeline's [forecast] settings.

    Example: demand forecast --pipeline pipelines/demo.toml
    """
    from demand.store.summary_reads import forecast_summary

    title = "forecasts of run {}"
    run_and_show(
        pipeline_path, db, "forecast", forecast_summary, title, as_csv, scheduler
    )


@cli.command()
@file_option("--input", "input_path", "Long-format CSV or Parquet: unique_id, ds, y.")
@click.option(
    "--freq",
    type=click.Choice(["D", "M", "h", "H"]),
    required=True,
    help="Protocol family: daily, monthly or hourly (h; H is accepted too).",
)
@file_option("--out", "out_path", "CSV to write: one row per (unique_id, model).")
@click.option(
    "--model",
    "models",
    multiple=True,
    help="Model alias to score (repeatable); default every model.",
)
@click.option(
    "--country",
    default="GB",
    show_default=True,
    help="Bank holidays of this ISO 3166 country (GB: England and Wales; "
    "GB-SCT, US, ...); 'none' for none.",
)
@click.option(
    "--hierarchy",
    default="detect",
    show_default=True,
    help="'detect': where one series is the sum of the others, reconcile to it; "
    "a unique_id: that series is the total; 'none': no reconciliation.",
)
@user_errors
def backtest(
    input_path: Path,
    freq: str,
    out_path: Path,
    models: tuple[str, ...],
    country: str,
    hierarchy: str,
) -> None:
    """Score every model on a series file with the rolling-origin protocol.

    Example: demand backtest --input series.csv --freq D --out scores.csv
    """
    from demand.forecast.backtest import SCORE_COLUMNS
    from demand.forecast.benchmark import backtest_file
    from demand.report.safe_cells import write_safe_csv

    with progress() as bar:  # a bar on a terminal, timed lines in a log

        def show(alias: str, done: int, total: int) -> None:
            text = f"backtesting {input_path.name}: {alias} ({done + 1} of {total})"
            bar.add_task(text, total=None)  # a line a model, and a beat while it runs

        scores = backtest_file(
            input_path,
            freq,
            models=list(models) or None,
            country=None if country.lower() == "none" else country,
            hierarchy=hierarchy,
            progress=show,
        )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    write_safe_csv(scores[SCORE_COLUMNS], out_path)
    summary = scores.groupby("model")[["mase", "smape", "cov80", "cov95", "sql"]]
    table = Table("model", "mean MASE", "sMAPE %", "cov80", "cov95", "SQL")
    for model, row in summary.mean().sort_values("mase").iterrows():
        table.add_row(
            str(model),
            f"{row.mase:.3f}",
            f"{row.smape:.2f}",
            f"{row.cov80:.3f}",
            f"{row.cov95:.3f}",
            f"{row.sql:.3f}",
        )
    console.print(table)
    console.print(f"{len(scores):,} scores written to {out_path}")
