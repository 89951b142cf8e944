"""The forecast stage's sections: [forecast] with its dated events, and [engine]."""

from __future__ import annotations

import re
from dataclasses import dataclass

from demand.config_checks import ConfigError, check_iso_date, check_members
from demand.schemas import STREAMS, demand_streams

__all__ = ["EVENT_KINDS", "EngineConfig", "EventConfig", "ForecastConfig"]

EVENT_KINDS = ("level_shift", "exclude")
"""How a dated event is handled: a lasting step in level, or a period to ignore."""
_ALIAS = re.compile(r"^[a-z][a-z0-9_]*$")
_COVERAGES = (80, 95)
_RECONCILIATION = ("none", "bottom_up", "ols", "wls_struct", "mint_shrink")


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
        check_iso_date("date", self.date)
        check_members("kind", (self.kind,), EVENT_KINDS)
        check_members("streams", self.streams, tuple(STREAMS))
        if self.kind == "exclude":
            if not self.end:
                raise ConfigError(
                    f"end: an exclude event needs its last day; {self.name!r} has none"
                )
            check_iso_date("end", self.end)
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
        levels: Interval coverages, percent (the forecasting libraries call them
            levels; not hierarchy levels, see docs/glossary.md); the `forecasts`
            table holds 80, 95.
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
    levels: tuple[int, ...] = _COVERAGES
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
        streams = demand_streams()
        check_members("streams", self.streams, streams)
        check_members("hourly_streams", self.hourly_streams, streams)
        check_members("measures", self.measures, ("count", "officer_hours"))
        check_members("reconciliation", (self.reconciliation,), _RECONCILIATION)
        if self.engine == "dask":
            raise ConfigError(
                "engine: the dask engine moved to the [engine] table; write "
                '[engine] kind = "dask" with scheduler = "tcp://host:8786" or '
                "workers = N, and remove engine from [forecast]"
            )
        check_members("engine", (self.engine,), ("local",))
        check_members("levels", tuple(map(str, self.levels)), ("80", "95"))
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
            check_iso_date("train_end", self.train_end)


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
        check_members("kind", (self.kind,), ("local", "dask"))
        if self.workers < 0 or self.retries < 0:
            raise ConfigError(
                "workers and retries: expected ≥ 0; found "
                f"{self.workers!r}, {self.retries!r}"
            )
        if not self.connect_timeout_seconds > 0:
            raise ConfigError(
                "connect_timeout_seconds: expected > 0; found "
                f"{self.connect_timeout_seconds!r}"
            )
        if self.kind == "local" and self.scheduler:
            raise ConfigError('scheduler: only for kind = "dask"; found kind = "local"')
        if self.kind == "dask" and bool(self.scheduler) == bool(self.workers):
            raise ConfigError(
                'kind = "dask" needs either scheduler = "tcp://host:8786" '
                f"or workers = N; found scheduler {self.scheduler!r}, "
                f"workers {self.workers!r}"
            )
