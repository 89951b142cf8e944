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

import duckdb
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


def _threads(worker: int) -> int:
    """Threads of a loky worker process; 0 for any other process."""
    try:
        if b"LokyProcess" not in Path(f"/proc/{worker}/cmdline").read_bytes():
            return 0
        return len(list(Path(f"/proc/{worker}/task").iterdir()))
    except OSError:
        return 0


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
        # Mid-forecast: both of the run's worker processes run more than one
        # thread (set up, and taking series).
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline and run.poll() is None:
            workers = [p for p in _descendants(run.pid) if _threads(p) > 1]
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


# --- a busy store ---------------------------------------------------------------


def _one_sentence_or_exit_0(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    if result.returncode != 0:
        assert result.returncode == 1, result.stderr
        errors = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(errors) == 1 and errors[0].startswith("Error: "), errors


def test_commands_during_a_run_answer_in_one_sentence(
    tmp_path: Path, raw: Path
) -> None:
    db = tmp_path / "s.duckdb"
    pipeline = _pipeline(tmp_path, raw, "busy", ["ingest", "series", "forecast"])
    run = subprocess.Popen(
        _demand("-v", "run", str(pipeline), "--db", str(db)),
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert run.stderr is not None
        for line in run.stderr:  # the run has the store from its first stage on
            if "stage ingest starts" in line:
                break
        commands = [
            ["status"],
            ["runs"],
            ["quality"],
            ["run", str(pipeline), "--dry-run"],
            ["ingest", str(raw)],
        ]
        started = [
            subprocess.Popen(
                _demand(*args, "--db", str(db)),
                cwd=tmp_path,
                env=_env(DEMAND_BUSY_WAIT_SECONDS="0.5"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in commands
        ]
        answers = {}
        for args, process in zip(commands, started, strict=True):
            out, errors = process.communicate(timeout=120)
            answers[args[0]] = result = subprocess.CompletedProcess(
                args, process.returncode, out, errors
            )
            _one_sentence_or_exit_0(result)
        assert run.poll() is None, "the run finished before the store was busy"
        status = answers["status"]
        assert status.returncode == 1 and f"pid {run.pid}" in status.stderr
        assert "Another run" in answers["ingest"].stderr
    finally:
        run.kill()
        run.wait()


def test_a_store_a_notebook_holds_fails_the_run_in_one_sentence(
    tmp_path: Path, raw: Path
) -> None:
    db = tmp_path / "s.duckdb"
    duckdb.connect(str(db)).close()
    notebook = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, duckdb\n"
            "con = duckdb.connect(sys.argv[1], read_only=True)\n"
            "print('open', flush=True)\ntime.sleep(120)\n",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert notebook.stdout is not None
        assert notebook.stdout.readline().strip() == "open"
        pipeline = _pipeline(tmp_path, raw, "nb", ["ingest", "series"])
        result = subprocess.run(
            _demand("run", str(pipeline), "--db", str(db)),
            cwd=tmp_path,
            env=_env(DEMAND_BUSY_WAIT_SECONDS="0.5"),
            capture_output=True,
            text=True,
        )
    finally:
        notebook.kill()
        notebook.wait()
    _one_sentence_or_exit_0(result)
    assert result.returncode == 1
    assert f"pid {notebook.pid}" in result.stderr and "in use by" in result.stderr
