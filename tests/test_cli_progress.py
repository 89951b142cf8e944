"""Progress lines for runs whose output goes to a log file, not a terminal."""

from __future__ import annotations

import io
import time

from rich.console import Console

from demand.cli.progress import LineProgress, progress_for


def test_progress_for_a_log_file_writes_lines_not_a_bar() -> None:
    log = io.StringIO()
    assert isinstance(progress_for(Console(file=log)), LineProgress)


def test_line_progress_beats_with_done_total_elapsed_and_estimate() -> None:
    log = io.StringIO()
    with LineProgress(log, interval_seconds=0.05) as bar:
        task = bar.add_task("forecast: fitting", total=10)
        bar.update(task, advance=3)
        time.sleep(0.3)  # a long fit: no update, yet the log must show life
        lines_while_fitting = log.getvalue().splitlines()
        bar.update(task, completed=10)
    lines = log.getvalue().splitlines()
    beats = [line for line in lines_while_fitting if "3/10" in line]
    assert len(beats) >= 2
    assert all("elapsed" in b and "left" in b for b in beats)
    assert "10/10" in lines[-1]


def test_line_progress_stops_beating_for_a_stage_that_has_ended() -> None:
    log = io.StringIO()
    with LineProgress(log, interval_seconds=0.05) as bar:
        bar.add_task("ingest", total=None)
        bar.add_task("forecast", total=5)
        time.sleep(0.2)
    beats = log.getvalue().splitlines()[2:]
    assert beats and all("forecast" in line for line in beats)
