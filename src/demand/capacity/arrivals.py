"""Response arrivals by hour of week, area and grade, at the forecast year's level."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd

from demand.capacity.workload import parse_unique_id
from demand.periods import FINANCIAL_YEAR_START_MONTH, financial_year

__all__ = ["response_arrivals", "scale_to_year", "window_to_year_ratio"]

logger = logging.getLogger(__name__)


def _shares(forecasts: pd.DataFrame, level: str) -> dict[str, float] | None:
    """Mean share of incidents by a level's series, or None if not forecast."""
    parsed = forecasts["unique_id"].map(parse_unique_id)
    hit = parsed.map(lambda p: p[0] == "incidents" and list(p[1]) == [level])
    if not hit.any():
        return None
    keys = parsed[hit].map(lambda p: p[1][level])
    totals = forecasts.loc[hit, "mean"].groupby(keys.to_numpy()).sum()
    return (totals / totals.sum()).to_dict()


def response_arrivals(
    forecasts: pd.DataFrame,
    mixes: Mapping[str, Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """Mean incidents per hour by hour of week, area and grade from hourly forecasts.

    The force total (``incidents``) by hour of week is averaged over the
    forecast horizon, then split by grade shares (from ``incidents/grade=..``
    series, else ``mixes["grade"]``) and area shares (``incidents/area=..``, else
    ``mixes["area"]``, else one area named ``force``), taking grade and area as
    independent.

    Args:
        forecasts: Hourly forecasts in the `forecasts` shape, ``ds`` local time.
        mixes: Fallback shares by ``grade`` and ``area``.

    Returns:
        ``hour_of_week, area, grade, arrivals_per_hour``.

    Raises:
        ValueError: No ``incidents`` series, or no grade shares.
    """
    mixes = mixes or {}
    total = forecasts[forecasts["unique_id"] == "incidents"]
    if total.empty:
        raise ValueError("hourly forecasts need the 'incidents' force series.")
    ds = pd.to_datetime(total["ds"])
    how = (ds.dt.day_of_week * 24 + ds.dt.hour).to_numpy()
    by_hour = total["mean"].groupby(how).mean()
    grades = _shares(forecasts, "grade") or mixes.get("grade")
    if not grades:
        raise ValueError("forecast incidents/grade=.. or pass mixes['grade'].")
    areas = _shares(forecasts, "area") or mixes.get("area") or {"force": 1.0}
    g_sum, a_sum = sum(grades.values()), sum(areas.values())
    rows = [
        (h, area, grade, rate * a_share / a_sum * g_share / g_sum)
        for h, rate in by_hour.items()
        for area, a_share in areas.items()
        for grade, g_share in grades.items()
    ]
    return pd.DataFrame(
        rows, columns=["hour_of_week", "area", "grade", "arrivals_per_hour"]
    )


def _period_days(ds: pd.Series) -> pd.Series:
    """Days each strategic period covers: calendar months, else the spacing."""
    ds = pd.to_datetime(ds)
    steps = pd.Series(sorted(ds.unique())).diff().dt.days.dropna()
    if ds.dt.is_month_start.all() and (steps.empty or steps.min() >= 28):
        return ds.dt.days_in_month.astype(float)
    return pd.Series(float(steps.median()) if len(steps) else 1.0, index=ds.index)


def window_to_year_ratio(
    strategic: pd.DataFrame,
    hourly: pd.DataFrame,
    series: str = "incidents",
    start_month: int = FINANCIAL_YEAR_START_MONTH,
) -> float | None:
    """Forecast daily mean of the year the hourly window starts in ÷ the window's.

    The year is the financial year of the window's first hour, over the part of
    it the strategic forecasts cover (the same part the stage's base workload rate
    is taken over).

    Args:
        strategic: Strategic forecasts (monthly, daily or weekly), `forecasts` shape.
        hourly: Hourly forecasts, `forecasts` shape, ``ds`` local.
        series: The force total both must hold.
        start_month: Month (1-12) financial years start in.

    Returns:
        The ratio, or None if either side lacks the series or the year.
    """
    window = hourly[hourly["unique_id"] == series]
    year = strategic[strategic["unique_id"] == series]
    if window.empty or year.empty:
        return None
    window_daily = float(window["mean"].mean()) * 24.0
    start = pd.Series([pd.to_datetime(window["ds"]).min()])
    fy = financial_year(start, start_month).iloc[0]
    year = year.assign(ds=pd.to_datetime(year["ds"]))
    in_year = year[financial_year(year["ds"], start_month).to_numpy() == fy]
    if in_year.empty or window_daily <= 0:
        return None
    year_daily = float(in_year["mean"].sum() / _period_days(in_year["ds"]).sum())
    return year_daily / window_daily


def scale_to_year(
    arrivals: pd.DataFrame,
    strategic: pd.DataFrame,
    hourly: pd.DataFrame,
    start_month: int = FINANCIAL_YEAR_START_MONTH,
) -> pd.DataFrame:
    """Scale the window's arrivals to the level of the year the cover stands for.

    The hourly forecasts cover a short window (14 days in the demo) whose level
    is that window's season, so cover sized on it would move with the date the
    pipeline runs. Their hour-of-week, area and grade shape is kept and their
    level set to the year's forecast daily mean (`window_to_year_ratio`); without
    a strategic ``incidents`` forecast of that year the window is used as it is,
    with a warning.

    Args:
        arrivals: Output of `response_arrivals`.
        strategic: Strategic forecasts, `forecasts` shape.
        hourly: The hourly forecasts the arrivals came from.
        start_month: Month (1-12) financial years start in.

    Returns:
        A copy with ``arrivals_per_hour`` scaled and the factor in
        ``attrs["window_to_year_ratio"]`` (1.0 when not scaled).
    """
    ratio = window_to_year_ratio(strategic, hourly, start_month=start_month)
    out = arrivals.copy()
    out.attrs = dict(arrivals.attrs)
    if ratio is None:
        logger.warning(
            "No strategic 'incidents' forecast for the hourly window's year: "
            "response cover uses the window's own level."
        )
        ratio = 1.0
    out["arrivals_per_hour"] = out["arrivals_per_hour"] * ratio
    out.attrs["window_to_year_ratio"] = ratio
    logger.info("Response arrivals scaled by %.4f to the year's level.", ratio)
    return out
