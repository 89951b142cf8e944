"""Run one stage of a pipeline from the CLI and show what the run wrote."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from demand.cli.options import pipeline_db, with_scheduler
from demand.cli.printing import err, print_frame

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["failure", "read_store", "run_and_show", "run_stage"]


def run_stage(
    pipeline_path: Path,
    db: Path | None,
    stage: str,
    scheduler: str | None = None,
    **section: Any,
) -> tuple[str, Path]:
    """Run one stage of a pipeline now (a recorded run); return its run id and
    the store it used."""
    from demand.config import load_pipeline
    from demand.pipeline import run_pipeline

    config = with_scheduler(load_pipeline(pipeline_path), scheduler)
    if section:
        changed = dataclasses.replace(getattr(config, stage), **section)
        config = dataclasses.replace(config, **{stage: changed})
    config = dataclasses.replace(config, stages=(stage,))
    db = pipeline_db(config, db)
    with err.status(f"{stage}: {config.name}"):
        result = run_pipeline(config, db, force=True)
    if result.status != "ok":
        raise click.ClickException(failure(result))
    return result.run_id, db


def failure(result: Any) -> str:
    """One sentence for a failed run: the stage, its error, where the traceback is."""
    failed = next(s for s in result.stages if s.status == "failed")
    return (
        f"Run {result.run_id} failed in stage {failed.stage}: {failed.reason} "
        f"(traceback in the log: {result.log_file})"
    )


def read_store(db: Path) -> Any:
    """Open the store at `db` read-only."""
    from demand.store import Store

    return Store(db, read_only=True)


def run_and_show(
    pipeline_path: Path,
    db: Path | None,
    stage: str,
    summary: Callable[[Any, str], pd.DataFrame],
    title: str,
    as_csv: bool,
    scheduler: str | None = None,
    **section: Any,
) -> None:
    """Run one stage, then print `summary(store, run_id)` under `title` (its `{}`
    is the run id)."""
    run_id, db = run_stage(pipeline_path, db, stage, scheduler, **section)
    with read_store(db) as store:
        rows = summary(store, run_id)
    print_frame(rows, title.format(run_id), as_csv)
