"""Modelled service under today's establishment: call answering and G1 attendance.

The FMS grade asks "can the force meet demand to standard with the people it has?",
so service is modelled with today's establishment held flat, not with the staff the
forecast needs (which meets every target by construction).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from demand.capacity.assumptions import Assumptions, DepartmentRequirement
from demand.capacity.call_handling import HOURS_PER_WEEK, agents_for_loads
from demand.capacity.control_room import size_control_room
from demand.capacity.service import calls_per_hour_of_week
from demand.capacity.workload import fte_per_post, productive_hours_per_fte
from demand.periods import FINANCIAL_YEAR_START_MONTH

__all__ = ["SERVICE_COLUMNS", "attach_service", "call_service_today"]

SERVICE_COLUMNS = ("service_level", "service_standard", "service_measure")
"""Capacity-table columns of modelled service: achieved (0-1), standard (0-1),
and what is measured."""

_HOURS_PER_YEAR = 8766.0


def _on_phone_fte(
    establishment_fte: float, hours: pd.DataFrame, assumptions: Assumptions
) -> float:
    """FTE of today's control-room establishment free to answer calls.

    The inverse of `full_requirement`: take off supervision, then the 24/7 posts
    and fixed FTE, keep the demand share, then the share of the control room's
    demand hours that are call handling (the rest is e.g. the resolution desk).
    """
    spec = assumptions.departments.get(
        "control_room", DepartmentRequirement(source="demand hours only")
    )
    per_post = fte_per_post(
        _HOURS_PER_YEAR,
        assumptions.workforce.contracted_hours_per_fte_per_year,
        1.0 - assumptions.abstractions.total_fraction,
    )
    fixed = spec.posts_24x7 * per_post + spec.fixed_fte
    demand_fte = max(0.0, establishment_fte / (1.0 + spec.supervision_ratio) - fixed)
    room = hours[hours["department"] == "control_room"]
    total = float(room["hours_mean"].sum())
    calls = float(room.loc[room["method"] == "erlang", "hours_mean"].sum())
    phones = calls / total if total > 0 else 0.0
    return demand_fte * spec.demand_share * phones


def _served(calls: float, agents: float, line: str, a: Assumptions) -> float:
    """Service level of one hour's calls with (fractional) agents: linear between
    the whole numbers of agents either side."""
    if calls <= 0:
        return 1.0
    spec = a.call_lines[line]

    def level(n: int) -> float:
        return size_control_room(
            calls,
            60.0,
            spec.aht_seconds,
            spec.target_seconds,
            spec.service_level,
            patience_seconds=spec.patience_seconds,
            agents=n,
        ).service_level

    low = math.floor(agents)
    weight = agents - low
    out = level(low)
    return out if weight == 0 else (1 - weight) * out + weight * level(low + 1)


def recorded_service(
    call_waits: pd.DataFrame | None, line: str, a: Assumptions
) -> float:
    """Share of a line's recorded calls answered within its target (NaN if none).

    Args:
        call_waits: `CapacityInputs.call_waits` (``line, wait_seconds, offered,
            answered``; waits rounded up to whole seconds).
        line: The call line.
        a: The assumptions (the line's target).
    """
    if call_waits is None or call_waits.empty:
        return math.nan
    rows = call_waits[call_waits["line"].astype(str) == line]
    offered = float(rows["offered"].sum())
    if offered <= 0:
        return math.nan
    target = a.call_lines[line].target_seconds
    answered = float(rows.loc[rows["wait_seconds"] <= target, "answered"].sum())
    return answered / offered


def _level(calls: np.ndarray, agents: np.ndarray, line: str, a: Assumptions) -> float:
    """Call-weighted service level of a week of hours."""
    if calls.sum() <= 0:
        return 1.0
    levels = [
        _served(float(c), float(n), line, a) for c, n in zip(calls, agents, strict=True)
    ]
    return float(np.average(levels, weights=calls))


def _scale_for(
    target: float, calls: np.ndarray, needed: np.ndarray, line: str, a: Assumptions
) -> float:
    """The share of the needed agents that gives ``target`` service (bisection)."""
    low, high = 0.0, 1.0
    while _level(calls, needed * high, line, a) < target and high < 8.0:
        high *= 2.0
    for _ in range(24):
        middle = (low + high) / 2
        if _level(calls, needed * middle, line, a) < target:
            low = middle
        else:
            high = middle
    return high


def call_service_today(
    hours: pd.DataFrame,
    call_profiles: Mapping[str, Sequence[float]],
    establishment_fte: float,
    assumptions: Assumptions,
    call_waits: pd.DataFrame | None = None,
    start_month: int = FINANCIAL_YEAR_START_MONTH,
) -> pd.DataFrame:
    """Share of each line's calls answered within target, per year, with today's staff.

    Today's control-room establishment gives the agent hours a week on the phones
    (`_on_phone_fte` × productive hours); they are placed over the hours of the
    week and the lines in proportion to what the first forecast year needs (an
    ideal roster, the best today's people can do). Where the calls of the window
    are recorded, the staffing that reproduces the recorded service (e.g. 77.6 %
    of 999 calls in 10 s) is found too, and the lower of the two is held flat:
    the record shows how today's people are actually rostered and deployed. Each
    hour is then evaluated (Erlang C, or A with a patience) against each year's
    calls.

    Args:
        hours: Output of `line_hours` (call lines have ``method == "erlang"``).
        call_profiles: Share of a week's calls per hour of week, by line.
        establishment_fte: The control room's establishment today, FTE.
        assumptions: Call lines, departments, workforce and abstractions.
        call_waits: Recorded waits of the window (`CapacityInputs.call_waits`).
        start_month: Month (1-12) financial years start in.

    Returns:
        ``financial_year, line, service_level, service_standard, staffing``
        (``establishment`` or ``as recorded``: which held), one row per year and
        call line; empty without call lines.
    """
    lines = sorted(set(hours.loc[hours["method"] == "erlang", "key"]))
    columns = [
        "financial_year",
        "line",
        "service_level",
        "service_standard",
        "staffing",
    ]
    if not lines or not math.isfinite(establishment_fte):
        return pd.DataFrame(columns=columns)
    calls = {
        k: calls_per_hour_of_week(hours, call_profiles.get(k), k, start_month)
        for k in lines
    }
    first = {
        k: c.iloc[0].to_numpy() * assumptions.call_lines[k].aht_seconds / 3600.0
        for k, c in calls.items()
    }
    needed = {
        k: agents_for_loads(load, assumptions.call_lines[k])
        for k, load in first.items()
    }
    weekly_need = float(sum(n.sum() for n in needed.values()))
    fte = _on_phone_fte(establishment_fte, hours, assumptions)
    weekly_have = (
        fte * productive_hours_per_fte(assumptions) * HOURS_PER_WEEK / (_HOURS_PER_YEAR)
    )
    scale = weekly_have / weekly_need if weekly_need > 0 else 0.0
    rows = []
    for k in lines:
        line_scale, staffing = scale, "establishment"
        recorded = recorded_service(call_waits, k, assumptions)
        today = calls[k].iloc[0].to_numpy()
        if math.isfinite(recorded) and recorded < _level(
            today, needed[k] * scale, k, assumptions
        ):
            line_scale = _scale_for(recorded, today, needed[k], k, assumptions)
            staffing = "as recorded"
        agents = needed[k] * line_scale
        for fy, row in calls[k].iterrows():
            rows.append(
                {
                    "financial_year": fy,
                    "line": k,
                    "service_level": _level(row.to_numpy(), agents, k, assumptions),
                    "service_standard": assumptions.call_lines[k].service_level,
                    "staffing": staffing,
                }
            )
    return pd.DataFrame(rows, columns=columns)


def attach_service(
    capacity: pd.DataFrame,
    hours: pd.DataFrame,
    call_profiles: Mapping[str, Sequence[float]],
    assumptions: Assumptions,
    call_waits: pd.DataFrame | None = None,
    start_month: int = FINANCIAL_YEAR_START_MONTH,
) -> pd.DataFrame:
    """Give every row of a department with a service standard its modelled service.

    Control room: the call line furthest below its target, with today's
    establishment (`call_service_today`). Response: G1 attendance with the
    rostered shift pattern (the cover rows' ``service_level``), given to the
    department's workload rows too, as it is the department's service whichever
    basis binds.

    Args:
        capacity: Rows of `capacity_gaps` (``department, financial_year, basis,
            establishment_fte, service_level`` ...).
        hours: Output of `line_hours` for the same run.
        call_profiles: Share of a week's calls per hour of week, by line.
        assumptions: The force's assumptions.
        call_waits: Recorded waits of the window (`CapacityInputs.call_waits`).
        start_month: Month (1-12) financial years start in.

    Returns:
        ``capacity`` with `SERVICE_COLUMNS` set (NaN/None where not modelled).
    """
    out = capacity.copy()
    out["service_standard"] = np.nan
    out["service_measure"] = None
    response = out["department"].eq("response")
    cover = out.loc[response & out["basis"].eq("cover")]
    if len(cover):
        by_year = cover.set_index("financial_year")["service_level"]
        out.loc[response, "service_level"] = out.loc[response, "financial_year"].map(
            by_year
        )
        out.loc[response, "service_standard"] = (
            assumptions.attendance.compliance_fraction
        )
        out.loc[response, "service_measure"] = "G1 attended within target (rostered)"
    room = out["department"].eq("control_room")
    if room.any():
        today = out.loc[room].sort_values("financial_year")["establishment_fte"]
        service = call_service_today(
            hours,
            call_profiles,
            float(today.iloc[0]),
            assumptions,
            call_waits,
            start_month,
        )
        if len(service):
            service["shortfall"] = (
                service["service_standard"] - service["service_level"]
            )
            worst = service.sort_values("shortfall").drop_duplicates(
                "financial_year", keep="last"
            )
            worst = worst.set_index("financial_year")
            years = out.loc[room, "financial_year"]
            out.loc[room, "service_level"] = years.map(worst["service_level"])
            out.loc[room, "service_standard"] = years.map(worst["service_standard"])
            measure = worst.apply(
                lambda r: (
                    f"{r['line']} calls answered within "
                    f"{assumptions.call_lines[r['line']].target_seconds:.0f} s "
                    f"(staffing {r['staffing']})"
                ),
                axis=1,
            )
            out.loc[room, "service_measure"] = years.map(measure)
    return out
