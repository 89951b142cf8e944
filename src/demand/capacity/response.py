"""Response cover: officers on duty per hour of week to meet the G1 target."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demand.capacity.arrivals import response_arrivals
from demand.capacity.assumptions import Assumptions
from demand.capacity.call_handling import HOURS_PER_WEEK
from demand.capacity.response_queue import (
    FEASIBILITY,
    QUEUE_GRADES,
    CoverSizing,
    g1_attendance,
    mean_units_per_incident,
    size_response_cover,
    travel_only_attendance,
)

# The one-hour queue model lives in response_queue; its names are re-exported
# here, where callers of the area-level cover have always found them.
__all__ = [
    "FEASIBILITY",
    "QUEUE_GRADES",
    "CoverSizing",
    "area_g1_standard",
    "compare_shift_pattern",
    "cover_feasibility",
    "g1_attendance",
    "mean_units_per_incident",
    "response_arrivals",
    "response_cover",
    "size_response_cover",
    "travel_only_attendance",
]


def area_g1_standard(assumptions: Assumptions, area: str) -> tuple[float, float]:
    """An area's G1 attendance target and median G1 travel time, both minutes.

    Urban areas (``attendance.urban_areas``) take the urban figures, all others
    the rural ones.
    """
    t, r = assumptions.attendance, assumptions.response
    if area in t.urban_areas:
        return t.g1_urban_minutes, r.g1_travel_urban_minutes
    return t.g1_rural_minutes, r.g1_travel_rural_minutes


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
        target, travel = area_g1_standard(assumptions, area)
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
