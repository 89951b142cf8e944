"""Series ids (`stream/level=value/...`), built and parsed so any text round-trips."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

__all__ = ["format_unique_id", "parse_unique_id", "unique_ids"]

# '%' first, so that the escapes themselves are escaped and decoding is exact.
# '/' separates levels and '=' a level's name from its value; both may occur in
# an area ("N/A", "Zone=3"), so they are percent-encoded, as in a URL path.
_ESCAPES = (("%", "%25"), ("/", "%2F"), ("=", "%3D"))


def _encode(text: str) -> str:
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return text


def _decode(text: str) -> str:
    for raw, escaped in reversed(_ESCAPES):
        text = text.replace(escaped, raw)
    return text


def format_unique_id(stream: str, levels: Mapping[str, str]) -> str:
    """Return the id of one series, e.g. `incidents/area=N%2FA` for area "N/A".

    Ordinary values (no `/`, `=` or `%`) appear as they are, so ids stay
    readable: `incidents/area=Northtown/grade=G1`.

    Args:
        stream: The stream (never holds `/`).
        levels: Level column -> value, in the order they appear in the id.
    """
    parts = [stream, *(f"{_encode(k)}={_encode(v)}" for k, v in levels.items())]
    return "/".join(parts)


def parse_unique_id(unique_id: str) -> tuple[str, dict[str, str]]:
    """Split a series id into its stream and its levels, decoding every value.

    `incidents/grade=G1/area=N%2FA` gives ("incidents", {"grade": "G1",
    "area": "N/A"}): the inverse of `format_unique_id`, for any level values.
    """
    stream, *parts = unique_id.split("/")
    levels = {}
    for part in parts:
        key, _, value = part.partition("=")
        levels[_decode(key)] = _decode(value)
    return stream, levels


def unique_ids(stream: str, by: Sequence[str], frame: pd.DataFrame) -> pd.Series:
    """Return the id of each row of `frame`, whose `by` columns name its series.

    Args:
        stream: The stream.
        by: Level columns of `frame`, in id order.
        frame: One row per series and period.

    Returns:
        A text series aligned with `frame`; missing values read "nan"/"None"
        as `str` gives them, as before.
    """
    uid = pd.Series(stream, index=frame.index, dtype=object)
    for col in by:
        values = frame[col].astype(str)
        encoded = values
        for raw, escaped in _ESCAPES:
            encoded = encoded.str.replace(raw, escaped, regex=False)
        uid = uid + "/" + _encode(col) + "=" + encoded
    return uid
