"""Hourly arrival rates, their calibration and over-dispersed sampling of events."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demand.synth.calendar import SECONDS_PER_HOUR, HourGrid, weekly_hourly_profile
from demand.synth.params import StreamRate

__all__ = [
    "Arrivals",
    "combine_expected",
    "describe_rate",
    "hourly_rate",
    "sample_arrivals",
]


def hourly_rate(grid: HourGrid, rate: StreamRate) -> tuple[np.ndarray, float]:
    """Return the noise-free expected events per hour over the whole grid.

    The level is calibrated so that the expected daily mean over the last 365 days
    of the data equals `rate.target_per_day`.

    Args:
        grid: The hour grid.
        rate: The stream's arrival process.

    Returns:
        Expected events in each grid hour (float64), and the base rate: expected
        events per day at the end of the data with every calendar factor at 1.
    """
    profile = weekly_hourly_profile(
        rate.hourly, rate.weekly, rate.night_time_economy_factor
    )
    shape = profile[grid.local_dow, grid.local_hour]
    shape = shape * np.power(1.0 + rate.growth_per_year, grid.years_from_end)
    season = 1.0 + rate.seasonal_amplitude * np.cos(
        2 * np.pi * (grid.day_of_year - rate.seasonal_peak_day) / 365.25
    )
    holiday = np.where(grid.is_bank_holiday, rate.bank_holiday_factor, 1.0)
    shape = shape * (season * holiday)[grid.day_index]
    shape = shape * (1.0 + rate.special_weight * (grid.special_factor - 1.0))
    last_year = (grid.day_index >= grid.n_days - 365) & (grid.day_index < grid.n_days)
    level = rate.target_per_day * 365 / shape[last_year].sum()
    return shape * level, float(level * 24)


def describe_rate(
    grid: HourGrid, rate: StreamRate, expected: np.ndarray, base_rate_per_day: float
) -> dict:
    """Return the truth record of one arrival process.

    Args:
        grid: The hour grid.
        rate: The stream's arrival process.
        expected: Its hourly expected events from `hourly_rate`.
        base_rate_per_day: Its base rate from `hourly_rate`.

    Returns:
        Generating parameters and the expected daily means of the last 365 days, the
        365 days before them and the 365 days after the end of the data.
    """
    daily = grid.day_sum(expected)
    n = grid.n_days
    return {
        "base_rate_per_day": round(base_rate_per_day, 4),
        "growth_per_year": rate.growth_per_year,
        "hourly_profile": _unit_mean(rate.hourly),
        "weekly_profile": _unit_mean(rate.weekly),
        "night_time_economy_factor": rate.night_time_economy_factor,
        "annual_seasonality": {
            "amplitude": rate.seasonal_amplitude,
            "peak_day_of_year": rate.seasonal_peak_day,
        },
        "dispersion": {
            "daily_gamma_shape": rate.daily_gamma_shape,
            "daily_rate_cv": round(1 / np.sqrt(rate.daily_gamma_shape), 4),
        },
        "holiday_effects": {
            "bank_holiday_factor": rate.bank_holiday_factor,
            "special_hours_weight": rate.special_weight,
        },
        "expected_daily_mean_last_365": round(float(daily[n - 365 : n].mean()), 4),
        "expected_daily_mean_previous_365": _mean_or_none(daily[n - 730 : n - 365]),
        "expected_daily_mean_next_365": round(float(daily[n : n + 365].mean()), 4),
    }


def _unit_mean(values: tuple[float, ...]) -> list[float]:
    """Scale `values` to mean 1, rounded for the truth file."""
    array = np.asarray(values, dtype=float)
    return [round(float(v), 4) for v in array / array.mean()]


def _mean_or_none(values: np.ndarray) -> float | None:
    """Mean of a full 365-day window, or None when the data are shorter."""
    return round(float(values.mean()), 4) if len(values) == 365 else None


@dataclass(frozen=True)
class Arrivals:
    """Sampled events, sorted by time.

    Attributes:
        utc_seconds: Event instants, seconds since the epoch (int64, sorted).
        hour: Grid hour of each event.
    """

    utc_seconds: np.ndarray
    hour: np.ndarray


def sample_arrivals(
    rng: np.random.Generator, grid: HourGrid, expected: np.ndarray, gamma_shape: float
) -> Arrivals:
    """Sample event times over the data span: Poisson-gamma counts per hour.

    Each local day's rate is multiplied by a mean-1 gamma draw (shape `gamma_shape`),
    so daily counts are negative binomial, then each hour's count is Poisson and its
    events fall at uniform seconds within the hour.

    Args:
        rng: Random generator of this stream.
        grid: The hour grid.
        expected: Expected events per grid hour.
        gamma_shape: Shape of the daily gamma multiplier.

    Returns:
        The events inside the data span, sorted by time.
    """
    n_hours = grid.n_data_hours
    multiplier = rng.gamma(gamma_shape, 1.0 / gamma_shape, size=grid.n_days)
    lam = expected[:n_hours] * multiplier[grid.day_index[:n_hours]]
    counts = rng.poisson(lam)
    hour = np.repeat(np.arange(n_hours), counts)
    offsets = rng.integers(0, SECONDS_PER_HOUR, size=hour.size)
    utc = grid.utc_seconds[hour] + offsets
    order = np.argsort(utc, kind="stable")
    return Arrivals(utc_seconds=utc[order], hour=hour[order])


def combine_expected(parts: list[dict]) -> dict:
    """Sum the expected daily means of components (None if any window is short)."""
    combined = {}
    for window in ("last_365", "previous_365", "next_365"):
        name = f"expected_daily_mean_{window}"
        values = [part[name] for part in parts]
        combined[name] = None if None in values else round(sum(values), 4)
    return combined
