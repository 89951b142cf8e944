"""Where the forecast stage's fits run: the engine's, re-exported (one home)."""

from __future__ import annotations

from demand.engine import ENGINES, EngineError, Progress, iter_tasks, run_tasks

__all__ = ["ENGINES", "EngineError", "Progress", "iter_tasks", "run_tasks"]
