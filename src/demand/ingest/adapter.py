"""Column maps (adapters): load and check the TOML files that map sources to streams."""

from __future__ import annotations

import codecs
import csv
import logging
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path, PurePath
from typing import Any

from demand.ingest.errors import IngestError
from demand.ingest.plausible import DEFAULT_EARLIEST_DATE, DEFAULT_FUTURE_DAYS
from demand.schemas import STREAMS, StreamSchema

__all__ = [
    "ANY_CODE",
    "Adapter",
    "DEFAULT_DATE_FORMATS",
    "DEFAULT_DATETIME_FORMATS",
    "FORMATS",
    "builtin_adapter_names",
    "load_adapter",
    "load_adapters",
]

logger = logging.getLogger(__name__)

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

_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".gz": "csv",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
}

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
    "columns": ((dict,), "a table of canonical column = source header"),
    "values": ((dict,), "a table per column of source code = canonical value"),
    "constants": ((dict,), "a table of canonical column = value"),
    "where": ((dict,), "a table of source header = [values a row must have]"),
    "lookups": ((dict,), "a table of canonical column = CSV file of code,value"),
    "exclude": ((dict,), "a table of source header = [values that drop a row]"),
    "earliest_date": ((date, str), "a date such as 1990-01-01"),
    "future_days": ((int,), "a whole number of days, 0 or more"),
}

ANY_CODE = "*"
"""In a `[values.<column>]` table, the canonical value of every code not listed."""


@dataclass(frozen=True)
class Adapter:
    """A column map: how one source's files become rows of one stream table.

    Args:
        name: The map's name (its file name without `.toml`).
        path: The TOML file it was read from.
        stream: The canonical stream the files hold (a key of `schemas.STREAMS`).
        glob: Pattern of the files, relative to the folder being ingested.
        columns: Canonical column -> source header. Unmapped source columns
            are never read into the store.
        format: `csv`, `parquet` or `xlsx`; None means "from the extension".
        encoding: Text encoding of CSV files; None means detect (UTF-8, else cp1252).
        delimiter: CSV field separator.
        null_values: Source texts that mean "no value" (compared after trimming).
        sheet: Excel sheet to read; None means the first sheet.
        timezone: Zone of the local wall-clock times in the files; they are
            stored as UTC.
        datetime_formats: strptime formats tried in order for timestamps.
        date_formats: strptime formats tried first for DATE columns.
        values: Canonical column -> {source code: canonical value}; a code not
            in the table rejects the row.
        constants: Canonical column -> value given to every row.
        where: Source header -> texts; only rows whose value is one of them are
            this map's (others are left to other maps: neither loaded nor
            rejected). How one extract feeds several streams.
        exclude: Source header -> texts; rows whose value is one of them are
            not this map's.
        earliest_date: First plausible day of any date; earlier rows are rejected.
        future_days: Days after the later of the file's modification and the
            run date that a date may fall on; later rows are rejected.
    """

    name: str
    path: Path
    stream: str
    glob: str
    columns: Mapping[str, str]
    format: str | None = None
    encoding: str | None = None
    delimiter: str = ","
    null_values: tuple[str, ...] = ("",)
    sheet: str | None = None
    timezone: str = "Europe/London"
    datetime_formats: tuple[str, ...] = DEFAULT_DATETIME_FORMATS
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    earliest_date: date = DEFAULT_EARLIEST_DATE
    future_days: int = DEFAULT_FUTURE_DAYS

    @property
    def filters_rows(self) -> bool:
        """True if the map takes only some of a file's rows (`where`/`exclude`)."""
        return bool(self.where or self.exclude)

    @property
    def schema(self) -> StreamSchema:
        """The canonical schema of this map's stream."""
        return STREAMS[self.stream]

    def format_of(self, path: Path) -> str:
        """Return the format to read `path` with: the map's, else from the extension.

        Raises:
            IngestError: Neither the map nor the extension says the format.
        """
        if self.format is not None:
            return self.format
        fmt = _EXTENSIONS.get(path.suffix.lower())
        if fmt is None:
            raise IngestError(
                f"{path}: cannot tell the format from the extension "
                f"{path.suffix!r}; set format = one of {', '.join(FORMATS)} "
                f"in the column map {self.path}."
            )
        return fmt

    def matches(self, path: Path) -> bool:
        """Return True if `path` ends with this map's glob pattern."""
        return PurePath(path).match(self.glob)


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


def _check_columns(path: Path, schema: StreamSchema, table: dict[str, Any], key: str):
    for canonical in table:
        if canonical not in schema.column_names:
            known = ", ".join(schema.column_names)
            raise _err(
                path,
                f"{key}.{canonical}",
                f"is not a column of stream {schema.name!r}; use one of: {known}",
            )


def _parse(path: Path, data: dict[str, Any]) -> Adapter:
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
    schema = STREAMS[stream]
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
    columns = data["columns"]
    _check_columns(path, schema, columns, "columns")
    for canonical, header in columns.items():
        _check_type(path, f"columns.{canonical}", header, (str,))
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
        for code, value in table.items():
            _check_type(
                path, f"values.{canonical}.{code}", value, (str, bool, int, float)
            )
    constants = data.get("constants", {})
    _check_columns(path, schema, constants, "constants")
    for canonical, value in constants.items():
        _check_type(path, f"constants.{canonical}", value, (str, bool, int, float))
        if canonical in columns:
            raise _err(path, f"constants.{canonical}", "is also mapped in [columns]")
    filters = {}
    for key in ("where", "exclude"):
        table = data.get(key, {})
        for header, texts in table.items():
            if not isinstance(texts, list) or not texts:
                raise _err(path, f"{key}.{header}", "must be a non-empty list of texts")
        filters[key] = {
            h: _str_list(path, f"{key}.{h}", texts) for h, texts in table.items()
        }
    for col in schema.columns:
        needed = col.required and col.derive is None
        if needed and col.name not in columns and col.name not in constants:
            raise _err(
                path,
                f"columns.{col.name}",
                f"is missing; stream {stream!r} requires it, so map it to a header",
            )
    earliest, future_days = _window_keys(path, data)
    return Adapter(
        name=path.stem,
        path=path,
        stream=stream,
        glob=data["glob"],
        columns=dict(columns),
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        null_values=_str_list(path, "null_values", data.get("null_values", [""])),
        sheet=data.get("sheet"),
        timezone=timezone,
        datetime_formats=_str_list(
            path,
            "datetime_formats",
            data.get("datetime_formats", DEFAULT_DATETIME_FORMATS),
        ),
        date_formats=_str_list(
            path, "date_formats", data.get("date_formats", DEFAULT_DATE_FORMATS)
        ),
        values={k: dict(v) for k, v in values.items()},
        constants=dict(constants),
        where=filters["where"],
        exclude=filters["exclude"],
        earliest_date=earliest,
        future_days=future_days,
    )


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


def load_adapter(path: Path) -> Adapter:
    """Read and check one column-map TOML file.

    Raises:
        IngestError: The file is missing, is not TOML, has an unknown key or a
            value of the wrong type; the message names the file and the key.
    """
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise IngestError(
            f"Column map {path} does not exist; check the path."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise IngestError(
            f"Column map {path} is not valid TOML ({exc}); fix it."
        ) from None
    return _parse(path, data)


def _builtin_root() -> Path:
    return Path(str(resources.files("demand").joinpath("adapters")))


def builtin_adapter_names() -> list[str]:
    """Return the names of the built-in column-map folders, e.g. `northshire`."""
    root = _builtin_root()
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def load_adapters(name_or_path: str | Path) -> list[Adapter]:
    """Return the column maps named by a built-in name, a TOML file or a folder.

    Args:
        name_or_path: A built-in name (`northshire`: one map per stream), the
            path of a `.toml` map, or a folder whose `*.toml` files are maps.

    Returns:
        The maps, sorted by file name.

    Raises:
        IngestError: Nothing of that name exists, or a map is invalid.
    """
    text = str(name_or_path)
    is_name = isinstance(name_or_path, str) and "/" not in text and "\\" not in text
    if is_name and not text.endswith(".toml") and text in builtin_adapter_names():
        path = _builtin_root() / text
    else:
        path = Path(name_or_path)
    if path.is_file():
        return [load_adapter(path)]
    if path.is_dir():
        files = sorted(path.glob("*.toml"))
        if not files:
            raise IngestError(f"Folder {path} holds no .toml column maps; add one.")
        return [load_adapter(f) for f in files]
    names = ", ".join(builtin_adapter_names()) or "none installed"
    raise IngestError(
        f"Unknown adapter {text!r}: give a built-in name ({names}) or the path "
        "of a .toml column map or of a folder of them."
    )
