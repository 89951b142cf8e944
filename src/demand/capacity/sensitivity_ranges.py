"""The assumptions a gap's sensitivity moves, their default ranges, how each moves."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from demand.capacity.assumptions import Assumptions

__all__ = [
    "ASSUMPTION_NAMES",
    "DEFAULT_RELATIVE_RANGES",
    "perturb",
    "relative_ranges",
]

DEFAULT_RELATIVE_RANGES: dict[str, float] = {
    "demand": 0.10,
    "unit_times": 0.15,
    "travel_median": 0.15,
    "travel_spread": 0.11,
    "crewing": 0.10,
    "abstractions": 0.20,
    "sickness": 0.30,
    "productive_hours": 0.05,
    "supervision_ratio": 0.25,
    "patience": 0.50,
    "aht": 0.10,
}
"""Relative half-widths (0.10 = ±10 %) used where the assumptions file gives none.
Judgement, stated so it can be argued with: demand ±10 % (about the spread of four-
year forecasts); unit times ±15 % (derived unit times against the truth of the
synthetic force fall within 10 %); travel ±15 %; travel sigma 0.45 → 0.40-0.50;
sickness ±30 % (5.5 % → 3.9-7.2 %, the NPCC's 5-6 % with its 2022 peak of 9.4 %
beyond; domain notes §3.4); patience ±50 % (rarely measured)."""

ASSUMPTION_NAMES = tuple(DEFAULT_RELATIVE_RANGES)
"""Every assumption the sensitivity moves, in tornado order of the defaults."""


def relative_ranges(assumptions: Assumptions) -> dict[str, float]:
    """The relative half-width of every assumption: the file's, else the default."""
    own = assumptions.sensitivity.relative_range if assumptions.sensitivity else {}
    return {**DEFAULT_RELATIVE_RANGES, **own}


def _scale_unit_times(a: Assumptions, f: float) -> Assumptions:
    def unit(u):  # noqa: ANN001, ANN202 - a UnitTime
        return dataclasses.replace(
            u,
            travel_hours=u.travel_hours * f,
            on_scene_hours=u.on_scene_hours * f,
            follow_up_hours=u.follow_up_hours * f,
        )

    mh = a.mental_health
    mp = a.missing_persons
    return dataclasses.replace(
        a,
        unit_times={k: unit(u) for k, u in a.unit_times.items()},
        unit_times_by_category={
            k: unit(u) for k, u in a.unit_times_by_category.items()
        },
        investigation={
            k: dataclasses.replace(t, hours_per_crime=t.hours_per_crime * f)
            for k, t in a.investigation.items()
        },
        missing_persons=dataclasses.replace(
            mp, hours_per_report={k: v * f for k, v in mp.hours_per_report.items()}
        ),
        mental_health=dataclasses.replace(
            mh,
            hours_per_incident_before_rcrp=mh.hours_per_incident_before_rcrp * f,
            hours_per_incident_after_rcrp=mh.hours_per_incident_after_rcrp * f,
        ),
    )


def _scale_crewing(a: Assumptions, f: float) -> Assumptions:
    def unit(u):  # noqa: ANN001, ANN202 - a UnitTime
        return dataclasses.replace(u, officers_per_incident=u.officers_per_incident * f)

    return dataclasses.replace(
        a,
        unit_times={k: unit(u) for k, u in a.unit_times.items()},
        unit_times_by_category={
            k: unit(u) for k, u in a.unit_times_by_category.items()
        },
        response=dataclasses.replace(
            a.response, officers_per_unit=a.response.officers_per_unit * f
        ),
    )


def _scale_fields(a: Assumptions, f: float, section: str, *names: str) -> Assumptions:
    """Multiply the named figures of one section of the assumptions by ``f``."""
    part = getattr(a, section)
    scaled = {name: getattr(part, name) * f for name in names}
    return dataclasses.replace(a, **{section: dataclasses.replace(part, **scaled)})


def _scale_lines(a: Assumptions, f: float, field: str) -> Assumptions | None:
    lines = {}
    for key, line in a.call_lines.items():
        value = getattr(line, field)
        lines[key] = (
            line if value is None else dataclasses.replace(line, **{field: value * f})
        )
    if lines == a.call_lines:
        return None
    return dataclasses.replace(a, call_lines=lines)


_MOVES: dict[str, tuple[Callable[[Assumptions, float], Assumptions | None], str]] = {
    "unit_times": (_scale_unit_times, "× assumed unit times"),
    "travel_median": (
        lambda a, f: _scale_fields(
            a, f, "response", "g1_travel_urban_minutes", "g1_travel_rural_minutes"
        ),
        "× G1 travel medians",
    ),
    "travel_spread": (
        lambda a, f: _scale_fields(a, f, "response", "travel_sigma"),
        "travel sigma",
    ),
    "crewing": (_scale_crewing, "× officers per incident and per unit"),
    "abstractions": (
        lambda a, f: _scale_fields(
            a,
            f,
            "abstractions",
            "annual_leave_fraction",
            "rest_days_fraction",
            "training_fraction",
            "restricted_duties_fraction",
        ),
        "× leave, training, restricted duties",
    ),
    "sickness": (
        lambda a, f: _scale_fields(a, f, "abstractions", "sickness_fraction"),
        "sickness fraction",
    ),
    "productive_hours": (
        lambda a, f: dataclasses.replace(
            a,
            workforce=dataclasses.replace(
                a.workforce,
                on_duty_productive_fraction=min(
                    1.0, a.workforce.on_duty_productive_fraction * f
                ),
            ),
        ),
        "on-duty productive fraction",
    ),
    "supervision_ratio": (
        lambda a, f: dataclasses.replace(
            a,
            departments={
                k: dataclasses.replace(d, supervision_ratio=d.supervision_ratio * f)
                for k, d in a.departments.items()
            },
        ),
        "× supervision ratios",
    ),
    "patience": (
        lambda a, f: _scale_lines(a, f, "patience_seconds"),
        "× caller patience",
    ),
    "aht": (lambda a, f: _scale_lines(a, f, "aht_seconds"), "× handling times"),
}

_VALUES: dict[str, Callable[[Assumptions], float]] = {
    "travel_spread": lambda a: a.response.travel_sigma,
    "sickness": lambda a: a.abstractions.sickness_fraction,
    "productive_hours": lambda a: a.workforce.on_duty_productive_fraction,
}


def perturb(
    assumptions: Assumptions, name: str, factor: float
) -> tuple[Assumptions | None, float, str]:
    """Move one assumption by ``factor`` (0.9 = 10 % lower).

    Args:
        assumptions: The baseline assumptions.
        name: One of `ASSUMPTION_NAMES` other than "demand".
        factor: Multiplier of the assumption's value(s).

    Returns:
        The changed assumptions (None when the assumption is not used, e.g. no
        call line has a patience), the value at this end (the figure itself for
        single figures, else the factor) and its unit.
    """
    move, unit = _MOVES[name]
    changed = move(assumptions, factor)
    if name in _VALUES and changed is not None:
        return changed, _VALUES[name](changed), unit
    return changed, factor, unit
