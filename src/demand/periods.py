"""Frequencies and period arithmetic: one code per frequency, store and forecast."""

from __future__ import annotations

import pandas as pd

__all__ = [
    "FINANCIAL_YEAR_START_MONTH",
    "FIXED_STEPS",
    "FREQS",
    "FREQ_ADJECTIVES",
    "PERIODS_PER_YEAR",
    "SEASON_LENGTHS",
    "financial_year",
    "financial_year_name",
    "financial_year_start",
    "future_ds",
    "normalise_freq",
    "period_ends",
    "period_offset",
    "period_step",
]

FREQS = {"h": "hour", "D": "day", "W": "week", "M": "month"}
"""Frequency codes → period names, which are also DuckDB's `date_trunc` units.
Weeks start on Monday; a monthly `ds` is the first of the month. These codes are
the ones the store holds and the forecasters use."""

FREQ_ADJECTIVES = {"h": "hourly", "D": "daily", "W": "weekly", "M": "monthly"}
"""Frequency codes → the adjective used in messages ("a regular hourly grid")."""

SEASON_LENGTHS: dict[str, int] = {"h": 168, "D": 7, "W": 52, "M": 12}
"""Default season length (periods) by frequency: a week of hours or days, a year of
weeks or months."""
PERIODS_PER_YEAR: dict[str, int] = {"h": 8766, "D": 365, "W": 52, "M": 12}
"""Periods in a year by frequency, whole (a year's total sums them)."""

FIXED_STEPS = {
    "h": pd.Timedelta(hours=1),
    "D": pd.Timedelta(days=1),
    "W": pd.Timedelta(days=7),
}
"""One period of each fixed-length frequency (a month has no fixed length)."""

_ALIASES = {"H": "h", "1H": "h", "1D": "D", "MS": "M", "ME": "M"}
"""Pandas-style spellings (upper-cased, anchor dropped) → frequency code; "H" is
what the forecasters called hourly before the codes were made one."""


def normalise_freq(freq: str) -> str:
    """Return the frequency code `h`, `D`, `W` or `M` of a code or pandas alias.

    Accepts e.g. `h`, `H`, `D`, `W`, `W-MON`, `M`, `MS`.

    Raises:
        ValueError: the alias is not hourly, daily, weekly or monthly.
    """
    family = str(freq).strip().upper().split("-")[0]
    code = _ALIASES.get(family, family)
    if code not in FREQS:
        raise ValueError(
            f"Unknown frequency {freq!r}; use h (hourly), D (daily), W (weekly) "
            "or M (monthly, ds on the first of the month)."
        )
    return code


def period_offset(freq: str) -> pd.DateOffset:
    """Return the length of one period of frequency `freq` as a pandas offset."""
    code = normalise_freq(freq)
    if code == "M":
        return pd.DateOffset(months=1)
    return pd.tseries.frequencies.to_offset(FIXED_STEPS[code])


def period_step(ts: pd.Timestamp, n: int, freq: str) -> pd.Timestamp:
    """Return the start of the period `n` periods after (n < 0: before) `ts`."""
    return ts + period_offset(freq) * n


def future_ds(last: pd.Timestamp, h: int, freq: str) -> pd.DatetimeIndex:
    """Return the starts of the `h` periods after the period starting at `last`."""
    index = pd.date_range(start=last, periods=h + 1, freq=period_offset(freq))[1:]
    return index.as_unit("ns")


def period_ends(ds: pd.Series, freq: str | pd.Series) -> pd.Series:
    """Return the start of the period after each period starting at `ds`.

    Args:
        ds: Period starts.
        freq: One frequency for all, or a frequency per row (aligned with `ds`).

    Returns:
        Exclusive period ends, aligned with `ds`.
    """
    if isinstance(freq, str):
        freq = pd.Series(freq, index=ds.index)
    codes = freq.map({f: normalise_freq(f) for f in freq.unique()})
    ends = ds + pd.Timedelta(days=1)
    for code in codes.unique():
        rows = codes == code
        if code == "M":
            ends[rows] = ds[rows] + pd.offsets.MonthBegin(1)
        else:
            ends[rows] = ds[rows] + FIXED_STEPS[code]
    return ends


FINANCIAL_YEAR_START_MONTH = 4
"""Month a financial year starts in: April in the UK (US agencies: 7 or 10)."""


def financial_year(
    ds: pd.Series | pd.DatetimeIndex, start_month: int = FINANCIAL_YEAR_START_MONTH
) -> pd.Series:
    """Label each date with its financial year, e.g. "2025/26".

    Args:
        ds: Dates.
        start_month: Month (1-12) the year starts in; the label names the
            calendar years it spans ("2025/26": April 2025 to March 2026), or
            one year ("2025") when it starts in January.
    """
    ts = pd.DatetimeIndex(ds)
    start = ts.year - (ts.month < start_month)
    if start_month == 1:
        labels = [str(y) for y in start]
    else:
        labels = [f"{y}/{(y + 1) % 100:02d}" for y in start]
    return pd.Series(labels, index=getattr(ds, "index", None), dtype=object)


def financial_year_start(
    label: str, start_month: int = FINANCIAL_YEAR_START_MONTH
) -> pd.Timestamp:
    """Return the first day of the financial year `label` ("2025/26" or "2025").

    Args:
        label: A label of `financial_year` with the same `start_month`.
        start_month: Month (1-12) the year starts in.
    """
    return pd.Timestamp(int(str(label)[:4]), start_month, 1)


def financial_year_name(start_month: int = FINANCIAL_YEAR_START_MONTH) -> str:
    """Say what a financial year is, e.g. "UK financial year, April to March"."""
    if start_month == FINANCIAL_YEAR_START_MONTH:
        return "UK financial year, April to March"
    first = pd.Timestamp(2000, start_month, 1)
    last = first + pd.DateOffset(months=11)
    return f"financial year, {first:%B} to {last:%B}"
