"""One hour of response as a priority queue: G1 attendance and the units to size."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from demand.capacity.erlang import erlang_c

__all__ = [
    "FEASIBILITY",
    "QUEUE_GRADES",
    "CoverSizing",
    "g1_attendance",
    "lognormal_travel_minutes",
    "mean_units_per_incident",
    "size_response_cover",
    "travel_only_attendance",
]

logger = logging.getLogger(__name__)

QUEUE_GRADES = ("G1", "G2", "G3")
"""Grades that queue for a response unit, highest priority first (G4 is booked)."""
FEASIBILITY = ("achievable", "marginal", "not_achievable")
"""Values of ``cover_feasibility``: the standard is met with the queue allowance to
spare; met by dispatch and travel alone but with less headroom than the allowance;
missed by dispatch and travel alone (see `size_response_cover`)."""
_TRAVEL_POINTS = 400
_NORMAL_POINTS = norm.ppf((np.arange(_TRAVEL_POINTS) + 0.5) / _TRAVEL_POINTS)


def lognormal_travel_minutes(
    median_minutes: float, sigma: float, normal_scores: np.ndarray | float
) -> np.ndarray | float:
    """Travel times, minutes, at standard-normal scores of the lognormal model.

    The one statement of the travel assumption: median × exp(sigma × z). The
    queue model takes z at equal-probability points, the simulations draw it.
    """
    return median_minutes * np.exp(sigma * normal_scores)


def _travel_minutes(median_minutes: float, sigma: float) -> np.ndarray:
    """Equal-probability points of a lognormal travel time (midpoint quantiles)."""
    if sigma == 0:
        return np.array([median_minutes])
    return np.asarray(lognormal_travel_minutes(median_minutes, sigma, _NORMAL_POINTS))


def mean_units_per_incident(shares: Sequence[float]) -> float:
    """Mean units one G1 takes, from the shares needing 1, 2, 3, ... units."""
    total = float(sum(shares))
    return sum((k + 1) * s for k, s in enumerate(shares)) / total if total else 1.0


def _unit_job_load(
    arrivals_per_hour: Mapping[str, float],
    time_on_task_hours: float,
    g1_units_per_incident: Sequence[float],
) -> tuple[float, float]:
    """G1 unit-jobs per hour and the offered load in units (unit-Erlangs).

    A G1 of m units is m jobs; other grades take one unit each.
    """
    g1_jobs = arrivals_per_hour.get("G1", 0.0) * mean_units_per_incident(
        g1_units_per_incident
    )
    jobs = g1_jobs + sum(v for g, v in arrivals_per_hour.items() if g != "G1")
    return g1_jobs, jobs * time_on_task_hours


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
    g1_jobs, load = _unit_job_load(
        arrivals_per_hour, time_on_task_hours, g1_units_per_incident
    )
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

    _, load = _unit_job_load(
        arrivals_per_hour, time_on_task_hours, g1_units_per_incident
    )
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
