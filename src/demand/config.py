"""Typed pipeline files (TOML) → frozen objects; unknown keys are errors."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from demand.config_checks import (
    ConfigError,
    check_iso_date,
    check_locale,
    check_members,
)
from demand.config_forecast import (
    EVENT_KINDS,
    EngineConfig,
    EventConfig,
    ForecastConfig,
)
from demand.config_outputs import (
    CURRENCY_SYMBOLS,
    CapacityConfig,
    ReportConfig,
    StoreConfig,
    currency_symbol,
)
from demand.local_names import LocalNames
from demand.periods import FINANCIAL_YEAR_START_MONTH, FREQS
from demand.schemas import STREAMS, demand_streams
from demand.toml_tables import build_frozen

__all__ = [
    "CURRENCY_SYMBOLS",
    "EVENT_KINDS",
    "STAGES",
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
        names: The force's names of call lines and grades, which a source may
            write for them; set once in `[pipeline]`, which copies them here.
    """

    paths: tuple[str, ...] = ("data/raw",)
    adapter: str = "northshire"
    earliest_date: str | None = None
    future_days: int | None = None
    names: LocalNames = field(default_factory=LocalNames)

    def __post_init__(self) -> None:
        if self.earliest_date is not None:
            check_iso_date("earliest_date", self.earliest_date)
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
        check_members("streams", self.streams, demand_streams())
        check_members("freqs", self.freqs, tuple(FREQS))
        check_members("measures", self.measures, ("count", "officer_hours"))
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


_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")


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
        call_lines: The force's name of each call line it has a name of its
            own for, e.g. {"999" = "911", "101" = "10-digit"}
            (`local_names.LocalNames`); the store keeps "999" and "101".
        grades: The force's name of each grade, e.g. {G1 = "Priority 1"}.
        engine: Where the forecast stage's fits run (local or Dask).
        path: The file it was loaded from (not part of the file).
    """

    name: str
    stages: tuple[str, ...] = ("ingest", "series")
    financial_year_start_month: int = FINANCIAL_YEAR_START_MONTH
    currency: str = "GBP"
    call_lines: dict[str, str] = field(default_factory=dict)
    grades: dict[str, str] = field(default_factory=dict)
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
        check_members("stages", self.stages, STAGES)
        check_locale(self.financial_year_start_month, self.currency)
        try:
            names = LocalNames(self.call_lines, self.grades)
        except ValueError as problem:
            raise ConfigError(str(problem)) from None
        locale: dict[str, object] = {
            "financial_year_start_month": self.financial_year_start_month,
            "currency": self.currency,
            "names": names,
        }
        sections = {
            "ingest": self.ingest,
            "report": self.report,
            "capacity": self.capacity,
        }
        for section, settings in sections.items():
            for key, value in locale.items():
                own = getattr(settings, key, value)
                if own != value and own != getattr(type(settings)(), key):
                    raise ConfigError(
                        f"{section}.{key}: set it once, in [pipeline]; found "
                        f"{own!r} in [{section}] and {value!r} in [pipeline]"
                    )
        object.__setattr__(self, "ingest", replace(self.ingest, names=names))
        report = replace(
            self.report,
            financial_year_start_month=self.financial_year_start_month,
            currency=self.currency,
            names=names,
        )
        if not report.assumptions:  # one assumptions file unless told otherwise
            report = replace(report, assumptions=self.capacity.assumptions)
        object.__setattr__(self, "report", report)
        capacity = replace(
            self.capacity,
            # the pipeline's one local clock and one financial year
            timezone=self.capacity.timezone or self.series.timezone,
            financial_year_start_month=self.financial_year_start_month,
        )
        object.__setattr__(self, "capacity", capacity)


STAGES = ("ingest", "series", "forecast", "capacity", "report")
"""Every stage a pipeline can run, in the only order they run in."""


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
