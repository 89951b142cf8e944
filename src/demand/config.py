"""Typed pipeline files (TOML) → frozen objects; unknown keys are errors."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from demand.schemas import STREAMS, demand_streams
from demand.series import FINANCIAL_YEAR_START_MONTH, FREQS
from demand.toml_tables import build_frozen

__all__ = [
    "CURRENCY_SYMBOLS",
    "CapacityConfig",
    "ConfigError",
    "EngineConfig",
    "EventConfig",
    "ForecastConfig",
    "IngestConfig",
    "PipelineConfig",
    "ReportConfig",
    "SeriesConfig",
    "StoreConfig",
    "level_columns",
    "currency_symbol",
    "load_pipeline",
]


class ConfigError(ValueError):
    """A pipeline file is missing, unreadable or holds a bad value."""


@dataclass(frozen=True)
class IngestConfig:
    """Which extracts to load, and the column maps that read them.

    Args:
        paths: Files or folders, relative to the folder the pipeline runs from.
        adapter: A built-in column-map name, a TOML file or a folder of them.
        earliest_date: First plausible day of any date (ISO); None keeps each
            map's `earliest_date` (default 1990-01-01). Earlier rows are rejected.
        future_days: Days after the later of a file's modification and the run
            date that a date may fall on; None keeps each map's (default 7).
    """

    paths: tuple[str, ...] = ("data/raw",)
    adapter: str = "northshire"
    earliest_date: str | None = None
    future_days: int | None = None

    def __post_init__(self) -> None:
        if self.earliest_date is not None:
            _check_iso_date("earliest_date", self.earliest_date)
        if self.future_days is not None and self.future_days < 0:
            raise ConfigError(
                f"future_days: expected 0 or more days; found {self.future_days!r}"
            )


@dataclass(frozen=True)
class SeriesConfig:
    """Which demand series to build from the stream tables.

    Args:
        streams: Streams to aggregate.
        freqs: Frequencies, from "h", "D", "W", "M".
        levels: Level columns per hierarchy level; [] is the force.
        measures: "count" and/or "officer_hours" (workload).
        timezone: Local zone the periods follow.
        fill_missing: How a period missing from an aggregate source (`counts`)
            is filled before it is stored: "interpolate", "zero" or a number
            such as "1.5" (Denver leaves out hours with fewer than 3 calls).
    """

    streams: tuple[str, ...] = (
        "calls",
        "incidents",
        "mental_health",
        "missing_persons",
        "crimes",
    )
    freqs: tuple[str, ...] = ("D", "M")
    levels: tuple[tuple[str, ...], ...] = ((), ("area",))
    measures: tuple[str, ...] = ("count",)
    timezone: str = "Europe/London"
    fill_missing: str = "interpolate"

    def __post_init__(self) -> None:
        _check_members("streams", self.streams, demand_streams())
        _check_members("freqs", self.freqs, tuple(FREQS))
        _check_members("measures", self.measures, ("count", "officer_hours"))
        columns = level_columns(self.streams)
        for level in self.levels:
            for name in level:
                if name not in columns:
                    raise ConfigError(
                        f"levels: expected level columns of the streams "
                        f"{', '.join(self.streams)} (one of {', '.join(columns)}); "
                        f"found {name!r}"
                    )
        if self.fill_missing not in ("interpolate", "zero"):
            try:
                float(self.fill_missing)
            except ValueError:
                raise ConfigError(
                    "fill_missing: expected interpolate, zero or a number such as "
                    f"'1.5'; found {self.fill_missing!r}"
                ) from None


def level_columns(streams: tuple[str, ...]) -> tuple[str, ...]:
    """Columns a series may be split by: the streams' text and yes/no columns.

    Keys and times are not levels (one series per incident or per instant).
    """
    return tuple(sorted({c for stream in streams for c in STREAMS[stream].levels}))


EVENT_KINDS = ("level_shift", "exclude")
"""How a dated event is handled: a lasting step in level, or a period to ignore."""
_ALIAS = re.compile(r"^[a-z][a-z0-9_]*$")
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
_FORECAST_LEVELS = (80, 95)
_RECONCILIATION = ("none", "bottom_up", "ols", "wls_struct", "mint_shrink")


def _check_iso_date(key: str, value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{key}: expected an ISO date such as 2023-07-01; found {value!r}"
        ) from None


@dataclass(frozen=True)
class EventConfig:
    """A dated event or intervention that changed demand (see `docs/methods.md`).

    Args:
        name: Short name, e.g. "rcrp" (logged and recorded with each series).
        date: First local day of the event, ISO format ("2023-07-01").
        end: Last local day of an `exclude` event (inclusive); "" for a level shift.
        kind: "level_shift" (demand steps to a new level and stays there) or
            "exclude" (the period is not typical, e.g. a pandemic lockdown).
        streams: Streams affected; [] means every stream.
    """

    name: str
    date: str
    end: str = ""
    kind: str = "level_shift"
    streams: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_iso_date("date", self.date)
        _check_members("kind", (self.kind,), EVENT_KINDS)
        _check_members("streams", self.streams, tuple(STREAMS))
        if self.kind == "exclude":
            if not self.end:
                raise ConfigError(
                    f"end: an exclude event needs its last day; {self.name!r} has none"
                )
            _check_iso_date("end", self.end)
            if self.end < self.date:
                raise ConfigError(
                    f"end: expected a day on or after {self.date}; found {self.end}"
                )
        elif self.end:
            raise ConfigError(
                f"end: a level shift lasts; remove end from {self.name!r} "
                'or make it kind = "exclude"'
            )


@dataclass(frozen=True)
class ForecastConfig:
    """How the stored demand series are forecast, backtested and saved.

    Args:
        streams: Streams to forecast ([] means every stream in `demand`).
        measures: Measures to forecast, "count" and/or "officer_hours".
        operational_days: Daily operational horizon, days (13 weeks = 91).
        operational_hours: Hourly operational horizon, hours (14 days = 336).
        hourly_streams: Streams forecast hourly as well (control-room demand).
        hourly_history_weeks: Weeks of hourly history a model sees (0 = all);
            recent weeks carry the weekly cycle, and long hourly fits are slow.
        strategic_months: Monthly strategic horizon, months (4 years = 48).
        models: Aliases of registered models; "auto" selects per series and
            falls back to "auto_ets" where "auto" is not registered.
        fallback: Alias of the model for a series whose model fails to fit.
        levels: Interval coverages, percent; the `forecasts` table holds 80, 95.
        reconciliation: "none", "bottom_up", "ols", "wls_struct" or "mint_shrink",
            so that areas add up to the force.
        max_growth_per_year: Largest believable growth of a forecast over the
            last season of history, fraction per year (0.25 = 25 %); faster
            growth is capped and flagged.
        events: Dated events and interventions (see `EventConfig`).
        train_end: Last local day of history to use, ISO; "" means all of it
            (set it to hold back data for an honest test).
        backtest: Also run rolling-origin backtests and score them.
        backtest_windows: Cutoffs per backtest; 0 means the protocol's number.
        n_jobs: Local worker processes for fitting (-1 = every core; 1 = serial).
        engine: "local" only; a Dask cluster is the pipeline's [engine] table
            (`EngineConfig`), so "dask" here is refused with that pointer.
        models_dir: Folder for saved models, `<models_dir>/<run_id>/`.
        reuse_models: Run id whose saved models forecast without refitting.
    """

    streams: tuple[str, ...] = ()
    measures: tuple[str, ...] = ("count",)
    operational_days: int = 91
    operational_hours: int = 336
    hourly_streams: tuple[str, ...] = ("calls", "incidents")
    hourly_history_weeks: int = 16
    strategic_months: int = 48
    models: tuple[str, ...] = ("auto",)
    fallback: str = "seasonal_naive"
    levels: tuple[int, ...] = _FORECAST_LEVELS
    reconciliation: str = "wls_struct"
    max_growth_per_year: float = 0.25
    events: tuple[EventConfig, ...] = ()
    train_end: str = ""
    backtest: bool = True
    backtest_windows: int = 4
    n_jobs: int = -1
    engine: str = "local"
    models_dir: str = "models"
    reuse_models: str = ""

    def __post_init__(self) -> None:
        events_streams = demand_streams()
        _check_members("streams", self.streams, events_streams)
        _check_members("hourly_streams", self.hourly_streams, events_streams)
        _check_members("measures", self.measures, ("count", "officer_hours"))
        _check_members("reconciliation", (self.reconciliation,), _RECONCILIATION)
        if self.engine == "dask":
            raise ConfigError(
                "engine: the dask engine moved to the [engine] table; write "
                '[engine] kind = "dask" with scheduler = "tcp://host:8786" or '
                "workers = N, and remove engine from [forecast]"
            )
        _check_members("engine", (self.engine,), ("local",))
        _check_members("levels", tuple(map(str, self.levels)), ("80", "95"))
        if not self.models:
            raise ConfigError("models: expected at least one model alias; found []")
        for alias in (*self.models, self.fallback):
            if not _ALIAS.match(alias):
                raise ConfigError(
                    f"models: expected snake_case model aliases; found {alias!r}"
                )
        for key in ("operational_days", "operational_hours", "strategic_months"):
            value = getattr(self, key)
            if isinstance(value, float) or value < 0:
                raise ConfigError(
                    f"{key}: expected a whole number of periods ≥ 0; found {value!r}"
                )
        if not 0 < self.max_growth_per_year <= 5:
            raise ConfigError(
                "max_growth_per_year: expected a fraction per year in (0, 5]; "
                f"found {self.max_growth_per_year!r}"
            )
        if self.backtest_windows < 0 or self.hourly_history_weeks < 0:
            raise ConfigError(
                "backtest_windows and hourly_history_weeks: expected ≥ 0; found "
                f"{self.backtest_windows!r}, {self.hourly_history_weeks!r}"
            )
        if self.n_jobs == 0:
            raise ConfigError("n_jobs: expected -1 (every core) or ≥ 1; found 0")
        if self.train_end:
            _check_iso_date("train_end", self.train_end)


@dataclass(frozen=True)
class EngineConfig:
    """Where the forecast stage's fits run (the pipeline's [engine] table).

    Args:
        kind: "local" (this machine's processes) or "dask" (a Dask cluster).
        scheduler: Dask only: address of a running scheduler, "tcp://host:8786";
            "" starts a `LocalCluster` of `workers` processes for the run.
        workers: Local: processes (0 = [forecast] n_jobs). Dask without a
            scheduler: worker processes of the run's `LocalCluster`, 1 thread each.
        retries: Times a Dask batch is re-run after its worker is lost.
        connect_timeout_seconds: How long to try reaching `scheduler`, seconds.
    """

    kind: str = "local"
    scheduler: str = ""
    workers: int = 0
    retries: int = 2
    connect_timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        _check_members("engine.kind", (self.kind,), ("local", "dask"))
        if self.workers < 0 or self.retries < 0:
            raise ConfigError(
                "engine.workers and engine.retries: expected ≥ 0; found "
                f"{self.workers!r}, {self.retries!r}"
            )
        if not self.connect_timeout_seconds > 0:
            raise ConfigError(
                "engine.connect_timeout_seconds: expected > 0; found "
                f"{self.connect_timeout_seconds!r}"
            )
        if self.kind == "local" and self.scheduler:
            raise ConfigError(
                'engine.scheduler: only for kind = "dask"; found kind = "local"'
            )
        if self.kind == "dask" and bool(self.scheduler) == bool(self.workers):
            raise ConfigError(
                'engine: kind = "dask" needs either scheduler = "tcp://host:8786" '
                f"or workers = N; found scheduler {self.scheduler!r}, "
                f"workers {self.workers!r}"
            )


@dataclass(frozen=True)
class CapacityConfig:
    """How forecasts become hours, people, gaps and scenarios.

    Args:
        assumptions: The force's assumptions file (see docs/assumptions.md).
        scenarios: Scenario files layered on the baseline, compared side by side.
        window_days: Days of recent history for unit times, mixes and call
            profiles.
        timezone: Local zone of the hour-of-week call profiles; empty (the
            default) takes the series section's, so calls and incidents share
            one clock.
    """

    assumptions: str = "pipelines/assumptions/northshire.toml"
    scenarios: tuple[str, ...] = ()
    window_days: int = 365
    timezone: str = ""

    def __post_init__(self) -> None:
        if self.window_days < 28:
            raise ConfigError(
                f"window_days: expected at least 28 days; found {self.window_days!r}"
            )


@dataclass(frozen=True)
class StoreConfig:
    """Where the pipeline's store is.

    Args:
        db: The DuckDB file, as `--db` would name it. "" (the default) gives
            each pipeline its own, `data/processed/<name>/demand.duckdb`.
            Pipelines that should share one store (one ingest, several
            forecasts) name the same file, which says so in both; `--db` and
            `$DEMAND_DB` still override it.
    """

    db: str = ""


@dataclass(frozen=True)
class ReportConfig:
    """What the report stage writes: the planners' HTML, FMS tables and exports.

    Args:
        out_dir: Folder of reports; each run writes `<out_dir>/<pipeline>/<run_id>/`
            and points `<out_dir>/<pipeline>/latest` at it.
        exports_dir: Folder for the Parquet exports (series, forecasts, capacity,
            FMS tables) that BI tools read; "" (the default) is the pipeline's
            own, `data/processed/<name>/exports`. Give pipelines different ones.
        assumptions: The assumptions file whose `[risk]` table grades risks and
            whose sources the methods appendix lists; "" means the one of
            `[capacity]`.
        scenarios: Scenario names to show beside the baseline; [] means all.
        publish: Also write a `published/` folder whose counts below
            `disclosure_threshold` are suppressed (with secondary suppression).
        disclosure_threshold: Smallest count shown in published outputs.
        history_months: Months of history the charts show before the forecasts.
        financial_year_start_month: Month (1-12) financial years start in;
            set once in `[pipeline]`, which copies it here.
        currency: ISO code of the money figures (GBP, USD, EUR ...); set once
            in `[pipeline]`, which copies it here.
    """

    out_dir: str = "reports"
    exports_dir: str = ""
    assumptions: str = ""
    scenarios: tuple[str, ...] = ()
    publish: bool = False
    disclosure_threshold: int = 10
    history_months: int = 36
    financial_year_start_month: int = FINANCIAL_YEAR_START_MONTH
    currency: str = "GBP"

    def __post_init__(self) -> None:
        _check_locale(self.financial_year_start_month, self.currency)
        if self.disclosure_threshold < 1:
            raise ConfigError(
                "disclosure_threshold: expected a count ≥ 1; "
                f"found {self.disclosure_threshold!r}"
            )
        if self.history_months < 1:
            raise ConfigError(
                f"history_months: expected ≥ 1; found {self.history_months!r}"
            )


@dataclass(frozen=True)
class PipelineConfig:
    """One runnable pipeline: a name and one section per stage.

    Args:
        name: Short name used for reports, logs and the run history.
        stages: Stages to run, in order.
        ingest: The ingest stage's section.
        series: The series stage's section.
        forecast: The forecast stage's section.
        capacity: The capacity stage's section.
        report: The report stage's section; its `assumptions` default to those
            of `capacity`.
        store: Where the pipeline's store is (default its own).
        financial_year_start_month: Month (1-12) a financial year starts in:
            4 (April) in the UK; a US agency's fiscal year starts in 7 or 10.
        currency: ISO 4217 code of costs, e.g. "GBP" (£) or "USD" ($).
        engine: Where the forecast stage's fits run (local or Dask).
        path: The file it was loaded from (not part of the file).
    """

    name: str
    stages: tuple[str, ...] = ("ingest", "series")
    financial_year_start_month: int = FINANCIAL_YEAR_START_MONTH
    currency: str = "GBP"
    ingest: IngestConfig = field(default_factory=IngestConfig)
    series: SeriesConfig = field(default_factory=SeriesConfig)
    forecast: ForecastConfig = field(default_factory=ForecastConfig)
    capacity: CapacityConfig = field(default_factory=CapacityConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    path: Path | None = None

    def __post_init__(self) -> None:
        # The name becomes a folder (logs/<name>, reports/<name>): no '/', '..'
        # or leading '.', so it can never point outside them or hide.
        if not _SAFE_NAME.fullmatch(self.name) or ".." in self.name:
            raise ConfigError(
                "name: expected a safe folder name (letters, digits, '_', '-' and "
                f"'.', not first, no '..'); found {self.name!r}"
            )
        _check_members("stages", self.stages, STAGES)
        _check_locale(self.financial_year_start_month, self.currency)
        locale: dict[str, object] = {
            "financial_year_start_month": self.financial_year_start_month,
            "currency": self.currency,
        }
        for key, value in locale.items():
            own = getattr(self.report, key)
            if own != value and own != getattr(ReportConfig, key):
                raise ConfigError(
                    f"report.{key}: set it once, in [pipeline]; found {own!r} in "
                    f"[report] and {value!r} in [pipeline]"
                )
        # Capacity counts its years in the UK's April-March: until it takes the
        # setting too, a pipeline sizing people must keep April.
        if (
            "capacity" in self.stages
            and self.financial_year_start_month != FINANCIAL_YEAR_START_MONTH
        ):
            raise ConfigError(
                "financial_year_start_month: the capacity stage counts financial "
                f"years from April; found {self.financial_year_start_month} with "
                "capacity in stages (run demand-only, or keep 4)"
            )
        report = replace(
            self.report,
            financial_year_start_month=self.financial_year_start_month,
            currency=self.currency,
        )
        if not report.assumptions:  # one assumptions file unless told otherwise
            report = replace(report, assumptions=self.capacity.assumptions)
        object.__setattr__(self, "report", report)
        if not self.capacity.timezone:  # the pipeline's one local clock
            capacity = replace(self.capacity, timezone=self.series.timezone)
            object.__setattr__(self, "capacity", capacity)


STAGES = ("ingest", "series", "forecast", "capacity", "report")
"""Every stage a pipeline can run, in the only order they run in."""


CURRENCY_SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€", "CAD": "$", "AUD": "$"}
"""Symbols the report writes before money; other codes are written as "NZD 1,000"."""


def currency_symbol(currency: str) -> str:
    """Return the symbol written before an amount of `currency` (an ISO code)."""
    return CURRENCY_SYMBOLS.get(currency, f"{currency} ")


def _check_locale(start_month: int, currency: str) -> None:
    if isinstance(start_month, bool) or start_month not in range(1, 13):
        raise ConfigError(
            "financial_year_start_month: expected a month 1-12 (4 = April); "
            f"found {start_month!r}"
        )
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ConfigError(
            f"currency: expected an ISO code such as GBP or USD; found {currency!r}"
        )


def _check_members(key: str, values: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    for v in values:
        if v not in allowed:
            raise ConfigError(
                f"{key}: expected one of {', '.join(allowed)}; found {v!r}"
            )


def load_pipeline(path: str | Path) -> PipelineConfig:
    """Load and validate a pipeline file.

    Raises:
        ConfigError: the file is missing or not TOML, a key is unknown, or a value has
            the wrong type; the message names the file, the key, what was expected
            and what was found.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such pipeline file.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}).") from None
    pipeline = data.pop("pipeline", {})
    if not isinstance(pipeline, dict) or "name" not in pipeline:
        raise ConfigError(f"{path}: pipeline.name: expected a name; found none.")
    clash = sorted(set(pipeline) & set(data))
    if clash:
        raise ConfigError(f"{path}: {clash[0]}: set both in [pipeline] and as a table")
    return build_frozen(PipelineConfig, {**pipeline, **data}, path, "", ConfigError)
