"""The pipeline's stages: what each one runs and what its inputs are."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from demand.config import (
    CapacityConfig,
    ForecastConfig,
    IngestConfig,
    PipelineConfig,
    ReportConfig,
    SeriesConfig,
)
from demand.context import PipelineContext
from demand.store import Store, stage_reads

__all__ = ["STAGE_SPECS", "StageProgress", "StageSpec", "check_pipeline"]

log = logging.getLogger(__name__)


StageProgress = Callable[[int, int, str], None]
"""Called by a stage with (done, total, label) as its work goes on."""


@dataclass(frozen=True)
class StageSpec:
    """One stage: `run(store, section, context, progress) -> rows written`, a
    fingerprint of what it reads, `inputs(store, config) -> str`, that changes when
    its inputs do, and `check(section) -> problem or None`, a look before running
    at what the section names outside the store (files, models, time zones)."""

    run: Callable[[Store, Any, PipelineContext, StageProgress | None], int]
    inputs: Callable[[Store, PipelineConfig], str]
    check: Callable[[Any], str | None] = lambda section: None


def check_pipeline(config: PipelineConfig) -> None:
    """Refuse a pipeline whose stages name things that do not exist.

    Runs before any stage (and in a dry run), so a misspelt model or a missing
    assumptions file is found in a second, not after an hour of ingest and fits.

    Raises:
        ValueError: one sentence naming the pipeline file, the key and the fix.
    """
    where = config.path or config.name
    for stage in (s for s in STAGE_SPECS if s in config.stages):
        problem = STAGE_SPECS[stage].check(getattr(config, stage))
        if problem:
            raise ValueError(f"{where}: [{stage}] {problem}")


def _missing_file(key: str, paths: tuple[str, ...]) -> str | None:
    for path in paths:
        if not Path(path).exists():
            return (
                f"{key}: no such file or folder {path} (relative paths start in "
                f"{Path.cwd()}); fix the path or create it."
            )
    return None


def _check_ingest(section: IngestConfig) -> str | None:
    from demand.ingest import load_adapters

    try:
        load_adapters(section.adapter)
    except ValueError as exc:  # IngestError: an unknown or broken column map
        return f"adapter: {exc}"
    return _missing_file("paths", tuple(section.paths))


def _check_series(section: SeriesConfig) -> str | None:
    import difflib
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(section.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(
            section.timezone, sorted(zoneinfo.available_timezones()), n=1
        )
        hint = f"did you mean {close[0]}?" if close else "e.g. Europe/London."
        return f"timezone: unknown time zone {section.timezone!r}; {hint}"
    return None


def _check_forecast(section: ForecastConfig) -> str | None:
    import difflib

    from demand.forecast import MODELS

    for key, aliases in (("models", section.models), ("fallback", (section.fallback,))):
        for alias in aliases:
            if alias not in MODELS:
                close = difflib.get_close_matches(alias, list(MODELS), n=1)
                hint = f"did you mean {close[0]}? " if close else ""
                return (
                    f"{key}: unknown model {alias!r}; {hint}the models are "
                    f"{', '.join(MODELS)}."
                )
    return None


def _check_capacity(section: CapacityConfig) -> str | None:
    return _missing_file("assumptions", (section.assumptions,)) or _missing_file(
        "scenarios", section.scenarios
    )


def _check_report(section: ReportConfig) -> str | None:
    return _missing_file("assumptions", (section.assumptions,))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _files_fingerprint(paths: tuple[str, ...]) -> str:
    """Fingerprint files by name, size and modification time (as make does)."""
    lines = []
    for root in paths:
        base = Path(root)
        files = sorted(base.rglob("*")) if base.is_dir() else [base]
        for f in files:
            if f.is_file():
                st = f.stat()
                lines.append(f"{f}|{st.st_size}|{st.st_mtime_ns}")
    return _sha("\n".join(lines))


def _loaded_fingerprint(store: Store, config: PipelineConfig) -> str:
    """Fingerprint what ingest has loaded: the SHA-256 of every loaded file."""
    return _sha(stage_reads.loaded_files_text(store))


def _demand_fingerprint(store: Store, config: PipelineConfig) -> str:
    """Fingerprint the stored demand series, whatever order they were written in."""
    return _sha(str(stage_reads.demand_fingerprint_row(store)))


def _capacity_inputs(store: Store, config: PipelineConfig) -> str:
    """Forecasts used, the stream tables (for unit times) and the assumption files."""
    section = config.capacity
    files = [section.assumptions, *section.scenarios]
    contents = "".join(
        hashlib.sha256(Path(f).read_bytes()).hexdigest() if Path(f).is_file() else f
        for f in files
    )
    forecast_run = store.latest_run(config.name, "forecast") or "none"
    return _sha(forecast_run + _loaded_fingerprint(store, config) + contents)


def _run_ingest(
    store: Store,
    section: IngestConfig,
    context: PipelineContext,
    progress: StageProgress | None = None,
) -> int:
    from demand.ingest import find_files, ingest, load_adapters

    paths = [Path(p) for p in section.paths]
    total = len(find_files(paths, load_adapters(section.adapter)))
    done = 0

    def step(loaded: Any) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, loaded.file.name)

    earliest = section.earliest_date
    result = ingest(
        store,
        paths,
        adapter=section.adapter,
        progress=step,
        earliest_date=date.fromisoformat(earliest) if earliest else None,
        future_days=section.future_days,
        names=section.names,
    )
    if not result.ok:
        raise ValueError(" ".join(result.errors))
    return sum(r.rows_loaded for r in result.files)


def _trim_missing_ends(frame: Any) -> Any:
    """Drop each series' periods before its first and after its last count."""
    known = frame["y"].notna()
    uid = frame["unique_id"]
    after_first = known.groupby(uid).cummax()
    before_last = known[::-1].groupby(uid[::-1]).cummax()[::-1]
    return frame[after_first & before_last].reset_index(drop=True)


def _levels_of(
    stream: str, levels: tuple[tuple[str, ...], ...]
) -> tuple[tuple[str, ...], ...]:
    """The levels whose columns the stream has (e.g. no offence_group for asb)."""
    from demand.schemas import get_stream

    names = get_stream(stream).column_names
    kept = tuple(lv for lv in levels if set(lv) <= set(names))
    if len(kept) < len(levels):
        log.info(
            "%s: levels %s skipped (no such columns)", stream, set(levels) - set(kept)
        )
    return kept


def _stream_series(
    store: Store, section: SeriesConfig, stream: str, freq: str, measure: str
) -> int:
    """Build and write one stream's series at one frequency and measure."""
    from demand.schemas import get_stream
    from demand.series import build_hierarchy, write_demand

    aggregate = get_stream(stream).grain == "period"  # a source's own counts
    frame = build_hierarchy(
        store,
        stream,
        freq,
        levels=_levels_of(stream, section.levels),
        measure=measure,
        timezone=section.timezone,
        **({"fill_missing": section.fill_missing} if aggregate else {}),
    )
    if aggregate:
        frame = _trim_missing_ends(frame)
    return write_demand(store, frame, stream, freq, measure)


def _run_series(
    store: Store,
    section: SeriesConfig,
    context: PipelineContext,
    progress: StageProgress | None = None,
) -> int:
    from demand.schemas import get_stream
    from demand.series import is_month_only

    rows = 0
    for done, stream in enumerate(section.streams):
        if progress is not None:
            progress(done, len(section.streams), stream)
        month_only = is_month_only(store, stream)
        for freq in section.freqs:
            if month_only and freq != "M":
                log.info("%s are month-only here; no %s series built", stream, freq)
                continue
            for measure in section.measures:
                if (
                    measure == "officer_hours"
                    and not get_stream(stream).has_officer_hours
                ):
                    continue  # no officer hours recorded on this stream
                rows += _stream_series(store, section, stream, freq, measure)
    return rows


def _run_forecast(
    store: Store,
    section: ForecastConfig,
    context: PipelineContext,
    progress: StageProgress | None = None,
) -> int:
    from demand.forecast.stage import run_forecast

    def labelled(prefix: str) -> StageProgress | None:
        if progress is None:
            return None
        return lambda done, total, label: progress(done, total, f"{prefix} {label}")

    # run_forecast backtests each series in the task that forecasts it (with
    # `backtest` on): a second pass through backtest_store would repeat every fit.
    return run_forecast(store, section, context.run_id, progress=labelled("fitting"))


def _run_capacity(
    store: Store,
    section: CapacityConfig,
    context: PipelineContext,
    progress: StageProgress | None = None,
) -> int:
    from demand.capacity.assumptions import load_assumptions
    from demand.capacity.scenarios import load_scenario
    from demand.capacity.stage import run_capacity

    # The forecasts of this run's pipeline: a store shared by a weekly and an FMS
    # pipeline holds both, and only the pipeline's own have the horizons it needs.
    forecast_run = store.latest_run(context.name, "forecast", "forecasts")
    if forecast_run is None:
        raise ValueError("No forecasts in the store; run the forecast stage first.")
    forecasts = stage_reads.read_run_forecasts(store, forecast_run)
    result = run_capacity(
        store,
        forecasts,
        load_assumptions(section.assumptions),
        context.run_id,
        scenarios=[load_scenario(p) for p in section.scenarios],
        window_days=section.window_days,
        timezone=section.timezone or context.timezone,
        financial_year_start_month=section.financial_year_start_month,
    )
    return len(result.capacity)


def _report_inputs(store: Store, config: PipelineConfig) -> str:
    """The forecast and capacity runs reported, and the assumptions (risk matrix)."""
    path = Path(config.report.assumptions)
    contents = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    runs = [
        store.latest_run(config.name, stage) or "none"
        for stage in ("forecast", "capacity")
    ]
    return _sha("|".join([*runs, contents]))


def _run_report(
    store: Store,
    section: ReportConfig,
    context: PipelineContext,
    progress: StageProgress | None = None,
) -> int:
    from demand.report import build_report

    return len(build_report(store, section, context).files)


STAGE_SPECS: dict[str, StageSpec] = {
    "ingest": StageSpec(
        _run_ingest,
        lambda store, config: _files_fingerprint(config.ingest.paths),
        _check_ingest,
    ),
    "series": StageSpec(_run_series, _loaded_fingerprint, _check_series),
    "forecast": StageSpec(_run_forecast, _demand_fingerprint, _check_forecast),
    "capacity": StageSpec(_run_capacity, _capacity_inputs, _check_capacity),
    "report": StageSpec(_run_report, _report_inputs, _check_report),
}
"""Every stage, by name; `config.STAGES` gives their order."""
