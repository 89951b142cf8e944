"""The keys of a column-map TOML file: what each must hold, checked in one pass."""

from __future__ import annotations

import codecs
import csv
import zoneinfo
from datetime import date
from pathlib import Path
from typing import Any

from demand.ingest.clock import DEFAULT_TIME_FORMATS, ColumnSpecs, read_column_specs
from demand.ingest.errors import IngestError
from demand.ingest.matching import check_match_text
from demand.ingest.plausible import DEFAULT_EARLIEST_DATE, DEFAULT_FUTURE_DAYS
from demand.schemas import STREAMS, StreamSchema

__all__ = [
    "DEFAULT_DATE_FORMATS",
    "DEFAULT_DATETIME_FORMATS",
    "FORMATS",
    "read_adapter_keys",
]

FORMATS = ("csv", "parquet", "xlsx")
"""File formats ingest reads; a map's `format` defaults from the file extension."""

DEFAULT_DATETIME_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
)
"""UK day-first formats first, then ISO; the first that parses a value wins."""

DEFAULT_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
"""Formats for DATE columns; the datetime formats are tried after these."""


# key -> (expected Python types, description used in the error message)
_TOP_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "stream": ((str,), "a stream name"),
    "glob": ((str,), "a file pattern such as 'incidents/*.csv'"),
    "description": ((str,), "text"),
    "format": ((str,), "one of " + ", ".join(FORMATS)),
    "encoding": ((str,), "an encoding name such as 'cp1252'"),
    "delimiter": ((str,), "one character such as ','"),
    "null_values": ((list,), "a list of strings such as ['', 'NULL']"),
    "sheet": ((str,), "a sheet name"),
    "timezone": ((str,), "a time zone name such as 'Europe/London'"),
    "datetime_formats": ((list,), "a list of strptime formats"),
    "date_formats": ((list,), "a list of strptime formats"),
    "time_formats": ((list,), "a list of strptime formats such as '%H:%M'"),
    "columns": (
        (dict,),
        "a table of canonical column = source header or { date, time }",
    ),
    "values": ((dict,), "a table per column of source code = canonical value"),
    "constants": ((dict,), "a table of canonical column = value"),
    "where": ((dict,), "a table of source header = [values a row must have]"),
    "lookups": ((dict,), "a table of canonical column = CSV file of code,value"),
    "exclude": ((dict,), "a table of source header = [values that drop a row]"),
    "earliest_date": ((date, str), "a date such as 1990-01-01"),
    "future_days": ((int,), "a whole number of days, 0 or more"),
}


def _err(path: Path, key: str, problem: str) -> IngestError:
    return IngestError(f"Column map {path}: key {key!r} {problem}.")


def _check_type(path: Path, key: str, value: object, types: tuple[type, ...]) -> None:
    expected = _TOP_KEYS.get(key, (types, "a string"))[1]
    if not isinstance(value, types):
        raise _err(path, key, f"must be {expected}, found {value!r}")


def _str_list(path: Path, key: str, value: list[Any]) -> tuple[str, ...]:
    if not all(isinstance(v, str) for v in value):
        raise _err(path, key, f"must be a list of strings, found {value!r}")
    return tuple(value)


def _check_columns(
    path: Path, schema: StreamSchema, table: dict[str, Any], key: str
) -> None:
    for canonical in table:
        if canonical not in schema.column_names:
            known = ", ".join(schema.column_names)
            raise _err(
                path,
                f"{key}.{canonical}",
                f"is not a column of stream {schema.name!r}; use one of: {known}",
            )


def read_adapter_keys(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """Check a column map's TOML table and return the `Adapter` fields it gives.

    The checks run in the file's reading order, so the first problem is named.

    Raises:
        IngestError: a key is unknown, missing or holds a bad value; the message
            names the file and the key.
    """
    schema = _stream_schema(path, data)
    source = _source_keys(path, data)
    _check_columns(path, schema, data["columns"], "columns")
    specs = read_column_specs(schema, data["columns"], lambda k, p: _err(path, k, p))
    columns = specs.columns
    values = _value_tables(path, schema, data, specs)
    constants = data.get("constants", {})
    _check_columns(path, schema, constants, "constants")
    for canonical, value in constants.items():
        _check_type(path, f"constants.{canonical}", value, (str, bool, int, float))
        if canonical in columns:
            raise _err(path, f"constants.{canonical}", "is also mapped in [columns]")
    filters = _row_filters(path, data)
    for col in schema.columns:
        needed = col.required and col.derive is None
        if needed and col.name not in columns and col.name not in constants:
            raise _err(
                path,
                f"columns.{col.name}",
                f"is missing; stream {schema.name!r} requires it, so map it to a "
                "header in [columns] or give every row one value in [constants]",
            )
    earliest, future_days = _window_keys(path, data)
    return {
        "name": path.stem,
        "path": path,
        "stream": schema.name,
        "glob": data["glob"],
        "columns": dict(columns),
        **source,
        "null_values": _str_list(path, "null_values", data.get("null_values", [""])),
        "sheet": data.get("sheet"),
        "datetime_formats": _str_list(
            path,
            "datetime_formats",
            data.get("datetime_formats", DEFAULT_DATETIME_FORMATS),
        ),
        "date_formats": _str_list(
            path, "date_formats", data.get("date_formats", DEFAULT_DATE_FORMATS)
        ),
        "time_formats": _str_list(
            path, "time_formats", data.get("time_formats", DEFAULT_TIME_FORMATS)
        ),
        "times": specs.times,
        "time_only": specs.time_only,
        "values": {k: dict(v) for k, v in values.items()},
        "constants": dict(constants),
        "where": filters["where"],
        "exclude": filters["exclude"],
        "earliest_date": earliest,
        "future_days": future_days,
    }


def _stream_schema(path: Path, data: dict[str, Any]) -> StreamSchema:
    """Check every top-level key's type and the required ones; return the stream's."""
    for key, value in data.items():
        if key not in _TOP_KEYS:
            raise _err(path, key, "is unknown; see docs/adapters.md for the keys")
        _check_type(path, key, value, _TOP_KEYS[key][0])
    for key in ("stream", "glob", "columns"):
        if key not in data:
            raise _err(path, key, f"is missing; it must be {_TOP_KEYS[key][1]}")
    stream = data["stream"]
    if stream not in STREAMS:
        raise _err(path, "stream", f"names no stream; use one of: {', '.join(STREAMS)}")
    return STREAMS[stream]


def _source_keys(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """Check how the files are read: format, delimiter, encoding and time zone."""
    fmt = data.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise _err(
            path, "format", f"must be one of {', '.join(FORMATS)}, found {fmt!r}"
        )
    delimiter = data.get("delimiter", ",")
    if len(delimiter) != 1:
        raise _err(path, "delimiter", f"must be one character, found {delimiter!r}")
    encoding = data.get("encoding")
    if encoding is not None:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise _err(
                path, "encoding", f"names no known encoding: {encoding!r}"
            ) from None
    timezone = data.get("timezone", "Europe/London")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _err(
            path, "timezone", f"names no known time zone: {timezone!r}"
        ) from None
    return {
        "format": fmt,
        "encoding": encoding,
        "delimiter": delimiter,
        "timezone": timezone,
    }


def _value_tables(
    path: Path, schema: StreamSchema, data: dict[str, Any], specs: ColumnSpecs
) -> dict[str, Any]:
    """Check `[values]` and `[lookups]`; return canonical column -> code table."""
    columns = specs.columns
    values = {
        k: dict(v) if isinstance(v, dict) else v
        for k, v in data.get("values", {}).items()
    }
    _check_columns(path, schema, values, "values")
    for canonical, file in data.get("lookups", {}).items():
        _check_type(path, f"lookups.{canonical}", file, (str,))
        if canonical not in columns:
            raise _err(path, f"lookups.{canonical}", "looks up an unmapped column")
        values[canonical] = {
            **_read_lookup(path, canonical, file),
            **values.get(canonical, {}),
        }
    for canonical, table in values.items():
        if not isinstance(table, dict):
            raise _err(path, f"values.{canonical}", "must be a table of code = value")
        if canonical not in columns:
            raise _err(path, f"values.{canonical}", "maps values of an unmapped column")
        if canonical in specs.times or canonical in specs.time_only:
            raise _err(path, f"values.{canonical}", "maps a date-and-time column")
        for code, value in table.items():
            _check_type(
                path, f"values.{canonical}.{code}", value, (str, bool, int, float)
            )
            if problem := check_match_text(code):
                raise _err(path, f"values.{canonical}.{code}", problem)
    return values


def _row_filters(
    path: Path, data: dict[str, Any]
) -> dict[str, dict[str, tuple[str, ...]]]:
    """Check `[where]` and `[exclude]`: source header -> texts a row is matched on."""
    filters = {}
    for key in ("where", "exclude"):
        table = data.get(key, {})
        for header, texts in table.items():
            if not isinstance(texts, list) or not texts:
                raise _err(path, f"{key}.{header}", "must be a non-empty list of texts")
        filters[key] = {
            h: _str_list(path, f"{key}.{h}", texts) for h, texts in table.items()
        }
        for header, texts in filters[key].items():
            for text in texts:
                if problem := check_match_text(text):
                    raise _err(path, f"{key}.{header}", f"{text!r} {problem}")
    return filters


def _window_keys(path: Path, data: dict[str, Any]) -> tuple[date, int]:
    """Read `earliest_date` (TOML date or ISO text) and `future_days`."""
    earliest = data.get("earliest_date", DEFAULT_EARLIEST_DATE)
    if isinstance(earliest, str):
        try:
            earliest = date.fromisoformat(earliest)
        except ValueError:
            raise _err(
                path, "earliest_date", f"must be a date such as 1990-01-01, found "
                f"{earliest!r}",
            ) from None  # fmt: skip
    if type(earliest) is not date:
        raise _err(path, "earliest_date", f"must be a day, found {earliest!r}")
    future_days = data.get("future_days", DEFAULT_FUTURE_DAYS)
    if isinstance(future_days, bool) or future_days < 0:
        raise _err(path, "future_days", f"must be 0 or more, found {future_days!r}")
    return earliest, future_days


def _read_lookup(path: Path, canonical: str, file: str) -> dict[str, str]:
    """Read a two-column CSV lookup (source code, canonical value) named by a map."""
    lookup = Path(file) if Path(file).is_absolute() else path.parent / file
    try:
        with lookup.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except OSError:
        raise _err(
            path, f"lookups.{canonical}", f"names a file that cannot be read: {lookup}"
        ) from None
    if not rows or any(len(r) < 2 for r in rows[1:]):
        raise _err(
            path,
            f"lookups.{canonical}",
            f"needs a CSV with a header and two columns (code, value): {lookup}",
        )
    return {r[0].strip(): r[1].strip() for r in rows[1:]}
