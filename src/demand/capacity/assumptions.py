"""Per-force capacity assumptions (TOML) → typed, frozen objects; unknown keys fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from demand.capacity.assumption_checks import (
    AssumptionsError,
    read_assumptions_toml,
    validate_assumptions,
)
from demand.partner.assumptions import PartnerAssumptions
from demand.risk import RiskScheme
from demand.toml_tables import build_frozen

__all__ = [
    "AbstractionRates",
    "Assumptions",
    "AssumptionsError",
    "AttendanceTargets",
    "CallLine",
    "Costs",
    "DepartmentRequirement",
    "MentalHealthTimes",
    "MissingPersonTimes",
    "OffenceTimes",
    "ResponseModel",
    "SensitivityRanges",
    "Shift",
    "ShiftPattern",
    "UnitTime",
    "Workforce",
    "load_assumptions",
    "parse_assumptions",
]

HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class Workforce:
    """Contracted and productive time of one full-time equivalent.

    Args:
        contracted_hours_per_fte_per_year: Paid hours of one FTE a year, after rest
            days (40 h × 52 weeks = 2,080).
        on_duty_productive_fraction: Share (0-1) of on-duty time available for
            demand after briefings, refreshment breaks and travel to base.
        source: Where the figures come from.
        overtime_hours_per_fte_per_year: Paid hours beyond the contract one FTE
            works a year on average (the overtime lever; 0 by default); added to
            the hours on duty, which abstractions do not reduce.
    """

    contracted_hours_per_fte_per_year: float
    on_duty_productive_fraction: float
    source: str
    overtime_hours_per_fte_per_year: float = 0.0


@dataclass(frozen=True)
class AbstractionRates:
    """Shares (0-1) of contracted hours lost to each abstraction."""

    annual_leave_fraction: float
    rest_days_fraction: float
    training_fraction: float
    sickness_fraction: float
    restricted_duties_fraction: float
    source: str

    @property
    def total_fraction(self) -> float:
        """Share (0-1) of contracted hours lost to all abstractions together."""
        return (
            self.annual_leave_fraction
            + self.rest_days_fraction
            + self.training_fraction
            + self.sickness_fraction
            + self.restricted_duties_fraction
        )


@dataclass(frozen=True)
class UnitTime:
    """Time on task of one incident of a grade (or an opening category).

    Args:
        travel_hours: Dispatch to arrival, hours.
        on_scene_hours: Arrival to clear, hours.
        follow_up_hours: Officer hours after clearing (statements, crime report).
        officers_per_incident: Mean officers deployed (crewing).
        department: Department whose workload the incident is.
        source: Where the figures come from.
    """

    travel_hours: float
    on_scene_hours: float
    follow_up_hours: float
    officers_per_incident: float
    department: str
    source: str

    @property
    def time_on_task_hours(self) -> float:
        """Dispatch to clear, hours (travel plus on scene)."""
        return self.travel_hours + self.on_scene_hours

    @property
    def officer_hours_per_incident(self) -> float:
        """Officer hours of one deployed incident: crewed time on task + follow-up."""
        return (
            self.time_on_task_hours * self.officers_per_incident + self.follow_up_hours
        )


@dataclass(frozen=True)
class OffenceTimes:
    """Investigation hours of one recorded crime of an offence group."""

    hours_per_crime: float
    department: str
    source: str


@dataclass(frozen=True)
class MissingPersonTimes:
    """Officer hours per missing-person report by risk (keys as in `MISSING_RISKS`)."""

    hours_per_report: dict[str, float]
    department: str
    source: str


@dataclass(frozen=True)
class MentalHealthTimes:
    """Officer hours per mental-health incident before and after RCRP went live.

    Hours are per incident reported (attended or not), so they carry the fall in
    attendance as well as in time at scene. A force without RCRP leaves out
    `rcrp_date` (None): every period then uses the "after" hours, and partner
    demand says that no hours returned are measured.
    """

    hours_per_incident_before_rcrp: float
    hours_per_incident_after_rcrp: float
    department: str
    source: str
    rcrp_date: date | None = None


@dataclass(frozen=True)
class CallLine:
    """Handling time and answer target of one call line (999 or 101).

    Args:
        aht_seconds: Average handling time (talk plus wrap-up), seconds.
        target_seconds: Answer-time target, seconds.
        service_level: Share (0-1) of offered calls to answer within the target.
        source: Where the figures come from.
        patience_seconds: Mean caller patience, seconds; Erlang A when given.
        max_abandon_fraction: Largest share (0-1) of callers a sizing may let
            abandon (Erlang A only; 5 % by default).
        max_occupancy_fraction: Optional cap (0-1] on agents' occupancy.
    """

    aht_seconds: float
    target_seconds: float
    service_level: float
    source: str
    patience_seconds: float | None = None
    max_abandon_fraction: float = 0.05
    max_occupancy_fraction: float | None = None


@dataclass(frozen=True)
class AttendanceTargets:
    """Attendance standards, measured from the incident's creation to arrival."""

    g1_urban_minutes: float
    g1_rural_minutes: float
    g2_minutes: float
    compliance_fraction: float
    urban_areas: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class ResponseModel:
    """Figures of the response-cover queueing model (see `response.py`).

    Args:
        dispatch_minutes: Creation to dispatch when a unit is free.
        g1_travel_urban_minutes: Median G1 travel time in urban areas.
        g1_travel_rural_minutes: Median G1 travel time in rural areas.
        travel_sigma: Log-sd of the lognormal travel time (0 = fixed).
        officers_per_unit: Mean crew of a response unit.
        source: Where the figures come from.
        g1_units_per_incident_shares: Shares (summing to 1) of G1 incidents
            needing 1, 2, 3, ... units; the mean × ``officers_per_unit`` should
            be the G1 officers per incident. Default: one unit each.
        queue_allowance_fraction: Smallest share (0-1) of G1s the queue may make
            late: where dispatch and travel alone leave less headroom above the
            standard, cover is sized for the travel-only attendance less this and
            flagged, instead of growing without bound (0 = no allowance).
    """

    dispatch_minutes: float
    g1_travel_urban_minutes: float
    g1_travel_rural_minutes: float
    travel_sigma: float
    officers_per_unit: float
    source: str
    g1_units_per_incident_shares: tuple[float, ...] = (1.0,)
    queue_allowance_fraction: float = 0.0


@dataclass(frozen=True)
class Costs:
    """Cost of one FTE a year by department, GBP (used where the establishment
    table gives no cost)."""

    cost_per_fte_gbp: dict[str, float]
    source: str


@dataclass(frozen=True)
class DepartmentRequirement:
    """What a department needs beyond the hours of its recorded demand.

    Required FTE = (demand FTE ÷ demand_share + posts + fixed FTE) ×
    (1 + supervision_ratio); see `demand.capacity.requirement`.

    Args:
        source: Where the figures come from.
        demand_share: Share (0-1] of productive hours spent on the recorded
            demand (incidents, crimes, reports, calls); the rest is work no stream
            records (proactive patrol, problem solving, case admin, other contact
            channels, rostering slack). Not applied to response cover, whose idle
            time already absorbs such work.
        posts_24x7: Posts staffed around the clock whatever the demand (e.g.
            dispatch desks); each needs 8,766 h ÷ available hours of one FTE
            (5.27 FTE at 2,080 h and 20 % abstraction).
        fixed_fte: People committed by policy whatever the demand (e.g. one
            ward officer per ward), as present on duty; each needs
            1 / (1 - abstractions) FTE, like any post.
        supervision_ratio: Supervisors per FTE of all the above (spans of control
            1:7 sergeants and 1:5 inspectors per sergeant give 1/7 + 1/35 = 0.171).
    """

    source: str
    demand_share: float = 1.0
    posts_24x7: float = 0.0
    fixed_fte: float = 0.0
    supervision_ratio: float = 0.0


@dataclass(frozen=True)
class Shift:
    """One daily shift: starts at a local hour, lasts some hours, has officers."""

    start_hour: int
    length_hours: int
    officers: float
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class ShiftPattern:
    """Response officers rostered on duty, force-wide.

    Give either `officers_on_duty_by_hour_of_week` (168 values, Monday 00:00 first)
    or `shifts`; the shifts are summed hour by hour.
    """

    source: str
    officers_on_duty_by_hour_of_week: tuple[float, ...] = ()
    shifts: tuple[Shift, ...] = ()

    def officers_by_hour_of_week(self) -> tuple[float, ...]:
        """Officers rostered on duty in each of the 168 hours of the week."""
        if self.officers_on_duty_by_hour_of_week:
            return self.officers_on_duty_by_hour_of_week
        out = [0.0] * HOURS_PER_WEEK
        for shift in self.shifts:
            for day in shift.days:
                for k in range(shift.length_hours):
                    out[(day * 24 + shift.start_hour + k) % HOURS_PER_WEEK] += (
                        shift.officers
                    )
        return tuple(out)


@dataclass(frozen=True)
class SensitivityRanges:
    """How far each assumption may be off, for the sensitivity of the gaps.

    Args:
        source: Where the ranges come from.
        relative_range: Relative half-width (0.10 = ±10 %) by assumption name
            (`demand.capacity.sensitivity_ranges.ASSUMPTION_NAMES`); names not
            given keep the built-in ranges.
    """

    source: str
    relative_range: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Assumptions:
    """Every capacity assumption of one force. Build with `load_assumptions`.

    Args:
        force: Force name.
        workforce: Contracted hours and on-duty productivity.
        abstractions: Abstraction rates.
        unit_times: Unit time by grade (G1..G4, RWD).
        unit_times_by_category: Optional unit time by opening category.
        investigation: Investigation hours by offence group; key "default" is used
            for groups not listed.
        missing_persons: Hours per missing-person report by risk.
        mental_health: Hours per mental-health incident before and after RCRP.
        call_lines: Handling and answer targets by line ("999", "101").
        attendance: Attendance standards.
        response: Response-cover model figures.
        costs: Cost of one FTE a year by department, GBP.
        shift_pattern: Response officers rostered by hour of week.
        departments: Work beyond recorded demand, posts and supervision by
            department (optional `[departments.<name>]` tables; a department not
            listed needs its demand hours only).
        risk: The risk matrix that grades FMS risks (optional `[risk]` table;
            a 5×5 default otherwise).
        partner: Partner demand: the agency map and the RCRP counterfactual's
            settings (optional `[partner]` table; no agency map otherwise).
        sensitivity: Optional `[sensitivity]` ranges of the assumptions.
        path: The file it was loaded from (not part of the file).
    """

    force: str
    workforce: Workforce
    abstractions: AbstractionRates
    unit_times: dict[str, UnitTime]
    investigation: dict[str, OffenceTimes]
    missing_persons: MissingPersonTimes
    mental_health: MentalHealthTimes
    call_lines: dict[str, CallLine]
    attendance: AttendanceTargets
    response: ResponseModel
    costs: Costs
    shift_pattern: ShiftPattern
    unit_times_by_category: dict[str, UnitTime] = field(default_factory=dict)
    departments: dict[str, DepartmentRequirement] = field(default_factory=dict)
    risk: RiskScheme = field(default_factory=RiskScheme)
    partner: PartnerAssumptions = field(default_factory=PartnerAssumptions)
    sensitivity: SensitivityRanges | None = None
    path: Path | None = None

    def __post_init__(self) -> None:
        validate_assumptions(self)


def _build(cls: type, data: dict[str, Any], path: Path | None, where: str) -> Any:
    """Build a frozen dataclass from a TOML table; errors are `AssumptionsError`."""
    return build_frozen(cls, data, path, where, AssumptionsError)


def parse_assumptions(data: dict[str, Any], path: Path | None = None) -> Assumptions:
    """Build `Assumptions` from a parsed TOML document.

    Raises:
        AssumptionsError: A key is unknown or missing, or a value has the wrong
            type or range; the message names the file and the key.
    """
    return _build(Assumptions, data, path, "")


def load_assumptions(path: str | Path) -> Assumptions:
    """Load a force's assumptions TOML file (see `docs/assumptions.md`).

    Args:
        path: The file, e.g. `pipelines/assumptions/northshire.toml`.

    Returns:
        The frozen assumptions, with `path` set.

    Raises:
        AssumptionsError: The file is missing or unreadable, a key is unknown or
            missing, or a value is out of range; the message names file and key.
    """
    path = Path(path)
    return parse_assumptions(read_assumptions_toml(path), path)
