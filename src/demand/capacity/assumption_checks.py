"""Range and closed-set checks of a force's capacity assumptions."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demand.config import ConfigError
from demand.schemas import DEPARTMENTS, GRADES, MISSING_RISKS

if TYPE_CHECKING:
    from demand.capacity.assumptions import Assumptions, ShiftPattern

__all__ = [
    "AssumptionsError",
    "check_urban_areas",
    "read_assumptions_toml",
    "validate_assumptions",
]


class AssumptionsError(ConfigError):
    """An assumptions file is missing, unreadable or holds a bad value."""


def read_assumptions_toml(path: Path) -> dict[str, Any]:
    """Read an assumptions or scenario TOML file.

    Raises:
        AssumptionsError: The file is missing or not valid TOML; the message
            names the file.
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssumptionsError(f"{path}: file not found; check the path") from None
    except tomllib.TOMLDecodeError as error:
        raise AssumptionsError(f"{path}: not valid TOML ({error})") from None


HOURS_PER_WEEK = 168  # not call_handling's: it imports assumptions, which import us
_UNIT_TIME_FIGURES = (
    "travel_hours",
    "on_scene_hours",
    "follow_up_hours",
    "officers_per_incident",
)
_RESPONSE_FIGURES = (
    "dispatch_minutes",
    "g1_travel_urban_minutes",
    "g1_travel_rural_minutes",
    "travel_sigma",
)

_DEPARTMENT_FIGURES = ("posts_24x7", "fixed_fte", "supervision_ratio")


def _error(path: Path | None, key: str, problem: str) -> AssumptionsError:
    return AssumptionsError(f"{path or '<assumptions>'}: {key}: {problem}")


def _check_fraction(
    path: Path | None, key: str, value: float, upper_open=False
) -> None:
    if not (0.0 <= value < 1.0 if upper_open else 0.0 <= value <= 1.0):
        bound = "[0, 1)" if upper_open else "[0, 1]"
        raise _error(path, key, f"expected a fraction in {bound}; found {value!r}")


def _check_positive(path: Path | None, key: str, value: float, strict=False) -> None:
    if value < 0 or (strict and value == 0):
        rule = "> 0" if strict else ">= 0"
        raise _error(path, key, f"expected a number {rule}; found {value!r}")


def _check_fields_positive(
    path: Path | None, key: str, section: object, names: Iterable[str], strict=False
) -> None:
    """`_check_positive` on each named field of one section, keyed ``key.name``."""
    for name in names:
        _check_positive(path, f"{key}.{name}", getattr(section, name), strict)


def _check_department(path: Path | None, key: str, value: str) -> None:
    if value not in DEPARTMENTS:
        raise _error(
            path, key, f"expected one of {', '.join(DEPARTMENTS)}; found {value!r}"
        )


def validate_assumptions(a: Assumptions) -> None:
    """Check ranges and closed sets of loaded assumptions.

    Raises:
        AssumptionsError: A value is out of range; names the file and the key.
    """
    p = a.path
    w = a.workforce
    _check_positive(
        p,
        "workforce.contracted_hours_per_fte_per_year",
        w.contracted_hours_per_fte_per_year,
        strict=True,
    )
    _check_positive(
        p,
        "workforce.overtime_hours_per_fte_per_year",
        w.overtime_hours_per_fte_per_year,
    )
    _check_fraction(
        p, "workforce.on_duty_productive_fraction", w.on_duty_productive_fraction
    )
    for f in dataclasses.fields(a.abstractions):
        if f.name.endswith("_fraction"):
            _check_fraction(
                p, f"abstractions.{f.name}", getattr(a.abstractions, f.name)
            )
    _check_fraction(p, "abstractions", a.abstractions.total_fraction, upper_open=True)
    missing = [g for g in GRADES if g not in a.unit_times]
    extra = [g for g in a.unit_times if g not in GRADES]
    if missing or extra:
        raise _error(
            p,
            "unit_times",
            f"expected grades {', '.join(GRADES)}; missing {missing}, unknown {extra}",
        )
    tables = {
        **{f"unit_times.{g}": u for g, u in a.unit_times.items()},
        **{
            f"unit_times_by_category.{c}": u
            for c, u in a.unit_times_by_category.items()
        },
    }
    for key, u in tables.items():
        _check_fields_positive(p, key, u, _UNIT_TIME_FIGURES)
        _check_department(p, f"{key}.department", u.department)
    for group, o in a.investigation.items():
        _check_positive(p, f"investigation.{group}.hours_per_crime", o.hours_per_crime)
        _check_department(p, f"investigation.{group}.department", o.department)
    m = a.missing_persons
    if sorted(m.hours_per_report) != sorted(MISSING_RISKS):
        raise _error(
            p,
            "missing_persons.hours_per_report",
            f"expected risks {', '.join(MISSING_RISKS)}; "
            f"found {', '.join(m.hours_per_report)}",
        )
    for risk, hours in m.hours_per_report.items():
        _check_positive(p, f"missing_persons.hours_per_report.{risk}", hours)
    _check_department(p, "missing_persons.department", m.department)
    h = a.mental_health
    _check_positive(
        p,
        "mental_health.hours_per_incident_before_rcrp",
        h.hours_per_incident_before_rcrp,
    )
    _check_positive(
        p,
        "mental_health.hours_per_incident_after_rcrp",
        h.hours_per_incident_after_rcrp,
    )
    _check_department(p, "mental_health.department", h.department)
    for line, c in a.call_lines.items():
        _check_positive(p, f"call_lines.{line}.aht_seconds", c.aht_seconds, strict=True)
        _check_positive(p, f"call_lines.{line}.target_seconds", c.target_seconds)
        if not 0 < c.service_level < 1:
            raise _error(
                p,
                f"call_lines.{line}.service_level",
                f"expected a fraction in (0, 1); found {c.service_level!r}",
            )
        if c.patience_seconds is not None:
            _check_positive(
                p,
                f"call_lines.{line}.patience_seconds",
                c.patience_seconds,
                strict=True,
            )
        if not 0 < c.max_abandon_fraction <= 1:
            raise _error(
                p,
                f"call_lines.{line}.max_abandon_fraction",
                f"expected a fraction in (0, 1]; found {c.max_abandon_fraction!r}",
            )
        cap = c.max_occupancy_fraction
        if cap is not None and not 0 < cap <= 1:
            raise _error(
                p,
                f"call_lines.{line}.max_occupancy_fraction",
                f"expected a fraction in (0, 1]; found {cap!r}",
            )
    t = a.attendance
    _check_fields_positive(
        p, "attendance", t, ("g1_urban_minutes", "g1_rural_minutes", "g2_minutes"), True
    )
    if not 0 < t.compliance_fraction < 1:
        raise _error(
            p,
            "attendance.compliance_fraction",
            f"expected a fraction in (0, 1); found {t.compliance_fraction!r}",
        )
    r = a.response
    _check_fields_positive(p, "response", r, _RESPONSE_FIGURES)
    _check_positive(p, "response.officers_per_unit", r.officers_per_unit, strict=True)
    _check_fraction(p, "response.queue_allowance_fraction", r.queue_allowance_fraction)
    crewing = r.g1_units_per_incident_shares
    if (
        not crewing
        or any(not 0 <= v <= 1 for v in crewing)
        or abs(sum(crewing) - 1) > 1e-6
    ):
        raise _error(
            p,
            "response.g1_units_per_incident_shares",
            f"expected shares in [0, 1] summing to 1; found {list(crewing)!r}",
        )
    for dept, cost in a.costs.cost_per_fte_gbp.items():
        _check_department(p, f"costs.cost_per_fte_gbp.{dept}", dept)
        _check_positive(p, f"costs.cost_per_fte_gbp.{dept}", cost)
    for dept, d in a.departments.items():
        key = f"departments.{dept}"
        _check_department(p, key, dept)
        if not 0 < d.demand_share <= 1:
            raise _error(
                p,
                f"{key}.demand_share",
                f"expected a fraction in (0, 1]; found {d.demand_share!r}",
            )
        _check_fields_positive(p, key, d, _DEPARTMENT_FIGURES)
    _validate_shifts(a.shift_pattern, p)
    if a.sensitivity is not None:
        from demand.capacity.sensitivity_ranges import ASSUMPTION_NAMES

        for name, width in a.sensitivity.relative_range.items():
            key = f"sensitivity.relative_range.{name}"
            if name not in ASSUMPTION_NAMES:
                raise _error(
                    p,
                    key,
                    f"expected one of {', '.join(ASSUMPTION_NAMES)}; found {name!r}",
                )
            if not 0 <= width < 1:
                raise _error(p, key, f"expected a fraction in [0, 1); found {width!r}")


def _validate_shifts(s: ShiftPattern, p: Path | None) -> None:
    by_hour, shifts = s.officers_on_duty_by_hour_of_week, s.shifts
    if bool(by_hour) == bool(shifts):
        raise _error(
            p,
            "shift_pattern",
            "give exactly one of "
            "officers_on_duty_by_hour_of_week (168 values) or shifts",
        )
    if by_hour and len(by_hour) != HOURS_PER_WEEK:
        raise _error(
            p,
            "shift_pattern.officers_on_duty_by_hour_of_week",
            f"expected 168 values; found {len(by_hour)}",
        )
    for i, shift in enumerate(shifts):
        key = f"shift_pattern.shifts[{i}]"
        if not 0 <= shift.start_hour <= 23 or not 1 <= shift.length_hours <= 24:
            raise _error(p, key, "expected start_hour 0-23 and length_hours 1-24")
        if shift.officers < 0 or any(not 0 <= d <= 6 for d in shift.days):
            raise _error(p, key, "expected officers >= 0 and days 0 (Mon)-6 (Sun)")


def check_urban_areas(a: Assumptions, areas: Iterable[str]) -> None:
    """Check every `attendance.urban_areas` name is an area of the data.

    A misspelt name silently made its area rural (a 20-minute G1 target instead
    of 15), so an unknown name is a configuration error that names it.

    Args:
        a: The force's assumptions.
        areas: The areas the store's incidents hold; nothing is checked when
            there are none (e.g. no area level).

    Raises:
        AssumptionsError: Names the unknown areas and the known ones.
    """
    known = sorted(set(areas))
    unknown = [name for name in a.attendance.urban_areas if name not in known]
    if known and unknown:
        raise _error(
            a.path,
            "attendance.urban_areas",
            f"{', '.join(unknown)} not among the data's areas "
            f"({', '.join(known)}); fix the names",
        )
