"""Column maps (adapters): load and check the TOML files that map sources to streams."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path, PurePath
from typing import Any

from demand.ingest.adapter_keys import (
    DEFAULT_DATE_FORMATS,
    DEFAULT_DATETIME_FORMATS,
    FORMATS,
    read_adapter_keys,
)
from demand.ingest.clock import DEFAULT_TIME_FORMATS
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

# A file's format by its extension; plain and gzipped text are CSV.
_EXTENSIONS = {
    **dict.fromkeys((".csv", ".txt", ".gz"), "csv"),
    ".parquet": "parquet",
    ".xlsx": "xlsx",
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
        date_formats: strptime formats tried first for DATE columns, and the
            formats of the date header of a `{ date, time }` column.
        time_formats: strptime formats of time-of-day headers.
        times: Canonical column -> time header, for a timestamp written in a
            date column plus a time column (`columns` holds the date header).
        time_only: Timestamps written as a time of day only (`columns` holds
            the time header): on the local day of the stream's time column,
            the next day if earlier than it.
        values: Canonical column -> {source code: canonical value}; a code not
            in the table rejects the row. A code written `prefix:X` or
            `pattern:RE` matches by prefix or regular expression (exact codes
            first, then these in order, then `*`).
        constants: Canonical column -> value given to every row.
        where: Source header -> texts; only rows whose value is one of them are
            this map's (others are left to other maps: neither loaded nor
            rejected). How one extract feeds several streams. Texts may be
            `prefix:X` or `pattern:RE`, as in `values`.
        exclude: Source header -> texts; rows whose value matches one of them
            are not this map's.
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
    time_formats: tuple[str, ...] = DEFAULT_TIME_FORMATS
    times: Mapping[str, str] = field(default_factory=dict)
    time_only: tuple[str, ...] = ()
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
    return Adapter(**read_adapter_keys(path, data))


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
