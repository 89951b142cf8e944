"""The pipeline file's error and the value checks its sections share."""

from __future__ import annotations

import re
from datetime import date

__all__ = [
    "ConfigError",
    "check_iso_date",
    "check_locale",
    "check_members",
    "check_minimum",
    "check_start_month",
]


class ConfigError(ValueError):
    """A pipeline file is missing, unreadable or holds a bad value."""


def check_iso_date(key: str, value: str) -> None:
    """Refuse `value` unless it is an ISO date such as 2023-07-01."""
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{key}: expected an ISO date such as 2023-07-01; found {value!r}"
        ) from None


def check_members(key: str, values: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    """Refuse the first of `values` that is not one of `allowed`."""
    for v in values:
        if v not in allowed:
            raise ConfigError(
                f"{key}: expected one of {', '.join(allowed)}; found {v!r}"
            )


def check_minimum(key: str, value: float, minimum: float, expected: str) -> None:
    """Refuse `value` below `minimum`; `expected` says what is wanted, in words."""
    if value < minimum:
        raise ConfigError(f"{key}: expected {expected}; found {value!r}")


def check_start_month(start_month: int) -> None:
    """Refuse a financial year's start month outside 1-12."""
    if isinstance(start_month, bool) or start_month not in range(1, 13):
        raise ConfigError(
            "financial_year_start_month: expected a month 1-12 (4 = April); "
            f"found {start_month!r}"
        )


def check_locale(start_month: int, currency: str) -> None:
    """Refuse a financial year's start month outside 1-12 or a non-ISO currency."""
    check_start_month(start_month)
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ConfigError(
            f"currency: expected an ISO code such as GBP or USD; found {currency!r}"
        )
