"""Response cover: officers on duty per hour of week to meet the G1 target."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import norm

from demand.capacity.assumptions import Assumptions
from demand.capacity.erlang import erlang_c
from demand.capacity.workload import parse_unique_id

__all__ = [
    "QUEUE_GRADES",
    "compare_shift_pattern",
    "g1_attendance",
    "response_arrivals",
    "response_cover",
    "size_response_units",
]

logger = logging.getLogger(__name__)

QUEUE_GRADES = ("G1", "G2", "G3")
"""Grades that queue for a response unit, highest priority first (G4 is booked)."""
HOURS_PER_WEEK = 168
_TRAVEL_POINTS = 400


_NORMAL_POINTS = norm.ppf((np.arange(_TRAVEL_POINTS) + 0.5) / _TRAVEL_POINTS)


def _travel_minutes(median_minutes: float, sigma: float) -> np.ndarray:
    """Equal-probability points of a lognormal travel time (midpoint quantiles)."""
    if sigma == 0:
        return np.array([median_minutes])
    return median_minutes * np.exp(sigma * _NORMAL_POINTS)


def g1_attendance(
    units: float,
    arrivals_per_hour: Mapping[str, float],
    time_on_task_hours: float,
    target_minutes: float,
    dispatch_minutes: float = 0.0,
    travel_median_minutes: float = 0.0,
    travel_sigma: float = 0.0,
) -> float:
    """Share (0-1) of G1 incidents attended within the target, by a priority queue.

    The model: response units are the servers of an M/M/c queue with
    non-preemptive priority by grade (G1 first) and a common exponential time on
    task. Every unit busy happens with the Erlang C probability C(c, A) of the
    total load A = Σλ·s (the number busy does not depend on the order served).
    A G1 incident that finds them busy waits behind the G1 incidents already
    queued, a geometric number with ratio λ1/(cμ), each cleared at rate cμ, so its
    wait is exponential with rate cμ − λ1 (μ = 1/s). Attendance adds a fixed
    dispatch time and a lognormal travel time:
    P(W + dispatch + travel ≤ T) = E_D[1{D ≤ T'}·(1 − C·e^{−(cμ−λ1)(T' − D)})].

    Args:
        units: Response units on duty (servers); officers = units × crewing.
        arrivals_per_hour: Incidents per hour by grade (``G1`` needed).
        time_on_task_hours: Mean dispatch-to-clear time of the incidents, hours.
        target_minutes: G1 attendance target from creation, minutes.
        dispatch_minutes: Creation to dispatch for a free unit, minutes.
        travel_median_minutes: Median travel time, minutes.
        travel_sigma: Log-sd of travel time (0 = fixed).

    Returns:
        The share attended within target; 0.0 when units ≤ load (overloaded).
    """
    load = sum(arrivals_per_hour.values()) * time_on_task_hours
    if load == 0:
        p_busy, rate_per_minute = 0.0, 1.0
    elif units <= load:
        return 0.0
    else:
        p_busy = erlang_c(load, units)
        rate_per_hour = units / time_on_task_hours - arrivals_per_hour.get("G1", 0.0)
        rate_per_minute = rate_per_hour / 60.0
    slack = (
        target_minutes
        - dispatch_minutes
        - _travel_minutes(travel_median_minutes, travel_sigma)
    )
    hit = np.where(slack >= 0, 1.0 - p_busy * np.exp(-rate_per_minute * slack), 0.0)
    return float(hit.mean())


def size_response_units(
    arrivals_per_hour: Mapping[str, float],
    time_on_task_hours: float,
    target_minutes: float,
    compliance_fraction: float,
    dispatch_minutes: float = 0.0,
    travel_median_minutes: float = 0.0,
    travel_sigma: float = 0.0,
    max_units: int = 10_000,
) -> int:
    """Fewest whole units with G1 attendance ≥ `compliance_fraction` (see
    `g1_attendance` for the model and arguments).

    Raises:
        ValueError: The target cannot be met even with no queue (dispatch and
            travel alone miss it), or not within `max_units`.
    """
    free = g1_attendance(
        max_units,
        {"G1": 0.0},
        1.0,
        target_minutes,
        dispatch_minutes,
        travel_median_minutes,
        travel_sigma,
    )
    if free < compliance_fraction:
        raise ValueError(
            f"G1 target of {target_minutes} min is met by only {free:.3f} of "
            "incidents even with units always free; check dispatch and travel times."
        )
    load = sum(arrivals_per_hour.values()) * time_on_task_hours
    units = max(int(math.floor(load)) + 1, 1) if load > 0 else 0
    if load == 0:
        return 0
    while units <= max_units:
        share = g1_attendance(
            units,
            arrivals_per_hour,
            time_on_task_hours,
            target_minutes,
            dispatch_minutes,
            travel_median_minutes,
            travel_sigma,
        )
        if share >= compliance_fraction:
            return units
        units += 1
    raise ValueError(f"no unit count up to {max_units} meets the G1 target.")


def _lagged(rates: np.ndarray, mean_hours: float) -> np.ndarray:
    """Arrival rates the queue feels: past hours weighted by the chance their
    incidents are still being dealt with (infinite-server offered load ÷ s),
    cyclically over the week (Green, Kolesar & Whitt's lag correction)."""
    if mean_hours <= 0:
        return rates
    k = np.arange(HOURS_PER_WEEK)
    weights = np.exp(-k / mean_hours) - np.exp(-(k + 1) / mean_hours)
    weights = weights / weights.sum()
    return np.array([np.dot(weights, np.roll(rates, -h - 1)[::-1]) for h in k])


def response_cover(
    arrivals: pd.DataFrame,
    assumptions: Assumptions,
    lag: bool = True,
) -> pd.DataFrame:
    """Officers needed on duty in each hour of the week, area by area.

    Each area has its own units (urban areas use the urban G1 target and travel
    time, others the rural ones); each hour is sized as a stationary priority
    queue (`size_response_units`) on arrival rates that, with ``lag``, are
    smoothed back over the preceding hours by the time on task, because
    incidents of 2 hours keep units busy into later hours.

    Args:
        arrivals: ``hour_of_week`` (0 = Monday 00:00 local), ``area``, ``grade``,
            ``arrivals_per_hour`` (incidents per hour).
        assumptions: The force's assumptions (unit times, attendance, response).
        lag: Apply the lag correction.

    Returns:
        One row per ``area, hour_of_week`` with ``arrivals_per_hour`` (G1-G3),
        ``g1_per_hour``, ``load_units`` (unit-Erlangs), ``units``,
        ``officers_needed`` (units × officers per unit), ``g1_attendance``.
    """
    a, r, t = assumptions, assumptions.response, assumptions.attendance
    queue = arrivals[arrivals["grade"].isin(QUEUE_GRADES)]
    rows = []
    for area, group in queue.groupby("area", sort=True):
        rates = {
            g: group[group["grade"] == g]
            .groupby("hour_of_week")["arrivals_per_hour"]
            .sum()
            .reindex(range(HOURS_PER_WEEK), fill_value=0.0)
            .to_numpy()
            for g in QUEUE_GRADES
        }
        total = sum(rates.values())
        weighted = sum(
            rates[g].sum() * a.unit_times[g].time_on_task_hours for g in QUEUE_GRADES
        )
        s = weighted / total.sum() if total.sum() > 0 else 1.0
        if lag:
            rates = {g: _lagged(v, s) for g, v in rates.items()}
        urban = area in t.urban_areas
        target = t.g1_urban_minutes if urban else t.g1_rural_minutes
        travel = r.g1_travel_urban_minutes if urban else r.g1_travel_rural_minutes
        for h in range(HOURS_PER_WEEK):
            hour = {g: float(rates[g][h]) for g in QUEUE_GRADES}
            units = size_response_units(
                hour,
                s,
                target,
                t.compliance_fraction,
                r.dispatch_minutes,
                travel,
                r.travel_sigma,
            )
            rows.append(
                {
                    "area": area,
                    "hour_of_week": h,
                    "arrivals_per_hour": sum(hour.values()),
                    "g1_per_hour": hour["G1"],
                    "load_units": sum(hour.values()) * s,
                    "units": units,
                    "officers_needed": units * r.officers_per_unit,
                    "g1_attendance": g1_attendance(
                        units,
                        hour,
                        s,
                        target,
                        r.dispatch_minutes,
                        travel,
                        r.travel_sigma,
                    ),
                }
            )
    return pd.DataFrame(rows)


def compare_shift_pattern(
    cover: pd.DataFrame, assumptions: Assumptions, tolerance_officers: float = 0.5
) -> pd.DataFrame:
    """Compare officers needed (summed over areas) with the rostered shift pattern.

    Args:
        cover: Output of `response_cover`.
        assumptions: The force's assumptions (shift pattern).
        tolerance_officers: Gaps within ± this many officers count as "met".

    Returns:
        168 rows: ``hour_of_week, needed, rostered, gap`` (needed − rostered,
        officers; positive = under-covered) and ``status`` (under, over, met).
    """
    needed = (
        cover.groupby("hour_of_week")["officers_needed"]
        .sum()
        .reindex(range(HOURS_PER_WEEK), fill_value=0.0)
    )
    rostered = np.asarray(assumptions.shift_pattern.officers_by_hour_of_week())
    gap = needed.to_numpy() - rostered
    status = np.where(
        gap > tolerance_officers,
        "under",
        np.where(gap < -tolerance_officers, "over", "met"),
    )
    return pd.DataFrame(
        {
            "hour_of_week": range(HOURS_PER_WEEK),
            "needed": needed.to_numpy(),
            "rostered": rostered,
            "gap": gap,
            "status": status,
        }
    )


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
