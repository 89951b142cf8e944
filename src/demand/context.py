"""The pipeline context: what every stage of one run is told about the run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["PipelineContext"]


@dataclass(frozen=True)
class PipelineContext:
    """Whose run a stage works for, built once per run by `run_pipeline`.

    Stages read their pipeline's name, clock and run from here instead of
    looking them up in the store, so a store shared by several pipelines
    never mixes one pipeline's rows into another's results.

    Args:
        name: The pipeline's name (`[pipeline] name`).
        run_id: The run's id, recorded with every row the run writes.
        timezone: The pipeline's one local clock (`[series] timezone`).
        db: The store's file; None for an in-memory store.
    """

    name: str
    run_id: str
    timezone: str = "Europe/London"
    db: Path | None = None
