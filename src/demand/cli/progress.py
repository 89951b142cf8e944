"""Progress for the CLI: a live bar on a terminal, timed lines in a log file."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

__all__ = ["LineProgress", "progress_for"]


def progress_for(console: Console, interval_seconds: float = 30.0) -> Any:
    """Return a live bar when `console` is a terminal, else a `LineProgress`.

    A scheduled run (`demand run … > log 2>&1`) has no terminal, and a bar there
    shows nothing until the end; the lines say what it does at least every
    `interval_seconds`.
    """
    if console.is_terminal:
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        )
    return LineProgress(console.file, interval_seconds)


class LineProgress:
    """The subset of `rich.progress.Progress` the CLI uses, written as log lines.

    A line is written when a task starts, when it finishes, and every
    `interval_seconds` while any task is open (from a timer thread, so a long fit
    still shows the run is alive): description, done / total, elapsed and an
    estimate of the time left from the mean time per item so far.
    """

    def __init__(self, file: IO[str], interval_seconds: float = 30.0) -> None:
        self._file = file
        self._interval = interval_seconds
        self._tasks: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self) -> LineProgress:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def add_task(self, description: str, total: float | None = None) -> int:
        """Start a task, closing earlier ones (the CLI's tasks run one after another).

        Returns: its id for `update`.
        """
        with self._lock:
            for task in self._tasks.values():
                task["finished"] = True
            task_id = len(self._tasks)
            self._tasks[task_id] = {
                "description": description,
                "total": total,
                "completed": 0.0,
                "started": time.monotonic(),
                "finished": False,
            }
            self._write(self._tasks[task_id])
        return task_id

    def update(
        self,
        task_id: int,
        *,
        advance: float | None = None,
        completed: float | None = None,
        total: float | None = None,
        description: str | None = None,
    ) -> None:
        """Move a task on; writes a line when it reaches its total."""
        with self._lock:
            task = self._tasks[task_id]
            if total is not None:
                task["total"] = total
            if completed is not None:
                task["completed"] = completed
            if advance is not None:
                task["completed"] += advance
            if description is not None:
                task["description"] = description
            total_now = task["total"]
            if not task["finished"] and total_now and task["completed"] >= total_now:
                task["finished"] = True
                self._write(task)

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            with self._lock:
                for task in self._tasks.values():
                    if not task["finished"]:
                        self._write(task)

    def _write(self, task: dict[str, Any]) -> None:
        elapsed = time.monotonic() - task["started"]
        done, total = task["completed"], task["total"]
        parts = [f"{time.strftime('%H:%M:%S')} {task['description']}"]
        if total:
            parts.append(f"{done:,.0f}/{total:,.0f}")
        parts.append(f"elapsed {_clock(elapsed)}")
        if total and 0 < done < total:
            parts.append(f"about {_clock(elapsed / done * (total - done))} left")
        self._file.write(" · ".join(parts) + "\n")
        self._file.flush()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"
