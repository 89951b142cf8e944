"""The capacity and report stages' sections, [store], and how money is written."""

from __future__ import annotations

from dataclasses import dataclass, field

from demand.config_checks import check_locale, check_minimum, check_start_month
from demand.local_names import LocalNames
from demand.periods import FINANCIAL_YEAR_START_MONTH

__all__ = [
    "CURRENCY_SYMBOLS",
    "CapacityConfig",
    "ReportConfig",
    "StoreConfig",
    "currency_symbol",
]


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
        financial_year_start_month: Month (1-12) the years of capacity, gaps
            and scenarios start in; set once in `[pipeline]`, which copies it here.
    """

    assumptions: str = "pipelines/assumptions/northshire.toml"
    scenarios: tuple[str, ...] = ()
    window_days: int = 365
    timezone: str = ""
    financial_year_start_month: int = FINANCIAL_YEAR_START_MONTH

    def __post_init__(self) -> None:
        check_minimum("window_days", self.window_days, 28, "at least 28 days")
        check_start_month(self.financial_year_start_month)


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
        names: The force's names of call lines and grades, which the report
            says; set once in `[pipeline]`, which copies them here.
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
    names: LocalNames = field(default_factory=LocalNames)

    def __post_init__(self) -> None:
        check_locale(self.financial_year_start_month, self.currency)
        check_minimum(
            "disclosure_threshold", self.disclosure_threshold, 1, "a count ≥ 1"
        )
        check_minimum("history_months", self.history_months, 1, "≥ 1")


CURRENCY_SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€", "CAD": "$", "AUD": "$"}
"""Symbols the report writes before money; other codes are written as "NZD 1,000"."""


def currency_symbol(currency: str) -> str:
    """Return the symbol written before an amount of `currency` (an ISO code)."""
    return CURRENCY_SYMBOLS.get(currency, f"{currency} ")
