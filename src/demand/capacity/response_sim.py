"""A discrete-event simulation of one response hour, to check the queueing model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["SimulatedAttendance", "simulate_g1_attendance"]

_PRIORITY = {"G1": 0, "G2": 1, "G3": 2}


@dataclass(frozen=True)
class SimulatedAttendance:
    """G1 attendance estimated by simulation.

    Attributes:
        share: Share (0-1) of G1 incidents attended within the target.
        standard_error: Standard error of ``share`` from batch means.
        g1_incidents: G1 incidents counted (after the warm-up).
    """

    share: float
    standard_error: float
    g1_incidents: int


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
) -> SimulatedAttendance:
    """Simulate one hour's conditions held steady, with SimPy, and count G1 hits.

    The same model as `demand.capacity.response.g1_attendance`: Poisson arrivals
    by grade, `units` servers taken by non-preemptive priority (G1, then G2, G3;
    first come first served within a grade), exponential time on task with a
    common mean, a fixed dispatch time and lognormal travel added to the wait.

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

    Returns:
        The simulated share and its standard error.
    """
    import simpy  # imported here: only this check needs it

    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    pool = simpy.PriorityResource(env, capacity=units)
    end = warm_up_hours + hours
    hits: list[tuple[float, bool]] = []

    def incident(grade: str):
        created = env.now
        with pool.request(priority=_PRIORITY[grade]) as request:
            yield request
            wait_minutes = (env.now - created) * 60.0
            if grade == "G1" and created >= warm_up_hours:
                travel = travel_median_minutes * float(
                    np.exp(travel_sigma * rng.standard_normal())
                )
                response = wait_minutes + dispatch_minutes + travel
                hits.append((created, response <= target_minutes))
            yield env.timeout(rng.exponential(time_on_task_hours))

    def arrivals(grade: str, rate: float):
        while True:
            yield env.timeout(rng.exponential(1.0 / rate))
            if env.now >= end:
                return
            env.process(incident(grade))

    for grade, rate in arrivals_per_hour.items():
        if rate > 0:
            env.process(arrivals(grade, rate))
    env.run(until=end)
    created = np.array([c for c, _ in hits])
    hit = np.array([h for _, h in hits], dtype=float)
    edges = np.linspace(warm_up_hours, end, batches + 1)
    which = np.clip(np.searchsorted(edges, created, side="right") - 1, 0, batches - 1)
    means = np.array(
        [hit[which == b].mean() for b in range(batches) if (which == b).any()]
    )
    return SimulatedAttendance(
        share=float(hit.mean()),
        standard_error=float(means.std(ddof=1) / np.sqrt(len(means))),
        g1_incidents=int(hit.size),
    )
