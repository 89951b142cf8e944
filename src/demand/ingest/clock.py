"""Timestamps written in two source columns: a date column plus a time column.

A column map may give a timestamp as `{ date = "Date", time = "Received" }`
(both headers, joined before parsing) or, for a later event of the same
record, as `{ time = "Arrived" }`: the time on the local day of the stream's
time column, rolled to the next day when it is earlier than that time (a
unit dispatched at 00:10 for a call received at 23:50).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from demand.schemas import StreamSchema

__all__ = ["DEFAULT_TIME_FORMATS", "ColumnSpecs", "read_column_specs", "joined_formats"]

DEFAULT_TIME_FORMATS = ("%H:%M:%S", "%H:%M")
"""Formats of a time-of-day column; the first that parses a value wins."""


@dataclass(frozen=True)
class ColumnSpecs:
    """A map's `[columns]` table, read.

    Args:
        columns: Canonical column -> the source header it is read from (the
            date header of a date-plus-time column, the time header of a
            time-only column).
        times: Canonical column -> time header, for date-plus-time columns.
        time_only: Canonical columns given as a time of day only.
    """

    columns: dict[str, str]
    times: dict[str, str]
    time_only: tuple[str, ...]


def read_column_specs(
    schema: StreamSchema,
    table: Mapping[str, Any],
    err: Callable[[str, str], Exception],
) -> ColumnSpecs:
    """Read `[columns]`: each value is a header or a `{date, time}` table.

    Args:
        schema: The map's stream.
        table: The `[columns]` table as TOML gave it.
        err: Builds the error for (key, problem).

    Raises:
        The error `err` builds: a value is neither a header nor a table of
        `date`/`time` headers, or a time column is not a timestamp.
    """
    columns: dict[str, str] = {}
    times: dict[str, str] = {}
    time_only: list[str] = []
    dtypes = {c.name: c.dtype for c in schema.columns}
    for canonical, spec in table.items():
        key = f"columns.{canonical}"
        if isinstance(spec, str):
            columns[canonical] = spec
            continue
        if not isinstance(spec, dict):
            raise err(
                key, f"must be a source header or {{ date, time }}, found {spec!r}"
            )
        unknown = sorted(set(spec) - {"date", "time"})
        if unknown or "time" not in spec:
            raise err(
                key,
                "must be { date = <header>, time = <header> } or { time = <header> }"
                f", found {spec!r}",
            )
        if not all(isinstance(v, str) for v in spec.values()):
            raise err(key, f"must name headers as texts, found {spec!r}")
        if dtypes.get(canonical) != "TIMESTAMPTZ":
            raise err(key, "is not a timestamp; only timestamps take a time column")
        if "date" in spec:
            columns[canonical] = spec["date"]
            times[canonical] = spec["time"]
            continue
        anchor = schema.time_column
        if canonical == anchor:
            raise err(
                key,
                f"is the stream's time column; give it a date too: "
                f'{{ date = "<header>", time = "{spec["time"]}" }}',
            )
        if not isinstance(table.get(anchor), (str, dict)):
            raise err(
                key, f"is a time only, so {anchor!r} must be mapped to give it a day"
            )
        columns[canonical] = spec["time"]
        time_only.append(canonical)
    return ColumnSpecs(columns, times, tuple(time_only))


def joined_formats(
    date_formats: tuple[str, ...], time_formats: tuple[str, ...]
) -> list[str]:
    """Formats of a date and a time joined by one space, every pairing, in order."""
    return [f"{d} {t}" for d in date_formats for t in time_formats]
