"""Pipeline commands: run a pipeline file's stages, and list the runs in a store."""

from __future__ import annotations

import math
import time
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
from demand.cli.report_commands import roll_up
from demand.cli.stage_runs import failure

__all__ = ["run_command", "runs"]


@cli.command("run")
@click.argument(
    "pipelines",
    nargs=-1,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option("--force", is_flag=True, help="Rerun every stage, changed or not.")
@click.option(
    "--dry-run", is_flag=True, help="Say what would run and why; change nothing."
)
@click.option(
    "--national",
    "national_out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Then roll the forces' stores up into this folder, as `demand national` "
    "(blanking small counts as the forces' published copies do, if any publish).",
)
@pipeline_db_option
@scheduler_option
@user_errors
def run_command(
    pipelines: tuple[Path, ...],
    force: bool,
    dry_run: bool,
    national_out: Path | None,
    db: Path | None,
    scheduler: str | None,
) -> None:
    """Run a pipeline file's stages in order, skipping what is unchanged.

    Several pipelines (one per force, each into its own store) run one after
    another on one engine, opened once; `--national` then rolls them up.

    Example: demand run data/forces/*/pipeline.toml --national reports/national
    """
    if len(pipelines) == 1 and national_out is None:
        _run_one(pipelines[0], force, dry_run, db, scheduler)
        return
    if db is not None:
        raise click.UsageError("--db names one store; each force uses its own.")
    _run_forces(pipelines, force, dry_run, national_out, scheduler)


def _run_one(
    pipeline: Path, force: bool, dry_run: bool, db: Path | None, scheduler: str | None
) -> None:
    """Run one pipeline, showing each stage's progress, then its stages."""
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


def _run_forces(
    pipelines: tuple[Path, ...],
    force: bool,
    dry_run: bool,
    national_out: Path | None,
    scheduler: str | None,
) -> None:
    """Run each force's pipeline into its own store, one progress line a force;
    a force that fails is reported at the end (exit 1), the others still run."""
    from demand.config import load_pipeline
    from demand.forces import run_forces

    configs = [with_scheduler(load_pipeline(p), scheduler) for p in pipelines]
    runs = [(c, pipeline_db(c, None)) for c in configs]
    order = [c.name for c in configs]
    started = time.monotonic()
    with progress() as bar:
        lines: dict[str, Any] = {}
        heads: dict[str, str] = {}

        def show(name: str, stage: str, done: int, total: int, label: str) -> None:
            if name not in lines:
                heads[name] = _force_head(
                    name, order.index(name), len(order), time.monotonic() - started
                )
                lines[name] = bar.add_task(heads[name], total=None)
            text = f"{heads[name]}: {stage}" + (f": {label[:40]}" if label else "")
            bar.update(lines[name], completed=done, total=total or None)
            bar.update(lines[name], description=text)

        outcomes = run_forces(runs, force=force, dry_run=dry_run, progress=show)
    table = Table("force", "status", "stages ran", "seconds", "store", "run or error")
    for o in outcomes:
        stages = o.result.stages if o.result else []
        ran = sum(s.status in ("ran", "would run") for s in stages)
        seconds = sum(s.seconds for s in stages)
        status = "failed" if o.error else "ok"
        note = o.error or (o.result.run_id if o.result else "")
        table.add_row(o.pipeline, status, str(ran), f"{seconds:.1f}", str(o.db), note)
    console.print(table)
    if national_out is not None and not dry_run:
        ok = {o.pipeline: o.db for o in outcomes if not o.error}
        # forces that publish their FMS copy blank small counts; so does the
        # roll-up of them, at the strictest of their thresholds
        published = [c.report.disclosure_threshold for c in configs if c.report.publish]
        if ok:
            roll_up(ok, "", national_out, False, max(published, default=None))
    failed = [o for o in outcomes if o.error]
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(outcomes)} forces failed ("
            + "; ".join(f"{o.pipeline}: {o.error}" for o in failed)
            + "); see their logs under logs/, fix them and run those again."
        )


def _force_head(name: str, index: int, forces: int, elapsed_seconds: float) -> str:
    """A force's progress name: which of the forces it is and, from the second
    on, the whole run's time left at the pace of the forces done so far."""
    if forces < 2:
        return name
    head = f"{name} ({index + 1} of {forces}"
    if index == 0:
        return head + ")"
    minutes = math.ceil(elapsed_seconds / index * (forces - index) / 60)
    left = (
        f"{minutes // 60} h {minutes % 60:02d} min"
        if minutes >= 90
        else f"{minutes} min"
    )
    return head + f"; about {left} left in all)"


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
