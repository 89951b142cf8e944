"""Plausible dates: the window a stored date must fall in, and bad-layout hints."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

__all__ = [
    "DEFAULT_EARLIEST_DATE",
    "DEFAULT_FUTURE_DAYS",
    "DateWindow",
    "date_window",
    "layout_hints",
    "outside_sql",
    "short_year_sql",
]

logger = logging.getLogger(__name__)

DEFAULT_EARLIEST_DATE = date(1990, 1, 1)
"""No force's digital records go back further; an earlier date is a parsing fault."""
DEFAULT_FUTURE_DAYS = 7
"""Days after the later of the file's modification and today that a date may reach."""

# A day-first format reads '1/3/16 0:00' as 1 March in year 16: the year has
# two digits (or fewer), which no real record has.
_SHORT_YEAR = 100
# A value whose middle number is above 12 cannot be day/month: it is month/day.
_MONTH_FIRST = r"^\s*\d{1,2}/(1[3-9]|2[0-9]|3[01])/\d{2,4}\b"
_TWO_DIGIT_YEAR = r"^\s*\d{1,2}/\d{1,2}/\d{2}\b"


@dataclass(frozen=True)
class DateWindow:
    """The first and last day (UTC, inclusive) a stored date may fall on.

    Args:
        earliest: First allowed day.
        latest: Last allowed day.
    """

    earliest: date
    latest: date

    def params(self) -> dict[str, Any]:
        """Named SQL parameters: instants for TIMESTAMPTZ, days for DATE columns."""
        return {
            "earliest_at": datetime.combine(self.earliest, datetime.min.time(), UTC),
            "after_latest_at": datetime.combine(
                self.latest + timedelta(days=1), datetime.min.time(), UTC
            ),
            "earliest_day": self.earliest,
            "latest_day": self.latest,
        }

    def describe(self) -> str:
        """The window as text, e.g. `1990-01-01 to 2026-12-11`."""
        return f"{self.earliest.isoformat()} to {self.latest.isoformat()}"


def date_window(
    path: Path,
    earliest: date = DEFAULT_EARLIEST_DATE,
    future_days: int = DEFAULT_FUTURE_DAYS,
    today: date | None = None,
) -> DateWindow:
    """Return the window of plausible dates for one file.

    Args:
        path: The file; its modification time stands for when it was exported.
        earliest: First plausible day.
        future_days: Days after the later of the file's modification day and
            `today` that a date may still fall on (a booked appointment, a
            clock a little ahead); anything later is a fault such as 2099.
        today: The run's date (UTC); None means now.
    """
    run_day = today or datetime.now(UTC).date()
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
    return DateWindow(earliest, max(run_day, modified) + timedelta(days=future_days))


def short_year_sql(value: str) -> str:
    """SQL that is True for a parsed date whose year has two digits or fewer."""
    return f"year({value}) < {_SHORT_YEAR}"


def outside_sql(value: str, dtype: str) -> str:
    """SQL that is True for a parsed date outside the window (see `DateWindow`)."""
    if dtype == "DATE":
        return f"({value} < $earliest_day OR {value} > $latest_day)"
    return f"({value} < $earliest_at OR {value} >= $after_latest_at)"


def layout_hints(
    con: duckdb.DuckDBPyConnection, bad_table: str, date_columns: list[str]
) -> str:
    """Say if a file's rejected dates look month-first or two-digit-year.

    Args:
        con: The connection holding the staged file's rejects.
        bad_table: TEMP table of rejected rows (`column`, `value`, `reason`).
        date_columns: The stream's date and timestamp columns.

    Returns:
        One sentence for the file's log entry, or "" if nothing stands out.
    """
    if not date_columns:
        return ""
    row = con.execute(
        "SELECT count(*) FILTER (WHERE regexp_matches(value, $mf)), "
        "any_value(value) FILTER (WHERE regexp_matches(value, $mf)), "
        "count(*) FILTER (WHERE regexp_matches(value, $ty)), "
        "any_value(value) FILTER (WHERE regexp_matches(value, $ty)) "
        f'FROM {bad_table} WHERE list_contains($cols, "column") AND value IS NOT NULL',
        {"mf": _MONTH_FIRST, "ty": _TWO_DIGIT_YEAR, "cols": date_columns},
    ).fetchone()
    month_first, mf_example, two_digit, ty_example = row or (0, None, 0, None)
    hints = []
    if month_first:
        hints.append(
            f"{month_first} date(s) have a number above 12 where the month goes "
            f"(e.g. {mf_example!r}), so the file looks month-first (US): set "
            'datetime_formats in the map, e.g. ["%m/%d/%y %H:%M"]'
        )
    if two_digit:
        hints.append(
            f"{two_digit} date(s) have two-digit years (e.g. {ty_example!r}): add "
            "formats with %y to datetime_formats in the map"
        )
    return "; ".join(hints)
