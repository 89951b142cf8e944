"""The hourly calendar: local hours, bank holidays, special days and demand profiles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import holidays
import numpy as np
import pandas as pd

from demand.synth.params import SPECIAL_HOURS, TIMEZONE

__all__ = [
    "HourGrid",
    "build_hour_grid",
    "bank_holidays",
    "weekly_hourly_profile",
    "to_local_seconds",
    "local_midnight_utc_seconds",
]

SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86_400
DAYS_PER_YEAR = 365.25


def local_midnight_utc_seconds(day: date) -> int:
    """Return the UTC instant (seconds since the epoch) of local midnight on `day`."""
    stamp = pd.Timestamp(day.isoformat()).tz_localize(TIMEZONE)
    return int(stamp.tz_convert("UTC").timestamp())


def to_local_seconds(utc_seconds: np.ndarray) -> np.ndarray:
    """Convert UTC seconds since the epoch to local wall-clock seconds since the epoch.

    Args:
        utc_seconds: Instants, seconds since 1970-01-01 UTC (int64).

    Returns:
        Europe/London wall-clock times as naive seconds since 1970-01-01 (int64);
        the autumn clock-change hour repeats and the spring hour never appears.
    """
    index = pd.to_datetime(utc_seconds, unit="s", utc=True).tz_convert(TIMEZONE)
    naive = index.tz_localize(None).values.astype("datetime64[s]")
    return naive.astype(np.int64)


def bank_holidays(first_year: int, last_year: int) -> dict[date, str]:
    """Return England and Wales bank holidays from `first_year` to `last_year`."""
    years = range(first_year, last_year + 1)
    found = holidays.country_holidays("GB", subdiv="ENG", years=years)
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class HourGrid:
    """Every UTC hour of the span plus the forecast year after it, in local terms.

    Attributes:
        start: First local day of the data.
        end: Last local day of the data (inclusive).
        utc_seconds: Start of each UTC hour, seconds since the epoch.
        local_hour: Local wall-clock hour 0-23 of each hour.
        local_dow: Local day of week of each hour, Monday = 0.
        day_index: Local day of each hour, 0 = `start`.
        years_from_end: Years from the end of the data (negative inside it).
        day_of_year: Day of year (1-366) of each local day.
        is_bank_holiday: Whether each local day is a bank holiday.
        special_factor: Multiplier of the special-hour effects on each hour.
        n_days: Local days of data; later days are the year after `end`.
    """

    start: date
    end: date
    utc_seconds: np.ndarray
    local_hour: np.ndarray
    local_dow: np.ndarray
    day_index: np.ndarray
    years_from_end: np.ndarray
    day_of_year: np.ndarray
    is_bank_holiday: np.ndarray
    special_factor: np.ndarray
    n_days: int

    @property
    def n_data_hours(self) -> int:
        """Hours inside the data span (the rest lie in the year after it)."""
        return int(np.searchsorted(self.day_index, self.n_days))

    def day_sum(self, hourly: np.ndarray) -> np.ndarray:
        """Sum an hourly array to local days (data days and the year after)."""
        return np.bincount(self.day_index, weights=hourly)


def build_hour_grid(start: date, end: date, extra_days: int = 365) -> HourGrid:
    """Build the hourly calendar from local midnight on `start` to `end` + `extra_days`.

    Args:
        start: First local day of the data.
        end: Last local day of the data (inclusive).
        extra_days: Days after `end` to cover for the expected next-year figures.

    Returns:
        The hour grid; its days past `end` are for noise-free expectations only.
    """
    stop = end + timedelta(days=1 + extra_days)
    first = local_midnight_utc_seconds(start)
    last = local_midnight_utc_seconds(stop)
    utc = np.arange(first, last, SECONDS_PER_HOUR, dtype=np.int64)
    local = pd.to_datetime(utc, unit="s", utc=True).tz_convert(TIMEZONE)
    naive = local.tz_localize(None)
    day_index = (naive.normalize() - pd.Timestamp(start)).days.to_numpy()
    n_total = (stop - start).days
    days = pd.date_range(start, periods=n_total, freq="D")
    holiday_days = bank_holidays(start.year, stop.year)
    is_holiday = np.array([d.date() in holiday_days for d in days], dtype=bool)
    end_seconds = local_midnight_utc_seconds(end + timedelta(days=1))
    return HourGrid(
        start=start,
        end=end,
        utc_seconds=utc,
        local_hour=naive.hour.to_numpy(),
        local_dow=naive.day_of_week.to_numpy(),
        day_index=day_index,
        years_from_end=(utc - end_seconds) / (DAYS_PER_YEAR * SECONDS_PER_DAY),
        day_of_year=days.day_of_year.to_numpy(),
        is_bank_holiday=is_holiday,
        special_factor=_special_factor(naive),
        n_days=(end - start).days + 1,
    )


def _special_factor(naive: pd.DatetimeIndex) -> np.ndarray:
    """Multiplier of the special local hours (New Year, Halloween, Bonfire Night)."""
    factor = np.ones(len(naive))
    month, day, hour = naive.month, naive.day, naive.hour
    for _name, m, d, first, last, multiplier in SPECIAL_HOURS:
        hit = (month == m) & (day == d) & (hour >= first) & (hour <= last)
        factor[np.asarray(hit)] = multiplier
    return factor


def weekly_hourly_profile(
    hourly: tuple[float, ...],
    weekly: tuple[float, ...],
    night_time_economy_factor: float,
) -> np.ndarray:
    """Return the 7 x 24 relative demand by local day of week and hour, mean 1.

    The night-time economy factor lifts Friday and Saturday from 20:00 and the early
    hours (00:00-03:59) of the Saturday and Sunday that follow them.
    """
    profile = np.outer(np.asarray(weekly), np.asarray(hourly))
    profile[4:6, 20:] *= night_time_economy_factor
    profile[5:7, :4] *= night_time_economy_factor
    return profile / profile.mean()
