"""Pipeline commands: run a pipeline file's stages, and list the runs in a store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from demand.cli.group import cli
from demand.cli.options import (
    db_option,
    pipeline_db,
    pipeline_db_option,
    require_store,
    scheduler_option,
    user_errors,
    with_scheduler,
)
from demand.cli.printing import console, progress
from demand.cli.stage_runs import failure

__all__ = ["run_command", "runs"]


@cli.command("run")
@click.argument("pipeline", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Rerun every stage, changed or not.")
@click.option(
    "--dry-run", is_flag=True, help="Say what would run and why; change nothing."
)
@pipeline_db_option
@scheduler_option
@user_errors
def run_command(
    pipeline: Path, force: bool, dry_run: bool, db: Path | None, scheduler: str | None
) -> None:
    """Run a pipeline file's stages in order, skipping what is unchanged.

    Example: demand run pipelines/demo.toml
    """
    from demand.config import load_pipeline
    from demand.pipeline import run_pipeline

    config = with_scheduler(load_pipeline(pipeline), scheduler)
    db = pipeline_db(config, db)
    with progress() as bar:
        tasks: dict[str, Any] = {}

        def show(stage: str, done: int, total: int, label: str) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=None)
            text = f"{stage}: {label[:48]}" if label else stage
            bar.update(tasks[stage], completed=done, total=total or None)
            bar.update(tasks[stage], description=text)

        result = run_pipeline(config, db, force=force, dry_run=dry_run, progress=show)
    table = Table("stage", "status", "why", "seconds", "rows")
    for s in result.stages:
        table.add_row(s.stage, s.status, s.reason, f"{s.seconds:.1f}", f"{s.rows:,}")
    console.print(table)
    if result.status != "ok":
        raise click.ClickException(failure(result))
    if not dry_run:
        console.print(f"Run {result.run_id} ok; store {db}; log {result.log_file}")


@cli.command()
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@db_option
@user_errors
def runs(limit: int, db: Path) -> None:
    """List the latest pipeline runs recorded in the store.

    Example: demand runs --limit 5
    """
    from demand.pipeline import run_history

    require_store(db, "`demand run`")
    table = Table("run", "pipeline", "status", "started", "stages", "error")
    for r in run_history(db, limit):
        table.add_row(
            r["run_id"],
            r["pipeline"],
            r["status"],
            f"{r['started_at']:%Y-%m-%d %H:%M}",
            r["stages"] or "",
            r["error"] or "",
        )
    console.print(table)
