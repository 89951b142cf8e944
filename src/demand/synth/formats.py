"""Fast, vectorised text formats of the extracts: timestamps, references, decimals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "Extract",
    "take_labels",
    "DMY_HMS",
    "DMY_HM",
    "ISO_HMS",
    "YYMMDD",
    "YYYYMMDD",
    "format_local",
    "format_decimal",
    "format_integer",
    "format_reference",
    "local_calendar",
    "serial_within",
]

# Layouts: a template whose letters are replaced by digits of the fields.
DMY_HMS = "dd/mm/YYYY HH:MM:SS"
DMY_HM = "dd/mm/YYYY HH:MM"
ISO_HMS = "YYYY-mm-dd HH:MM:SS"
YYMMDD = "yymmdd"
YYYYMMDD = "YYYYmmdd"

_FIELDS = {
    "d": "day",
    "m": "month",
    "Y": "year",
    "y": "year2",
    "H": "hour",
    "M": "minute",
    "S": "second",
}


def local_calendar(local_seconds: np.ndarray) -> dict[str, np.ndarray]:
    """Split naive local seconds since the epoch into calendar fields (int64 arrays)."""
    days = np.floor_divide(local_seconds, 86_400)
    seconds_of_day = local_seconds - days * 86_400
    dates = days.astype("datetime64[D]")
    months = dates.astype("datetime64[M]")
    years = dates.astype("datetime64[Y]")
    year = years.astype(np.int64) + 1970
    return {
        "year": year,
        "year2": year % 100,
        "month": (months - years.astype("datetime64[M]")).astype(np.int64) + 1,
        "day": (dates - months.astype("datetime64[D]")).astype(np.int64) + 1,
        "hour": seconds_of_day // 3600,
        "minute": seconds_of_day % 3600 // 60,
        "second": seconds_of_day % 60,
        "month_index": months.astype(np.int64),
    }


def format_local(
    local_seconds: np.ndarray, layout: str, missing: np.ndarray | None = None
) -> pa.Array:
    """Format naive local seconds as text in `layout`, e.g. `DMY_HM`.

    Args:
        local_seconds: Wall-clock seconds since 1970-01-01 (int64).
        layout: A layout constant of this module.
        missing: True where the value is absent (written as an empty cell).

    Returns:
        A pyarrow string array.
    """
    fields = local_calendar(np.asarray(local_seconds, dtype=np.int64))
    chars = np.empty((len(local_seconds), len(layout)), dtype=np.uint8)
    position = 0
    while position < len(layout):
        letter = layout[position]
        if letter not in _FIELDS:
            chars[:, position] = ord(letter)
            position += 1
            continue
        rest = layout[position:]
        width = len(rest) - len(rest.lstrip(letter))
        value = fields[_FIELDS[letter]].astype(np.uint16)
        for offset in range(width - 1, -1, -1):
            chars[:, position + offset] = 48 + value % 10
            value = value // 10
        position += width
    validity = None
    if missing is not None:
        validity = pa.py_buffer(np.packbits(~np.asarray(missing), bitorder="little"))
    array = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(len(layout)), len(chars), [validity, pa.py_buffer(chars)]
    )
    return array.cast(pa.string())


def format_decimal(
    values: np.ndarray, decimals: int = 2, missing: np.ndarray | None = None
) -> pa.Array:
    """Format non-negative numbers with a fixed number of decimals, e.g. `3.25`."""
    scale = 10**decimals
    scaled = np.round(np.asarray(values, dtype=float) * scale).astype(np.int64)
    whole = pc.cast(pa.array(scaled // scale), pa.string())
    fraction = pc.utf8_lpad(
        pc.cast(pa.array(scaled % scale), pa.string()), decimals, "0"
    )
    text = pc.binary_join_element_wise(whole, fraction, ".")
    if missing is not None:
        text = pc.if_else(pa.array(missing), pa.nulls(len(text), pa.string()), text)
    return text


def format_integer(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Format integers as text, empty where `missing`."""
    return pc.cast(
        pa.array(np.asarray(values, dtype=np.int64), mask=missing), pa.string()
    )


def format_reference(parts: list[pa.Array | str]) -> pa.Array:
    """Join text parts (arrays or constant strings) into references, e.g. `NS-...`."""
    return pc.binary_join_element_wise(*parts, "")


def serial_within(keys: np.ndarray, width: int) -> pa.Array:
    """Number rows 1, 2, ... within runs of equal `keys` (sorted), zero-padded text."""
    keys = np.asarray(keys)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    run_lengths = np.diff(np.r_[starts, len(keys)])
    serial = np.arange(len(keys)) - np.repeat(starts, run_lengths) + 1
    return pc.utf8_lpad(pc.cast(pa.array(serial), pa.string()), width, "0")


def take_labels(
    labels: list[str] | tuple[str, ...],
    codes: np.ndarray,
    missing: np.ndarray | None = None,
) -> pa.Array:
    """Return `labels[codes]` as a pyarrow string array, empty where `missing`."""
    return pc.take(pa.array(list(labels), pa.string()), pa.array(codes, mask=missing))


@dataclass(frozen=True)
class Extract:
    """The text columns of one stream's extract, ready to split into monthly files.

    Attributes:
        folder: Folder under the output directory, e.g. `calls`.
        prefix: File-name prefix, e.g. `calls` for `calls_2025-03.csv`.
        columns: Header -> text column, in header order; nulls are empty cells.
        month_index: Local month of each row (months since 1970-01), non-decreasing.
        canonical: Header -> canonical column name, for the fault records.
        time_layout: Layout of the time column (one of this module's constants).
    """

    folder: str
    prefix: str
    columns: dict[str, pa.Array]
    month_index: np.ndarray
    canonical: dict[str, str]
    time_layout: str

    @property
    def headers(self) -> list[str]:
        """Headers in file order."""
        return list(self.columns)

    def header_of(self, canonical: str) -> str:
        """Return the header mapped to the canonical column `canonical`."""
        return next(h for h, c in self.canonical.items() if c == canonical)
