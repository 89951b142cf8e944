"""A run's processes: killed runs leave none behind; a busy store never gives a
traceback to `demand run` or to the commands that read the store meanwhile."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from demand.config import load_pipeline
from demand.pipeline import run_pipeline
from demand.synth import generate_force

SRC = Path(__file__).resolve().parents[1] / "src"

PIPELINE = """
[pipeline]
name = "{name}"
stages = {stages}
[ingest]
paths = ["{raw}"]
[series]
streams = ["incidents", "calls", "mental_health"]
freqs = ["D"]
levels = [[], ["area"]]
[forecast]
streams = ["incidents", "calls", "mental_health"]
models = ["auto_ets"]
backtest = true
n_jobs = 2
"""


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One year of Northshire, generated once for the module."""
    out = tmp_path_factory.mktemp("raw")
    generate_force(out, years=1, end=date(2025, 3, 31), seed=11)
    return out


def _pipeline(folder: Path, raw: Path, name: str, stages: list[str]) -> Path:
    path = folder / f"{name}.toml"
    text = PIPELINE.format(name=name, raw=raw, stages=str(stages).replace("'", '"'))
    path.write_text(text, encoding="utf-8")
    return path


def _env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1", **extra}


def _demand(*args: str) -> list[str]:
    return [sys.executable, "-m", "demand.cli", *args]


# --- processes, read from /proc (psutil is not a dependency) -------------------


def _stat(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, state, start time) of a live process, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0], fields[19]


def _descendants(root: int) -> dict[int, str]:
    """Every process below `root`, by pid, with its start time (pids get reused)."""
    parents: dict[int, list[int]] = {}
    started: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents.setdefault(stat[0], []).append(int(entry.name))
            started[int(entry.name)] = stat[2]
    found: dict[int, str] = {}
    todo = list(parents.get(root, []))
    while todo:
        pid = todo.pop()
        if pid in started:
            found[pid] = started[pid]
            todo.extend(parents.get(pid, []))
    return found


def _alive(processes: dict[int, str]) -> list[int]:
    """The processes that still run (a zombie holds no memory and counts as gone)."""
    return [
        pid
        for pid, start in processes.items()
        if (stat := _stat(pid)) is not None and stat[2] == start and stat[1] != "Z"
    ]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_run_killed_mid_forecast_leaves_no_process_behind(
    tmp_path: Path, raw: Path
) -> None:
    db = tmp_path / "s.duckdb"
    prepare = _pipeline(tmp_path, raw, "kill", ["ingest", "series"])
    prepared = run_pipeline(load_pipeline(prepare), db, log_dir=tmp_path / "logs")
    assert prepared.status == "ok", prepared.error
    forecast = _pipeline(tmp_path, raw, "kill", ["forecast"])
    run = subprocess.Popen(
        _demand("run", str(forecast), "--db", str(db)),
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Mid-forecast: both of the run's worker processes have started.
        deadline = time.monotonic() + 120
        workers: dict[int, str] = {}
        while time.monotonic() < deadline and run.poll() is None:
            workers = _descendants(run.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.1)
        assert run.poll() is None, "the run ended before it forecast in parallel"
        assert len(workers) >= 2, workers
        time.sleep(1)  # let the workers take their first series
        everything = _descendants(run.pid)
        run.send_signal(signal.SIGKILL)
        run.wait()
        deadline = time.monotonic() + 5
        while _alive(everything) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _alive(everything)
        for pid in left:  # tidy up after a failure, then report it
            os.kill(pid, signal.SIGKILL)
        assert not left, f"processes of the killed run still alive: {left}"
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
