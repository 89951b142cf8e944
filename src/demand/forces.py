"""Many forces' pipelines in one run: a store each, one engine for them all."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from demand.config import PipelineConfig
from demand.engine import open_engine
from demand.pipeline import RunResult, one_line, run_pipeline
from demand.stages import check_pipeline

__all__ = ["ForceRun", "ForcesProgress", "run_forces"]

logger = logging.getLogger(__name__)

ForcesProgress = Callable[[str, str, int, int, str], None]
"""Called with (pipeline, stage, done, total, label): `PipelineProgress` per force."""


@dataclass
class ForceRun:
    """One force's pipeline in a many-force run: its store, result or error.

    Attributes:
        pipeline: The pipeline's name (the force's, for `demand national`).
        db: The force's store.
        result: The run's result; None when the run could not start (its store
            locked or in use).
        error: Why it failed, in one line; None when it ran ok.
    """

    pipeline: str
    db: Path
    result: RunResult | None
    error: str | None = None


def _one_engine(configs: Sequence[PipelineConfig]) -> PipelineConfig:
    """The pipeline whose [engine] opens for all; every one must name the same."""
    engines = {c.engine for c in configs}
    if len(engines) > 1:
        names = ", ".join(f"{c.name} ({c.engine.kind})" for c in configs)
        raise ValueError(
            f"The pipelines name different [engine] tables ({names}); one engine "
            "runs them all: make their [engine] tables the same, or pass "
            "--scheduler."
        )
    return configs[0]


def _check_apart(runs: Sequence[tuple[PipelineConfig, Path]]) -> None:
    """Refuse two runs of one pipeline name or one store: forces are kept apart."""
    names = [c.name for c, _ in runs]
    stores = [str(Path(db).resolve()) for _, db in runs]
    for kind, values in (("name", names), ("store", stores)):
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise ValueError(
                f"Several pipelines share the {kind} {', '.join(twice)}; each force "
                "needs its own pipeline name and store."
            )


def run_forces(
    runs: Sequence[tuple[PipelineConfig, Path]],
    *,
    force: bool = False,
    dry_run: bool = False,
    log_dir: Path = Path("logs"),
    progress: ForcesProgress | None = None,
) -> list[ForceRun]:
    """Run each force's pipeline into its own store, on one engine opened once.

    Every pipeline is checked before anything runs; then the engine (the
    pipelines' common [engine]: one `LocalCluster` start-up, or one connection
    to a scheduler) is opened once and the pipelines run one after another, as
    `run_pipeline` runs each. A force whose run fails is recorded and the others
    still run.

    Args:
        runs: (pipeline, store) per force, in the order to run them.
        force: Rerun every stage, changed or not.
        dry_run: Say what each would run; change nothing, open no engine.
        log_dir: Each run logs to `log_dir/<pipeline>/<run_id>.log`.
        progress: Hears of each force's stages as they go.

    Returns:
        One `ForceRun` per pipeline, in order.

    Raises:
        ValueError: no pipelines, two sharing a name or a store, different
            [engine] tables, or a pipeline naming a missing file (nothing runs).
        EngineError: the engine cannot open (nothing runs).
    """
    if not runs:
        raise ValueError("No pipelines to run; name at least one pipeline file.")
    _check_apart(runs)
    first = _one_engine([c for c, _ in runs])
    for config, _ in runs:
        check_pipeline(config)
    fits = not dry_run and any("forecast" in c.stages for c, _ in runs)
    outcomes = []
    with open_engine(first.engine) if fits else nullcontext():
        for config, db in runs:
            hear = None
            if progress is not None:
                hear = _progress_of(progress, config.name)
            try:
                result = run_pipeline(
                    config,
                    db,
                    force=force,
                    dry_run=dry_run,
                    log_dir=log_dir,
                    progress=hear,
                )
            except Exception as exc:  # noqa: BLE001 - one force must not stop the rest
                logger.warning("%s did not run: %s", config.name, one_line(exc))
                outcomes.append(ForceRun(config.name, db, None, one_line(exc)))
                continue
            error = None if result.status == "ok" else result.error or "failed"
            outcomes.append(ForceRun(config.name, db, result, error))
    return outcomes


def _progress_of(
    progress: ForcesProgress, pipeline: str
) -> Callable[[str, int, int, str], None]:
    return lambda stage, done, total, label: progress(
        pipeline, stage, done, total, label
    )
