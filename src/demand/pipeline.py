"""Run a pipeline's stages in order: skip what is unchanged, lock, and log every run."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from demand.code_version import package_code_version, stage_code_version
from demand.config import STAGES, PipelineConfig
from demand.context import PipelineContext
from demand.engine import is_engine_open, open_engine
from demand.lock import lock_path, run_lock
from demand.stages import STAGE_SPECS, check_pipeline
from demand.store import Store
from demand.store.runs import (
    finish_run,
    last_stage_success,
    read_run_history,
    record_stage_run,
    start_run,
)

__all__ = [
    "PipelineProgress",
    "RunResult",
    "StageResult",
    "one_line",
    "run_history",
    "run_pipeline",
]

PipelineProgress = Callable[[str, int, int, str], None]
"""Called with (stage, done, total, label): (stage, 0, 0, "") as a stage starts,
then as its work goes on (total 0 where a stage cannot count its work)."""

log = logging.getLogger(__name__)


@dataclass
class StageResult:
    """What happened to one stage: `ran`, `skipped`, `failed` or, in a dry run,
    `would run` / `would skip`, with the reason."""

    stage: str
    status: str
    reason: str
    seconds: float = 0.0
    rows: int = 0


@dataclass
class RunResult:
    """One pipeline run: its id, overall status, the stages, and where its log is."""

    run_id: str
    pipeline: str
    status: str
    stages: list[StageResult] = field(default_factory=list)
    error: str | None = None
    log_file: Path | None = None
    recovered_lock: bool = False

    @property
    def failed_stage(self) -> str | None:
        """The stage that failed, if any."""
        return next((s.stage for s in self.stages if s.status == "failed"), None)


ADDED_SETTINGS = {
    "": ("call_lines", "grades"),
    "ingest": ("names",),
    "capacity": ("financial_year_start_month",),
    "report": ("names",),
}
"""Settings added after stores were first written, by section ("" for the
pipeline's own keys). At its default such a setting means what its absence
meant, so it is left out of the hashes: upgrading reruns no stage."""


def _hashed(settings: object, section: str) -> dict:
    """`settings` as a dict, less the added settings that hold their defaults."""
    values = dataclasses.asdict(settings)  # type: ignore[call-overload]
    for f in dataclasses.fields(settings):  # type: ignore[arg-type]
        if f.name not in ADDED_SETTINGS.get(section, ()):
            continue
        factory: Any = f.default_factory
        default = f.default if factory is dataclasses.MISSING else factory()
        if dataclasses.is_dataclass(default):
            default = dataclasses.asdict(default)  # type: ignore[arg-type]
        if values[f.name] == default:
            del values[f.name]
    for name in ADDED_SETTINGS:
        if section == "" and name and isinstance(values.get(name), dict):
            values[name] = _hashed(getattr(settings, name), name)
    return values


def _settings_hash(config: PipelineConfig, stage: str) -> str:
    section = _hashed(getattr(config, stage), stage)
    return hashlib.sha256(
        json.dumps(section, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]


@dataclass(frozen=True)
class _StageState:
    """What a stage would run on now: its inputs, settings and the code."""

    inputs: str
    settings: str
    code: str

    def changes_since(self, last: tuple[str, str, str] | None) -> str | None:
        """Say what changed since the last successful run; None if nothing did."""
        if last is None:
            return "never ran"
        changed = [
            what
            for what, now, then in zip(
                ("inputs", "settings", "code"),
                (self.inputs, self.settings, self.code),
                last,
                strict=True,
            )
            if now != then
        ]
        if not changed:
            return None
        if "code" in changed:
            changed[changed.index("code")] = f"code ({last[2]} → {self.code})"
        return ", ".join(changed) + " changed"


def _state(store: Store, config: PipelineConfig, stage: str) -> _StageState:
    return _StageState(
        STAGE_SPECS[stage].inputs(store, config),
        _settings_hash(config, stage),
        stage_code_version(stage),
    )


def _record_stage(
    store: Store,
    context: PipelineContext,
    result: StageResult,
    state: _StageState,
    started: datetime,
) -> None:
    record_stage_run(
        store,
        context.run_id,
        context.name,
        result.stage,
        (state.inputs, state.settings, state.code),
        (result.status, result.reason, result.seconds, result.rows),
        started,
    )


def run_pipeline(
    config: PipelineConfig,
    db: Path,
    *,
    force: bool = False,
    dry_run: bool = False,
    log_dir: Path = Path("logs"),
    progress: PipelineProgress | None = None,
) -> RunResult:
    """Run the pipeline's stages in order against the store at `db`.

    A stage is skipped when its section, its inputs and the code are as they were at
    its last successful run (`force` reruns everything). Every run is recorded in
    `runs` and `stage_runs` and logged to `log_dir/<pipeline>/<run_id>.log`;
    `progress` hears of each stage that runs and of its work as it goes.

    A stage that fails ends the run: its error, in one line, is the run's `error`,
    and its traceback goes to the log file only.

    Returns:
        The run's result; `status` is "ok" or "failed" (with the failing stage).

    Raises:
        ValueError: a stage's section names a file, model or time zone that does not
            exist (checked before anything runs, in a dry run too).
        RunLockedError: another run is using the store.
        StoreBusyError: another process (a notebook, a BI tool) holds the store.
    """
    check_pipeline(config)
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    result = RunResult(run_id, config.name, "ok")
    if dry_run:
        return _dry_run(config, db, result, force)
    # The engine opens before anything is written: an unreachable scheduler
    # stops the run with one sentence and leaves the store and logs untouched.
    # One already open (`run_forces`: one cluster for every force) is used.
    opens = "forecast" in config.stages and not is_engine_open()
    engine = open_engine(config.engine) if opens else nullcontext()
    with engine:
        return _run_logged(config, db, result, force, log_dir, progress)


def _run_logged(
    config: PipelineConfig,
    db: Path,
    result: RunResult,
    force: bool,
    log_dir: Path,
    progress: PipelineProgress | None,
) -> RunResult:
    """Run the stages with the run's log file attached to the package's logger."""
    run_id = result.run_id
    log_file = log_dir / config.name / f"{run_id}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.setLevel(logging.INFO)
    package_log = logging.getLogger("demand")
    saved_level = package_log.level
    package_log.setLevel(min(package_log.getEffectiveLevel(), logging.INFO))
    package_log.addHandler(handler)
    # Tracebacks go to the run's log file alone: the console gets one sentence.
    _trace_log.propagate = False
    _trace_log.addHandler(handler)
    result.log_file = log_file
    try:
        with run_lock(lock_path(db), run_id) as recovered:
            result.recovered_lock = recovered
            with Store(db) as store:
                _execute(store, config, result, force, progress)
    except Exception:
        _trace_log.exception("run %s stopped", run_id)
        raise
    finally:
        package_log.removeHandler(handler)
        _trace_log.removeHandler(handler)
        package_log.setLevel(saved_level)
        handler.close()
    return result


_trace_log = logging.getLogger(__name__ + ".trace")
"""Where stage tracebacks go: the run's log file only (it does not propagate)."""


def _execute(
    store: Store,
    config: PipelineConfig,
    result: RunResult,
    force: bool,
    progress: PipelineProgress | None = None,
) -> None:
    # The one context every stage is given: whose run it is, its clock, its store.
    context = PipelineContext(
        config.name, result.run_id, config.series.timezone, store.path
    )
    start_run(
        store,
        result.run_id,
        config.name,
        _config_hash(config),
        package_code_version(),
        STAGE_SPECS["ingest"].inputs(store, config),
    )
    log.info("run %s of %s started", result.run_id, config.name)
    for stage in (s for s in STAGES if s in config.stages):
        state = _state(store, config, stage)
        started = datetime.now(UTC)
        why = (
            "forced"
            if force
            else state.changes_since(last_stage_success(store, config.name, stage))
        )
        if why is None:
            skipped = StageResult(
                stage,
                "skipped",
                "inputs, settings and code unchanged since its last run",
            )
            result.stages.append(skipped)
            _record_stage(store, context, skipped, state, started)
            continue
        log.info("stage %s starts: %s", stage, why)
        t0 = time.perf_counter()
        step = None
        if progress is not None:
            progress(stage, 0, 0, "")
            step = functools.partial(progress, stage)
        try:
            rows = STAGE_SPECS[stage].run(store, getattr(config, stage), context, step)
        except Exception as exc:  # noqa: BLE001 - recorded, logged and reported
            _trace_log.exception("stage %s failed", stage)
            reason = one_line(exc)
            failed = StageResult(stage, "failed", reason, time.perf_counter() - t0)
            result.stages.append(failed)
            result.status, result.error = "failed", f"{stage}: {reason}"
            _record_stage(store, context, failed, state, started)
            break
        ran = StageResult(stage, "ran", why, time.perf_counter() - t0, rows)
        if progress is not None:
            progress(stage, 1, 1, f"done in {ran.seconds:.0f} s")
        result.stages.append(ran)
        _record_stage(store, context, ran, state, started)
        log.info("stage %s: %s rows in %.1f s", stage, rows, ran.seconds)
    finish_run(store, result.run_id, result.status, result.error)


def one_line(exc: Exception) -> str:
    """An error as one line (a failed stage's or force's); a bug's names its kind."""
    text = " ".join(str(exc).split())
    if isinstance(exc, ValueError | OSError) and text:
        return text  # a user's mistake: its message is written to be read
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _dry_run(
    config: PipelineConfig, db: Path, result: RunResult, force: bool
) -> RunResult:
    """Say what each stage would do and why, changing nothing.

    A stage downstream of one that would run is reported as running too, since
    its inputs may change; the real run checks again and may still skip it.
    """
    stages = [s for s in STAGES if s in config.stages]
    if not db.exists():
        result.stages = [StageResult(s, "would run", "no store yet") for s in stages]
        return result
    with Store(db, read_only=True) as store:
        upstream = None
        for stage in stages:
            why = (
                "forced"
                if force
                else _state(store, config, stage).changes_since(
                    last_stage_success(store, config.name, stage)
                )
            )
            why = why or (f"after {upstream}" if upstream else None)
            if why is None:
                result.stages.append(StageResult(stage, "would skip", "unchanged"))
            else:
                upstream = upstream or stage
                result.stages.append(StageResult(stage, "would run", why))
    return result


def _config_hash(config: PipelineConfig) -> str:
    blob = json.dumps(
        _hashed(dataclasses.replace(config, path=None), ""),
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def run_history(db: Path, limit: int = 20) -> list[dict]:
    """Return the latest runs recorded in the store, newest first."""
    with Store(db, read_only=True) as store:
        return read_run_history(store, limit)
