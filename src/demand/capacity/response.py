"""Response cover: officers on duty per hour of week to meet the G1 target."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from demand.capacity.arrivals import response_arrivals
from demand.capacity.assumptions import Assumptions
from demand.capacity.erlang import erlang_c

__all__ = [
    "FEASIBILITY",
    "QUEUE_GRADES",
    "CoverSizing",
    "compare_shift_pattern",
    "cover_feasibility",
    "g1_attendance",
    "mean_units_per_incident",
    "response_arrivals",
    "response_cover",
    "size_response_cover",
    "size_response_units",
    "travel_only_attendance",
]

logger = logging.getLogger(__name__)

QUEUE_GRADES = ("G1", "G2", "G3")
"""Grades that queue for a response unit, highest priority first (G4 is booked)."""
FEASIBILITY = ("achievable", "marginal", "not_achievable")
"""Values of ``cover_feasibility``: the standard is met with the queue allowance to
spare; met by dispatch and travel alone but with less headroom than the allowance;
missed by dispatch and travel alone (see `size_response_cover`)."""
HOURS_PER_WEEK = 168
_TRAVEL_POINTS = 400


_NORMAL_POINTS = norm.ppf((np.arange(_TRAVEL_POINTS) + 0.5) / _TRAVEL_POINTS)


def _travel_minutes(median_minutes: float, sigma: float) -> np.ndarray:
    """Equal-probability points of a lognormal travel time (midpoint quantiles)."""
    if sigma == 0:
        return np.array([median_minutes])
    return median_minutes * np.exp(sigma * _NORMAL_POINTS)


def mean_units_per_incident(shares: Sequence[float]) -> float:
    """Mean units one G1 takes, from the shares needing 1, 2, 3, ... units."""
    total = float(sum(shares))
    return sum((k + 1) * s for k, s in enumerate(shares)) / total if total else 1.0


def travel_only_attendance(
    target_minutes: float,
    dispatch_minutes: float = 0.0,
    travel_median_minutes: float = 0.0,
    travel_sigma: float = 0.0,
) -> float:
    """Share (0-1) of G1s reached within target when a unit is always free.

    The ceiling of `g1_attendance`: P(dispatch + lognormal travel ≤ target). No
    number of units can do better, so a standard above it is not achievable.
    """
    slack = target_minutes - dispatch_minutes
    return float(np.mean(_travel_minutes(travel_median_minutes, travel_sigma) <= slack))


def g1_attendance(
    units: float,
    arrivals_per_hour: Mapping[str, float],
    time_on_task_hours: float,
    target_minutes: float,
    dispatch_minutes: float = 0.0,
    travel_median_minutes: float = 0.0,
    travel_sigma: float = 0.0,
    g1_units_per_incident: Sequence[float] = (1.0,),
) -> float:
    """Share (0-1) of G1 incidents attended within the target, by a priority queue.

    The model: response units are the servers of an M/M/c queue with
    non-preemptive priority by grade (G1 first) and a common exponential time on
    task. A G1 may need more than one unit (``g1_units_per_incident``); its
    attendance is its first unit's arrival, and the further units are G1 work
    that occupies units and queues ahead of later G1s. In unit-jobs an hour then
    offers λ1·m G1 jobs (m the mean units per G1) and λ2, λ3 others. Every unit
    busy happens with the Erlang C probability C(c, A) of the total load
    A = (λ1·m + λ2 + λ3)·s. A G1 that finds them busy waits behind the G1 jobs
    already queued, a geometric number with ratio λ1·m/(cμ), each cleared at rate
    cμ, so its wait is exponential with rate cμ − λ1·m (μ = 1/s). Attendance adds
    a fixed dispatch time and a lognormal travel time:
    P(W + dispatch + travel ≤ T) = E_D[1{D ≤ T'}·(1 − C·e^{−(cμ−λ1·m)(T' − D)})].
    Batches arrive together, so this slightly understates the chance of a queue;
    `response_sim.simulate_week` measures how much.

    Args:
        units: Response units on duty (servers); officers = units × crewing.
        arrivals_per_hour: Incidents per hour by grade (``G1`` needed).
        time_on_task_hours: Mean dispatch-to-clear time of a unit, hours.
        target_minutes: G1 attendance target from creation, minutes.
        dispatch_minutes: Creation to dispatch for a free unit, minutes.
        travel_median_minutes: Median travel time, minutes.
        travel_sigma: Log-sd of travel time (0 = fixed).
        g1_units_per_incident: Shares of G1s needing 1, 2, 3, ... units
            (default: one unit each).

    Returns:
        The share attended within target; 0.0 when units ≤ load (overloaded).
    """
    g1_jobs = arrivals_per_hour.get("G1", 0.0) * mean_units_per_incident(
        g1_units_per_incident
    )
    jobs = g1_jobs + sum(v for g, v in arrivals_per_hour.items() if g != "G1")
    load = jobs * time_on_task_hours
    if load == 0:
        p_busy, rate_per_minute = 0.0, 1.0
    elif units <= load:
        return 0.0
    else:
        p_busy = erlang_c(load, units)
        rate_per_hour = units / time_on_task_hours - g1_jobs
        rate_per_minute = rate_per_hour / 60.0
    slack = (
        target_minutes
        - dispatch_minutes
        - _travel_minutes(travel_median_minutes, travel_sigma)
    )
    hit = np.where(slack >= 0, 1.0 - p_busy * np.exp(-rate_per_minute * slack), 0.0)
    return float(hit.mean())


@dataclass(frozen=True)
class CoverSizing:
    """Units one hour needs, and how far the G1 standard can be met at all.

    Attributes:
        units: Fewest whole units meeting ``sized_for_fraction``.
        g1_attendance: Modelled G1 attendance (0-1) with ``units``.
        travel_only_attendance: Attendance (0-1) if a unit were always free.
        sized_for_fraction: The attendance the units were sized for: the
            standard, or the travel-only ceiling less the queue allowance where
            that is lower.
        feasibility: One of `FEASIBILITY`.
    """

    units: int
    g1_attendance: float
    travel_only_attendance: float
    sized_for_fraction: float
    feasibility: str


def size_response_cover(
    arrivals_per_hour: Mapping[str, float],
    time_on_task_hours: float,
    target_minutes: float,
    compliance_fraction: float,
    dispatch_minutes: float = 0.0,
    travel_median_minutes: float = 0.0,
    travel_sigma: float = 0.0,
    g1_units_per_incident: Sequence[float] = (1.0,),
    queue_allowance_fraction: float = 0.0,
    max_units: int = 10_000,
) -> CoverSizing:
    """Fewest whole units for the G1 standard, degrading gracefully where travel
    alone (nearly) misses it (see `g1_attendance` for the model and arguments).

    Queueing can only take attendance below the travel-only ceiling F, and the
    units needed grow without bound as the standard p approaches F. So the queue
    is always allowed to cost at least ``queue_allowance_fraction`` (a) of G1s:
    units are sized for min(p, F − a). Where F ≥ p + a the standard is sized as
    is (``achievable``); where p ≤ F < p + a it is ``marginal`` and where F < p
    ``not_achievable``: the units then give the best attendance a finite cover
    can defend, F − a, and the row says so. With a = 0 the sizing is the plain
    one, and an unreachable standard is sized for F itself as far as
    ``max_units`` allows. The requirement therefore moves continuously with the
    travel assumptions instead of jumping, or failing, at the ceiling.

    Args:
        queue_allowance_fraction: a, the smallest share (0-1) of G1s the queue may
            make late.
        max_units: Largest cover considered.

    Returns:
        The `CoverSizing`. Never raises for an unreachable standard.
    """
    free = travel_only_attendance(
        target_minutes, dispatch_minutes, travel_median_minutes, travel_sigma
    )
    if free >= compliance_fraction + queue_allowance_fraction:
        feasibility, goal = FEASIBILITY[0], compliance_fraction
    else:
        feasibility = FEASIBILITY[1] if free >= compliance_fraction else FEASIBILITY[2]
        goal = max(free - queue_allowance_fraction, 0.0)
        logger.debug(
            "G1 target of %s min: travel alone reaches %.3f; sized for %.3f (%s).",
            target_minutes,
            free,
            goal,
            feasibility,
        )

    def attendance(units: int) -> float:
        return g1_attendance(
            units,
            arrivals_per_hour,
            time_on_task_hours,
            target_minutes,
            dispatch_minutes,
            travel_median_minutes,
            travel_sigma,
            g1_units_per_incident,
        )

    g1_jobs = arrivals_per_hour.get("G1", 0.0) * mean_units_per_incident(
        g1_units_per_incident
    )
    jobs = g1_jobs + sum(v for g, v in arrivals_per_hour.items() if g != "G1")
    load = jobs * time_on_task_hours
    if load == 0:
        return CoverSizing(0, free, free, goal, feasibility)
    units = max(int(math.floor(load)) + 1, 1)
    share = attendance(units)
    # Within 1e-9 of the goal counts: with a = 0 and an unreachable standard the
    # goal is the ceiling itself, approached but never passed.
    while share < goal - 1e-9 and units < max_units:
        units += 1
        share = attendance(units)
    return CoverSizing(units, share, free, goal, feasibility)


def size_response_units(
    arrivals_per_hour: Mapping[str, float],
    time_on_task_hours: float,
    target_minutes: float,
    compliance_fraction: float,
    dispatch_minutes: float = 0.0,
    travel_median_minutes: float = 0.0,
    travel_sigma: float = 0.0,
    max_units: int = 10_000,
    g1_units_per_incident: Sequence[float] = (1.0,),
    queue_allowance_fraction: float = 0.0,
) -> int:
    """Fewest whole units for the G1 standard: `size_response_cover`'s units.

    Kept for callers of the earlier signature; it no longer raises where travel
    alone misses the target (see `size_response_cover` for what it returns).
    """
    return size_response_cover(
        arrivals_per_hour,
        time_on_task_hours,
        target_minutes,
        compliance_fraction,
        dispatch_minutes,
        travel_median_minutes,
        travel_sigma,
        g1_units_per_incident,
        queue_allowance_fraction,
        max_units,
    ).units


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
    queue (`size_response_cover`, G1s taking the crewing's units) on arrival
    rates that, with ``lag``, are smoothed back over the preceding hours by the
    time on task, because incidents of 2 hours keep units busy into later hours.
    An hour whose standard travel alone (nearly) misses is sized for the best
    attendance a finite cover can defend and flagged, never an error.

    Args:
        arrivals: ``hour_of_week`` (0 = Monday 00:00 local), ``area``, ``grade``,
            ``arrivals_per_hour`` (incidents per hour).
        assumptions: The force's assumptions (unit times, attendance, response).
        lag: Apply the lag correction.

    Returns:
        One row per ``area, hour_of_week`` with ``arrivals_per_hour`` (G1-G3),
        ``g1_per_hour``, ``load_units`` (unit-Erlangs), ``units``,
        ``officers_needed`` (units × officers per unit), ``g1_attendance``,
        ``travel_only_attendance`` (the ceiling, 0-1), ``sized_for_fraction``
        and ``cover_feasibility`` (one of `FEASIBILITY`).
    """
    a, r, t = assumptions, assumptions.response, assumptions.attendance
    crewing = r.g1_units_per_incident_shares
    units_per = {g: 1.0 for g in QUEUE_GRADES} | {
        "G1": mean_units_per_incident(crewing)
    }
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
        # Mean time on task of a unit-job: a G1 of m units is m jobs.
        jobs = sum(rates[g].sum() * units_per[g] for g in QUEUE_GRADES)
        weighted = sum(
            rates[g].sum() * units_per[g] * a.unit_times[g].time_on_task_hours
            for g in QUEUE_GRADES
        )
        s = weighted / jobs if jobs > 0 else 1.0
        if lag:
            rates = {g: _lagged(v, s) for g, v in rates.items()}
        urban = area in t.urban_areas
        target = t.g1_urban_minutes if urban else t.g1_rural_minutes
        travel = r.g1_travel_urban_minutes if urban else r.g1_travel_rural_minutes
        for h in range(HOURS_PER_WEEK):
            hour = {g: float(rates[g][h]) for g in QUEUE_GRADES}
            sized = size_response_cover(
                hour,
                s,
                target,
                t.compliance_fraction,
                r.dispatch_minutes,
                travel,
                r.travel_sigma,
                crewing,
                r.queue_allowance_fraction,
            )
            rows.append(
                {
                    "area": area,
                    "hour_of_week": h,
                    "arrivals_per_hour": sum(hour.values()),
                    "g1_per_hour": hour["G1"],
                    "load_units": sum(hour[g] * units_per[g] for g in hour) * s,
                    "units": sized.units,
                    "officers_needed": sized.units * r.officers_per_unit,
                    "g1_attendance": sized.g1_attendance,
                    "travel_only_attendance": sized.travel_only_attendance,
                    "sized_for_fraction": sized.sized_for_fraction,
                    "cover_feasibility": sized.feasibility,
                }
            )
    return pd.DataFrame(rows)


def cover_feasibility(cover: pd.DataFrame) -> dict[str, float | str]:
    """Summarise a cover's feasibility for its ``capacity`` rows.

    Args:
        cover: Output of `response_cover`.

    Returns:
        ``travel_only_attendance``: the travel-only ceiling (0-1) weighted by G1
        arrivals over areas and hours; ``cover_feasibility``: the worst of the
        areas (`FEASIBILITY` order), with the areas named when not achievable.
    """
    weights = cover["g1_per_hour"].to_numpy(float)
    ceiling = cover["travel_only_attendance"].to_numpy(float)
    level = cover["cover_feasibility"].map(FEASIBILITY.index)
    worst = FEASIBILITY[int(level.max())] if len(level) else FEASIBILITY[0]
    if worst != FEASIBILITY[0]:
        areas = sorted(set(cover.loc[level == level.max(), "area"]))
        worst = f"{worst}: {', '.join(map(str, areas))}"
    return {
        "travel_only_attendance": float(np.average(ceiling, weights=weights))
        if weights.sum() > 0
        else float(ceiling.mean())
        if len(ceiling)
        else float("nan"),
        "cover_feasibility": worst,
    }


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
