"""`demand run`: stages in order, unchanged ones skipped, one at a time, kill-safe."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from demand.cli import cli
from demand.config import load_pipeline
from demand.pipeline import run_history, run_pipeline
from demand.store import Store
from demand.synth import generate_force

PIPELINE = """
[pipeline]
name = "{name}"
stages = ["ingest", "series"]
[ingest]
paths = ["{raw}"]
adapter = "northshire"
[series]
streams = ["calls", "incidents", "mental_health", "missing_persons", "crimes"]
freqs = ["{freq}"]
levels = [[], ["area"]]
"""


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One year of Northshire, generated once for the module."""
    out = tmp_path_factory.mktemp("raw")
    generate_force(out, years=1, end=date(2025, 3, 31), seed=7)
    return out


def _pipeline(tmp_path: Path, raw: Path, freq: str = "D", name: str = "t") -> Path:
    path = tmp_path / f"{name}-{freq}.toml"
    path.write_text(PIPELINE.format(name=name, raw=raw, freq=freq), encoding="utf-8")
    return path


def _statuses(result) -> dict[str, str]:
    return {s.stage: s.status for s in result.stages}


def test_rerun_skips_unchanged_stages_and_reruns_only_downstream(
    tmp_path: Path, raw: Path
) -> None:
    db, logs = tmp_path / "s.duckdb", tmp_path / "logs"
    config = load_pipeline(_pipeline(tmp_path, raw))
    first = run_pipeline(config, db, log_dir=logs)
    assert first.status == "ok" and _statuses(first) == {
        "ingest": "ran",
        "series": "ran",
    }
    assert first.log_file is not None and "stage series" in first.log_file.read_text()

    again = run_pipeline(config, db, log_dir=logs)
    assert _statuses(again) == {"ingest": "skipped", "series": "skipped"}

    weekly = load_pipeline(_pipeline(tmp_path, raw, freq="W"))
    changed = run_pipeline(weekly, db, log_dir=logs)
    assert _statuses(changed) == {"ingest": "skipped", "series": "ran"}

    forced = run_pipeline(weekly, db, force=True, log_dir=logs)
    assert _statuses(forced) == {"ingest": "ran", "series": "ran"}
    history = run_history(db)
    assert [r["status"] for r in history] == ["ok"] * 4


def test_progress_hears_each_stage_that_runs_and_its_work(
    tmp_path: Path, raw: Path
) -> None:
    db, logs = tmp_path / "s.duckdb", tmp_path / "logs"
    config = load_pipeline(_pipeline(tmp_path, raw))
    events: list[tuple[str, int, int, str]] = []
    run_pipeline(config, db, log_dir=logs, progress=lambda *e: events.append(e))
    ingest = [e for e in events if e[0] == "ingest"]
    files = len(list(raw.rglob("*.csv"))) + len(list(raw.rglob("*.xlsx")))
    assert ingest[0] == ("ingest", 0, 0, "")
    assert [e[1] for e in ingest[1:-1]] == list(range(1, files + 1))
    assert all(e[2] == files for e in ingest[1:-1])
    assert ingest[-1][1:3] == (1, 1) and ingest[-1][3].startswith("done")
    series = [e[3] for e in events if e[0] == "series"][1:-1]
    assert series == list(config.series.streams)

    events.clear()
    run_pipeline(config, db, log_dir=logs, progress=lambda *e: events.append(e))
    assert events == []  # both stages skipped: nothing to show


def test_changed_input_reruns_ingest_and_series_but_touch_does_not(
    tmp_path: Path, raw: Path
) -> None:
    own = tmp_path / "raw"
    shutil.copytree(raw, own)
    db, logs = tmp_path / "s.duckdb", tmp_path / "logs"
    config = load_pipeline(_pipeline(tmp_path, own))
    run_pipeline(config, db, log_dir=logs)

    some_file = next((own / "incidents").glob("*.csv"))
    os.utime(some_file)  # same content, newer time: ingest checks, series need not
    touched = run_pipeline(config, db, log_dir=logs)
    assert _statuses(touched) == {"ingest": "ran", "series": "skipped"}

    lines = some_file.read_text(encoding="utf-8").splitlines()
    extra = own / "incidents" / "incidents_late.csv"
    extra.write_text(
        "\n".join([lines[0], lines[1].replace(",", "X,", 1)]) + "\n", encoding="utf-8"
    )
    changed = run_pipeline(config, db, log_dir=logs)
    assert _statuses(changed) == {"ingest": "ran", "series": "ran"}


def test_a_second_concurrent_run_is_refused(tmp_path: Path, raw: Path) -> None:
    db = tmp_path / "s.duckdb"
    lock = db.with_name(db.name + ".lock")
    code = (
        "import time\nfrom pathlib import Path\nfrom demand.lock import run_lock\n"
        f"with run_lock(Path({str(lock)!r}), 'first'):\n"
        "    print('held', flush=True)\n    time.sleep(30)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = CliRunner().invoke(
            cli, ["run", str(_pipeline(tmp_path, raw)), "--db", str(db)]
        )
        assert result.exit_code == 1
        assert "Another run (first" in result.output
    finally:
        holder.kill()
        holder.wait()


def _run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`demand ARGS` in its own process, as cron runs it: stdout and stderr apart."""
    src = str(Path(__file__).resolve().parents[1] / "src")
    path = os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "demand.cli", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
    )


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one `Error:` line a failed command printed (besides progress lines)."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # Besides the error, stderr holds only the progress lines of a run without a
    # terminal (`demand.cli.progress`): time, what, elapsed.
    errors = [line for line in lines if "elapsed" not in line]
    assert len(errors) == 1 and errors[0].startswith("Error: "), lines
    return errors[0]


@pytest.mark.parametrize("fault", ["no extracts", "rejected extract"])
def test_failed_stage_is_one_sentence_and_its_traceback_goes_to_the_log(
    tmp_path: Path, fault: str
) -> None:
    extracts = tmp_path / "extracts"
    (extracts / "calls").mkdir(parents=True)
    if fault == "rejected extract":  # a calls file whose columns are not calls'
        (extracts / "calls" / "calls.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        PIPELINE.format(name="bad", raw=extracts, freq="D"), encoding="utf-8"
    )
    result = _run_cli("run", str(bad), "--db", str(tmp_path / "s.db"), cwd=tmp_path)
    error = _one_error_line(result)
    assert "failed in stage ingest: " in error and "ingest: ingest" not in error
    assert run_history(tmp_path / "s.db")[0]["status"] == "failed"
    (log,) = (tmp_path / "logs" / "bad").glob("*.log")
    assert str(log.relative_to(tmp_path)) in error
    assert "Traceback" in log.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["run", "forecast"])
def test_forecast_without_series_suggests_a_command_that_exists(
    tmp_path: Path, command: str
) -> None:
    pipeline = tmp_path / "f.toml"
    pipeline.write_text(
        '[pipeline]\nname = "f"\nstages = ["forecast"]\n', encoding="utf-8"
    )
    args = [str(pipeline)] if command == "run" else ["--pipeline", str(pipeline)]
    result = _run_cli(command, *args, "--db", str(tmp_path / "s.db"), cwd=tmp_path)
    error = _one_error_line(result)
    assert "failed in stage forecast: No demand series to forecast" in error
    suggested = re.findall(r"`demand ([a-z-]+)", error)
    assert suggested and set(suggested) <= set(cli.commands), suggested


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ('stages = ["forecast"]\n[forecast]\nmodels = ["auto_etz"]', "auto_etz"),
        ('stages = ["forecast"]\n[forecast]\nfallback = "seasonal"', "seasonal"),
        (
            'stages = ["capacity"]\n[capacity]\nassumptions = "missing.toml"',
            "missing.toml",
        ),
        (
            'stages = ["report"]\n[report]\nassumptions = "gone.toml"',
            "gone.toml",
        ),
        ('stages = ["series"]\n[series]\ntimezone = "Europe/Londn"', "Europe/London"),
        ('stages = ["ingest"]\n[ingest]\nadapter = "northshir"', "northshir"),
        ('stages = ["ingest"]\n[ingest]\npaths = ["no/such/folder"]', "no/such"),
    ],
)
def test_dry_run_catches_what_a_pipeline_names_that_does_not_exist(
    tmp_path: Path, section: str, named: str
) -> None:
    pipeline = tmp_path / "p.toml"
    pipeline.write_text(f'[pipeline]\nname = "p"\n{section}\n', encoding="utf-8")
    db = tmp_path / "s.duckdb"
    for extra in (["--dry-run"], []):
        result = CliRunner().invoke(
            cli, ["run", str(pipeline), "--db", str(db), *extra]
        )
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit)
        assert named in result.output and str(pipeline) in result.output
        assert not db.exists()  # refused before anything ran


def test_dry_run_says_what_would_run_and_changes_nothing(
    tmp_path: Path, raw: Path
) -> None:
    db = tmp_path / "s.duckdb"
    config = load_pipeline(_pipeline(tmp_path, raw))
    dry = run_pipeline(config, db, dry_run=True)
    assert _statuses(dry) == {"ingest": "would run", "series": "would run"}
    assert not db.exists()
    run_pipeline(config, db, log_dir=tmp_path / "logs")
    dry = run_pipeline(config, db, dry_run=True)
    assert _statuses(dry) == {"ingest": "would skip", "series": "would skip"}


def _table_snapshot(db: Path) -> tuple:
    with Store(db, read_only=True) as store:
        con = store.con
        return (
            con.execute(
                "SELECT count(*), count(DISTINCT incident_id) FROM incidents"
            ).fetchall(),
            con.execute(
                "SELECT count(*), count(DISTINCT call_id) FROM calls"
            ).fetchall(),
            con.execute("SELECT unique_id, ds, y FROM demand ORDER BY ALL").fetchall(),
        )


@pytest.mark.slow
def test_run_killed_mid_stage_then_rerun_gives_the_same_store(
    tmp_path: Path, raw: Path
) -> None:
    pipeline = _pipeline(tmp_path, raw)
    clean_db, killed_db = tmp_path / "clean.duckdb", tmp_path / "killed.duckdb"
    run_pipeline(load_pipeline(pipeline), clean_db, log_dir=tmp_path / "logs")

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for wait_for in ("stage ingest", "run "):  # kill in series, then in ingest
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "demand.cli",
                "-v",
                "run",
                str(pipeline),
                "--db",
                str(killed_db),
                "--force",
            ],
            cwd=tmp_path,
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stderr is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if wait_for in line or not line:
                break
        time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL

    rerun = CliRunner().invoke(cli, ["run", str(pipeline), "--db", str(killed_db)])
    assert rerun.exit_code == 0, rerun.output
    assert _table_snapshot(killed_db) == _table_snapshot(clean_db)
    statuses = [r["status"] for r in run_history(killed_db)]
    assert statuses[0] == "ok" and "killed" in statuses
