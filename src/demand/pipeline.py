"""Run a pipeline's stages in order: skip what is unchanged, lock, and log every run."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import demand
from demand.config import STAGES, IngestConfig, PipelineConfig, SeriesConfig
from demand.lock import run_lock
from demand.store import Store

__all__ = ["RunResult", "StageResult", "code_version", "run_pipeline", "run_history"]

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


def code_version() -> str:
    """Return the version and a hash of the source, so code edits rerun stages."""
    digest = hashlib.sha256()
    root = Path(demand.__file__).parent
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".toml"}:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{demand.__version__}+{digest.hexdigest()[:12]}"


def _files_fingerprint(paths: tuple[str, ...]) -> str:
    """Fingerprint raw files by name, size and modification time (like make)."""
    digest = hashlib.sha256()
    for root in paths:
        base = Path(root)
        files = sorted(base.rglob("*")) if base.is_dir() else [base]
        for f in files:
            if f.is_file():
                st = f.stat()
                digest.update(f"{f}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _loaded_fingerprint(store: Store) -> str:
    """Fingerprint what ingest has loaded: the SHA-256 of every loaded file."""
    row = store.con.execute(
        "SELECT coalesce(string_agg(sha256 || stream, ',' ORDER BY sha256, stream), '')"
        " FROM ingest_log WHERE status = 'loaded'"
    ).fetchone()
    return hashlib.sha256((row[0] if row else "").encode()).hexdigest()


def _run_ingest(store: Store, section: IngestConfig) -> int:
    from demand.ingest import ingest

    result = ingest(store, [Path(p) for p in section.paths], adapter=section.adapter)
    if not result.ok:
        bad = [str(r.file) for r in result.files if r.status == "rejected"]
        raise ValueError(f"files rejected: {', '.join(bad)}; see the rejects table.")
    return sum(r.rows_loaded for r in result.files)


def _run_series(store: Store, section: SeriesConfig) -> int:
    from demand.series import build_hierarchy, write_demand

    rows = 0
    for stream in section.streams:
        for freq in section.freqs:
            if stream == "crimes" and freq in {"h", "D", "W"}:
                month_only = store.con.execute(
                    "SELECT count(*) FROM crimes WHERE recorded_at IS NULL"
                ).fetchone()
                if month_only and month_only[0]:
                    log.info("crimes are month-only here; no %s series built", freq)
                    continue
            for measure in section.measures:
                if measure == "officer_hours" and stream in {"calls", "crimes"}:
                    continue
                frame = build_hierarchy(
                    store,
                    stream,
                    freq,
                    levels=section.levels,
                    measure=measure,
                    timezone=section.timezone,
                )
                rows += write_demand(store, frame, stream, freq, measure)
    return rows


_STAGE_RUNNERS: dict[str, Callable[[Store, Any], int]] = {
    "ingest": _run_ingest,
    "series": _run_series,
}


def _stage_key(stage: str, config: PipelineConfig, inputs: str, version: str) -> str:
    section = dataclasses.asdict(getattr(config, stage))
    blob = json.dumps([stage, section, inputs, version], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _stage_inputs(stage: str, store: Store, config: PipelineConfig) -> str:
    if stage == "ingest":
        return _files_fingerprint(config.ingest.paths)
    return _loaded_fingerprint(store)


def _last_success(store: Store, pipeline: str, stage: str) -> str | None:
    row = store.con.execute(
        "SELECT cache_key FROM stage_runs WHERE pipeline = ? AND stage = ? AND "
        "status = 'ran' ORDER BY finished_at DESC LIMIT 1",
        [pipeline, stage],
    ).fetchone()
    return row[0] if row else None


def _record_stage(
    store: Store,
    run_id: str,
    pipeline: str,
    result: StageResult,
    key: str,
    started: datetime,
) -> None:
    store.con.execute(
        "INSERT INTO stage_runs VALUES (?, ?, ?, ?, ?, ?, ?, now(), ?, ?)",
        [
            run_id,
            pipeline,
            result.stage,
            key,
            result.status,
            result.reason,
            started,
            result.seconds,
            result.rows,
        ],
    )


def run_pipeline(
    config: PipelineConfig,
    db: Path,
    *,
    force: bool = False,
    dry_run: bool = False,
    log_dir: Path = Path("logs"),
) -> RunResult:
    """Run the pipeline's stages in order against the store at `db`.

    A stage is skipped when its section, its inputs and the code are as they were at
    its last successful run (`force` reruns everything). Every run is recorded in
    `runs` and `stage_runs` and logged to `log_dir/<pipeline>/<run_id>.log`.

    Returns:
        The run's result; `status` is "ok" or "failed" (with the failing stage).

    Raises:
        RunLockedError: another run is using the store.
    """
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    result = RunResult(run_id, config.name, "ok")
    if dry_run:
        return _dry_run(config, db, result, force)
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
    result.log_file = log_file
    try:
        with run_lock(db.with_name(db.name + ".lock"), run_id) as recovered:
            result.recovered_lock = recovered
            with Store(db) as store:
                _execute(store, config, result, force)
    finally:
        package_log.removeHandler(handler)
        package_log.setLevel(saved_level)
        handler.close()
    return result


def _execute(
    store: Store, config: PipelineConfig, result: RunResult, force: bool
) -> None:
    version = code_version()
    store.con.execute(
        "UPDATE runs SET status = 'killed', error = 'the run stopped without finishing'"
        " WHERE pipeline = ? AND status = 'running'",
        [config.name],
    )
    store.con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, 'running', NULL, now(), NULL)",
        [
            result.run_id,
            config.name,
            _config_hash(config),
            version,
            _files_fingerprint(config.ingest.paths),
        ],
    )
    log.info("run %s of %s started", result.run_id, config.name)
    for stage in (s for s in STAGES if s in config.stages):
        key = _stage_key(stage, config, _stage_inputs(stage, store, config), version)
        started = datetime.now(UTC)
        if not force and _last_success(store, config.name, stage) == key:
            stage_result = StageResult(
                stage,
                "skipped",
                "inputs, settings and code unchanged since its last run",
            )
            result.stages.append(stage_result)
            _record_stage(store, result.run_id, config.name, stage_result, key, started)
            continue
        t0 = time.perf_counter()
        try:
            rows = _STAGE_RUNNERS[stage](store, getattr(config, stage))
        except Exception as exc:  # noqa: BLE001 - recorded, logged and reported
            log.exception("stage %s failed", stage)
            stage_result = StageResult(
                stage, "failed", str(exc), time.perf_counter() - t0
            )
            result.stages.append(stage_result)
            result.status, result.error = "failed", f"{stage}: {exc}"
            _record_stage(store, result.run_id, config.name, stage_result, key, started)
            break
        stage_result = StageResult(
            stage,
            "ran",
            "forced" if force else "inputs, settings or code changed",
            time.perf_counter() - t0,
            rows,
        )
        result.stages.append(stage_result)
        _record_stage(store, result.run_id, config.name, stage_result, key, started)
        log.info("stage %s: %s rows in %.1f s", stage, rows, stage_result.seconds)
    store.con.execute(
        "UPDATE runs SET status = ?, error = ?, finished_at = now() WHERE run_id = ?",
        [result.status, result.error, result.run_id],
    )


def _dry_run(
    config: PipelineConfig, db: Path, result: RunResult, force: bool
) -> RunResult:
    """Say what each stage would do, changing nothing."""
    version = code_version()
    if not db.exists():
        result.stages = [
            StageResult(s, "would run", "no store yet")
            for s in STAGES
            if s in config.stages
        ]
        return result
    with Store(db, read_only=True) as store:
        changed = False
        for stage in (s for s in STAGES if s in config.stages):
            key = _stage_key(
                stage, config, _stage_inputs(stage, store, config), version
            )
            if force:
                result.stages.append(StageResult(stage, "would run", "forced"))
            elif changed or _last_success(store, config.name, stage) != key:
                changed = True
                result.stages.append(
                    StageResult(stage, "would run", "inputs, settings or code changed")
                )
            else:
                result.stages.append(StageResult(stage, "would skip", "unchanged"))
    return result


def _config_hash(config: PipelineConfig) -> str:
    blob = json.dumps(
        dataclasses.asdict(dataclasses.replace(config, path=None)),
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def run_history(db: Path, limit: int = 20) -> list[dict]:
    """Return the latest runs recorded in the store, newest first."""
    with Store(db, read_only=True) as store:
        cursor = store.con.execute(
            "SELECT r.run_id, r.pipeline, r.status, r.started_at, r.finished_at, "
            "r.error, string_agg(s.stage || ':' || s.status, ' ' ORDER BY s.started_at)"
            " AS stages FROM runs r LEFT JOIN stage_runs s USING (run_id) "
            "GROUP BY ALL ORDER BY r.started_at DESC LIMIT ?",
            [limit],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
