"""Discrete-event simulations of response units, to check the queueing model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from demand.capacity.assumptions import Assumptions
from demand.capacity.call_handling import HOURS_PER_WEEK
from demand.capacity.response import area_g1_standard
from demand.capacity.response_queue import lognormal_travel_minutes

__all__ = ["SimulatedAttendance", "simulate_g1_attendance", "simulate_week"]

_PRIORITY = {"G1": 0, "G2": 1, "G3": 2}
_OFF_DUTY = -1  # a unit going off duty is taken before any incident's next unit


@dataclass(frozen=True)
class SimulatedAttendance:
    """G1 attendance estimated by simulation.

    Attributes:
        share: Share (0-1) of G1 incidents attended within the target.
        standard_error: Standard error of ``share`` from batch means.
        g1_incidents: G1 incidents counted (after the warm-up).
        by_area: Share (0-1) attended within target by area (`simulate_week`).
    """

    share: float
    standard_error: float
    g1_incidents: int
    by_area: Mapping[str, float] = field(default_factory=dict)


def _summarise(
    created: np.ndarray, hit: np.ndarray, start: float, end: float, batches: int
) -> tuple[float, float]:
    """Share and batch-means standard error of hits created in [start, end)."""
    edges = np.linspace(start, end, batches + 1)
    which = np.clip(np.searchsorted(edges, created, side="right") - 1, 0, batches - 1)
    means = np.array(
        [hit[which == b].mean() for b in range(batches) if (which == b).any()]
    )
    return float(hit.mean()), float(means.std(ddof=1) / np.sqrt(len(means)))


def _units_taken(rng: np.random.Generator, shares: Sequence[float]) -> int:
    """Units one G1 takes, drawn from the shares needing 1, 2, 3, ..."""
    p = np.asarray(shares, float)
    return int(rng.choice(len(p), p=p / p.sum())) + 1


def simulate_g1_attendance(
    units: int,
    arrivals_per_hour: Mapping[str, float],
    time_on_task_hours: float,
    target_minutes: float,
    dispatch_minutes: float = 0.0,
    travel_median_minutes: float = 0.0,
    travel_sigma: float = 0.0,
    hours: float = 5_000.0,
    warm_up_hours: float = 200.0,
    batches: int = 20,
    seed: int = 0,
    g1_units_per_incident: Sequence[float] = (1.0,),
) -> SimulatedAttendance:
    """Simulate one hour's conditions held steady, with SimPy, and count G1 hits.

    The same model as `demand.capacity.response_queue.g1_attendance`: Poisson arrivals
    by grade, `units` servers taken by non-preemptive priority (G1, then G2, G3;
    first come first served within a grade), exponential time on task with a
    common mean, a fixed dispatch time and lognormal travel added to the wait. A
    G1 takes 1, 2, 3, ... units with ``g1_units_per_incident``'s shares, each
    held for its own time on task; it is attended when its first unit arrives.

    Args:
        units: Response units (servers).
        arrivals_per_hour: Incidents per hour by grade (G1, G2, G3).
        time_on_task_hours: Mean dispatch-to-clear time, hours.
        target_minutes: G1 attendance target from creation, minutes.
        dispatch_minutes: Creation to dispatch for a free unit, minutes.
        travel_median_minutes: Median travel time, minutes.
        travel_sigma: Log-sd of travel time.
        hours: Simulated hours counted after the warm-up.
        warm_up_hours: Hours simulated first and not counted.
        batches: Batches for the standard error (batch means).
        seed: Seed of the random draws.
        g1_units_per_incident: Shares of G1s needing 1, 2, 3, ... units.

    Returns:
        The simulated share and its standard error.
    """
    import simpy  # imported here: only this check needs it

    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    pool = simpy.PriorityResource(env, capacity=units)
    end = warm_up_hours + hours
    hits: list[tuple[float, bool]] = []

    def job(grade: str, created: float, first: bool):
        with pool.request(priority=_PRIORITY[grade]) as request:
            yield request
            if first and grade == "G1" and created >= warm_up_hours:
                travel = float(
                    lognormal_travel_minutes(
                        travel_median_minutes, travel_sigma, rng.standard_normal()
                    )
                )
                response = (env.now - created) * 60.0 + dispatch_minutes + travel
                hits.append((created, response <= target_minutes))
            yield env.timeout(rng.exponential(time_on_task_hours))

    def arrivals(grade: str, rate: float):
        while True:
            yield env.timeout(rng.exponential(1.0 / rate))
            if env.now >= end:
                return
            taken = _units_taken(rng, g1_units_per_incident) if grade == "G1" else 1
            for k in range(taken):
                env.process(job(grade, env.now, k == 0))

    for grade, rate in arrivals_per_hour.items():
        if rate > 0:
            env.process(arrivals(grade, rate))
    env.run(until=end)
    created = np.array([c for c, _ in hits])
    hit = np.array([h for _, h in hits], dtype=float)
    share, se = _summarise(created, hit, warm_up_hours, end, batches)
    return SimulatedAttendance(share=share, standard_error=se, g1_incidents=hit.size)


def simulate_week(
    arrivals: pd.DataFrame,
    cover: pd.DataFrame,
    assumptions: Assumptions,
    weeks: int = 20,
    warm_up_weeks: int = 1,
    seed: int = 0,
) -> SimulatedAttendance:
    """Simulate weeks of response with rates and units changing hour by hour.

    A time-varying check of `response.response_cover`, with SimPy: per area,
    Poisson G1-G3 arrivals at each hour of week's rate, the cover's units on duty
    in each hour (a unit going off duty finishes its incident first), G1s taking
    units by the crewing shares, exponential time on task by grade (not the
    model's common mean), dispatch and the area's lognormal travel. No lag
    correction and no stationarity are assumed, unlike the model.

    Args:
        arrivals: ``hour_of_week, area, grade, arrivals_per_hour`` (unlagged).
        cover: Output of `response_cover` (``area, hour_of_week, units``), or any
            frame of units by area and hour of week.
        assumptions: Unit times, attendance targets, response figures.
        weeks: Weeks counted after the warm-up.
        warm_up_weeks: Weeks simulated first and not counted.
        seed: Seed of the random draws.

    Returns:
        Overall G1 attendance (batches of one week) and by area.
    """
    import simpy  # imported here: only this check needs it

    a, r = assumptions, assumptions.response
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    start, end = warm_up_weeks * HOURS_PER_WEEK, (warm_up_weeks + weeks) * 168
    hits: list[tuple[float, str, bool]] = []
    queue = arrivals[arrivals["grade"].isin(_PRIORITY)]

    def job(pool, grade: str, created: float, first: bool, area: str, travel):
        with pool.request(priority=_PRIORITY[grade]) as request:
            yield request
            if first and grade == "G1" and created >= start:
                z = rng.standard_normal()
                drive = float(lognormal_travel_minutes(travel, r.travel_sigma, z))
                response = (env.now - created) * 60.0 + r.dispatch_minutes + drive
                target, _ = area_g1_standard(assumptions, area)
                hits.append((created, area, response <= target))
            mean = a.unit_times[grade].time_on_task_hours
            yield env.timeout(rng.exponential(mean))

    def incidents(pool, area: str, rates: pd.DataFrame, travel: float):
        table = rates.reindex(range(HOURS_PER_WEEK), fill_value=0.0).fillna(0.0)
        for hour in range(end):
            row = table.iloc[hour % HOURS_PER_WEEK]
            events = [
                (hour + float(rng.uniform()), grade)
                for grade in table.columns
                for _ in range(rng.poisson(row[grade]))
            ]
            for when, grade in sorted(events):
                yield env.timeout(when - env.now)
                crew = r.g1_units_per_incident_shares
                taken = _units_taken(rng, crew) if grade == "G1" else 1
                for k in range(taken):
                    env.process(job(pool, grade, env.now, k == 0, area, travel))
            yield env.timeout(hour + 1 - env.now)

    def roster(pool, units: np.ndarray, capacity: int):
        off: list = []  # requests holding (or waiting for) a unit off duty
        for hour in range(end):
            want = capacity - int(units[hour % HOURS_PER_WEEK])
            while len(off) > want:
                request = off.pop()
                if request.triggered:
                    pool.release(request)
                else:
                    request.cancel()
            while len(off) < want:
                off.append(pool.request(priority=_OFF_DUTY))
            yield env.timeout(1.0)

    for area, group in queue.groupby("area", sort=True):
        units = (
            cover[cover["area"] == area]
            .set_index("hour_of_week")["units"]
            .reindex(range(HOURS_PER_WEEK), fill_value=0)
            .to_numpy()
        )
        capacity = max(int(units.max()), 1)
        pool = simpy.PriorityResource(env, capacity=capacity)
        _, travel = area_g1_standard(assumptions, area)
        rates = group.pivot_table(
            index="hour_of_week",
            columns="grade",
            values="arrivals_per_hour",
            aggfunc="sum",
        )
        env.process(roster(pool, units, capacity))
        env.process(incidents(pool, str(area), rates, travel))
    env.run(until=end)
    created = np.array([c for c, _, _ in hits])
    hit = np.array([h for _, _, h in hits], dtype=float)
    where = np.array([w for _, w, _ in hits])
    share, se = _summarise(created, hit, start, end, weeks)
    by_area = {w: float(hit[where == w].mean()) for w in sorted(set(where))}
    return SimulatedAttendance(share, se, int(hit.size), by_area)
