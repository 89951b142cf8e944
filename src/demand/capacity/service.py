"""Service levels if staffing stays as it is: 999 answering and G1 attendance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from demand.capacity.assumptions import Assumptions
from demand.capacity.call_handling import HOURS_PER_WEEK
from demand.capacity.response import (
    QUEUE_GRADES,
    g1_attendance,
    mean_units_per_incident,
)
from demand.periods import FINANCIAL_YEAR_START_MONTH, financial_year

__all__ = [
    "calls_per_hour_of_week",
    "g1_attendance_rostered",
    "g1_attendance_rostered_by_area",
]


def calls_per_hour_of_week(
    hours: pd.DataFrame,
    profile: Sequence[float] | None,
    line: str = "999",
    start_month: int = FINANCIAL_YEAR_START_MONTH,
) -> pd.DataFrame:
    """Mean calls per hour in each hour of the week, per financial year.

    Args:
        hours: Output of `line_hours` (needs the call line's rows).
        profile: Share of a week's calls in each hour of the week; flat if None.
        line: The call line.
        start_month: Month (1-12) financial years start in.

    Returns:
        A frame indexed by financial year with 168 columns (calls per hour).
    """
    rows = hours[(hours["method"] == "erlang") & (hours["key"] == line)]
    shares = (
        np.full(HOURS_PER_WEEK, 1 / HOURS_PER_WEEK)
        if profile is None
        else (np.asarray(profile, float) / np.sum(profile))
    )
    fy = financial_year(rows["ds"], start_month).to_numpy()
    per_hour = rows.groupby(fy).apply(
        lambda g: g["mean"].sum() / g["period_hours"].sum()
    )
    return pd.DataFrame(
        np.outer(per_hour.to_numpy(), shares * HOURS_PER_WEEK), index=per_hour.index
    )


def g1_attendance_rostered(
    arrivals: pd.DataFrame, cover: pd.DataFrame, assumptions: Assumptions
) -> float:
    """G1 attendance the rostered shift pattern gives, weighted by G1 arrivals.

    Rostered officers of each hour are shared among areas in proportion to the
    units each needs (from `cover`), then turned into (fractional) units.

    Args:
        arrivals: ``hour_of_week, area, grade, arrivals_per_hour``.
        cover: Output of `response_cover` (units needed by area and hour).
        assumptions: Shift pattern, attendance, response and unit times.

    Returns:
        Share (0-1) of G1 incidents attended within target.
    """
    return g1_attendance_rostered_by_area(arrivals, cover, assumptions)["force"]


def g1_attendance_rostered_by_area(
    arrivals: pd.DataFrame, cover: pd.DataFrame, assumptions: Assumptions
) -> dict[str, float]:
    """G1 attendance on the rostered shift pattern in each area and force-wide.

    As `g1_attendance_rostered` (the same sharing of the roster), each area's
    weighted by its own G1 arrivals.

    Returns:
        Share (0-1) of G1 incidents attended within target by area, and under
        key ``"force"`` over every area (NaN where there are no G1 arrivals).
    """
    a, r, t = assumptions, assumptions.response, assumptions.attendance
    units_per = {"G1": mean_units_per_incident(r.g1_units_per_incident_shares)}
    rostered = np.asarray(a.shift_pattern.officers_by_hour_of_week()) / (
        r.officers_per_unit
    )
    need = cover.pivot(index="hour_of_week", columns="area", values="units")
    share = need.div(need.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    queue = arrivals[arrivals["grade"].isin(QUEUE_GRADES)]
    hits = weights = 0.0
    by_area: dict[str, float] = {}
    for area, group in queue.groupby("area"):
        area_hits = area_weights = 0.0
        table = group.pivot_table(
            index="hour_of_week",
            columns="grade",
            values="arrivals_per_hour",
            aggfunc="sum",
        )
        table = table.reindex(range(HOURS_PER_WEEK), fill_value=0.0).fillna(0.0)
        grades = list(table.columns)
        rates = table.to_numpy()
        # Mean time on task of a unit-job, as `response_cover` takes it.
        jobs_by_grade = rates.sum(axis=0) * [units_per.get(g, 1.0) for g in grades]
        s = sum(
            jobs_by_grade[i] * a.unit_times[g].time_on_task_hours
            for i, g in enumerate(grades)
        ) / max(jobs_by_grade.sum(), 1e-12)
        urban = area in t.urban_areas
        target = t.g1_urban_minutes if urban else t.g1_rural_minutes
        travel = r.g1_travel_urban_minutes if urban else r.g1_travel_rural_minutes
        area_share = (
            share[area].to_numpy() if area in share else np.zeros(HOURS_PER_WEEK)
        )
        g1 = (
            rates[:, grades.index("G1")] if "G1" in grades else np.zeros(HOURS_PER_WEEK)
        )
        for h in range(HOURS_PER_WEEK):
            if g1[h] <= 0:
                continue
            hour = dict(zip(grades, rates[h].tolist(), strict=True))
            hit = g1[h] * g1_attendance(
                rostered[h] * area_share[h],
                hour,
                s,
                target,
                r.dispatch_minutes,
                travel,
                r.travel_sigma,
                r.g1_units_per_incident_shares,
            )
            hits += hit
            weights += g1[h]
            area_hits += hit
            area_weights += g1[h]
        by_area[str(area)] = area_hits / area_weights if area_weights else np.nan
    by_area["force"] = hits / weights if weights else float("nan")
    return by_area
