"""Named what-if scenarios layered on the baseline lines, never changing them."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from demand.capacity.assumption_checks import read_assumptions_toml
from demand.capacity.assumptions import (
    AbstractionRates,
    Assumptions,
    AssumptionsError,
    ShiftPattern,
)
from demand.capacity.workload import QUANTILES
from demand.toml_tables import build_frozen

__all__ = [
    "CallLineChange",
    "DemandChange",
    "Divert",
    "ExtraWork",
    "Scenario",
    "UnitTimeChange",
    "apply_scenario",
    "compare_scenarios",
    "load_scenario",
    "on_binding_basis",
    "scale_arrivals",
]

logger = logging.getLogger(__name__)
_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class DemandChange:
    """Scale demand of matching lines from a date: multiplier × (1 + growth)^years.

    Args:
        stream: Stream name, or "*" for every stream.
        key: Level value within the stream ("G1", "999", "Shoplifting", "high");
            "" for every line of the stream.
        start_date: First day the change applies.
        multiplier: Step change in demand (0.9 = −10 %).
        growth_per_year: Compound growth per year from `start_date` (0.01 = 1 %).
        area: Area whose response arrivals change ("" = all); hourly cover only.
        source: Why.
    """

    stream: str
    start_date: date
    source: str
    key: str = ""
    multiplier: float = 1.0
    growth_per_year: float = 0.0
    area: str = ""


@dataclass(frozen=True)
class Divert:
    """Send a fraction of matching demand elsewhere from a date.

    The diverted items leave the police (``to_department`` "") or become work of
    ``to_department`` at ``hours_per_item`` (e.g. 101 calls overflowing to an
    online desk).
    """

    stream: str
    start_date: date
    fraction: float
    source: str
    key: str = ""
    to_department: str = ""
    hours_per_item: float = 0.0


@dataclass(frozen=True)
class ExtraWork:
    """Add work in a department for a fraction of matching demand (e.g. attend
    every burglary: the share not attended today × hours per attendance)."""

    stream: str
    start_date: date
    fraction: float
    department: str
    hours_per_item: float
    source: str
    key: str = ""


@dataclass(frozen=True)
class UnitTimeChange:
    """Multiply the unit hours of matching (non-call) lines from a date."""

    stream: str
    start_date: date
    multiplier: float
    source: str
    key: str = ""


@dataclass(frozen=True)
class CallLineChange:
    """New handling time or answer target of a call line, for the whole horizon."""

    source: str
    aht_seconds: float | None = None
    target_seconds: float | None = None
    service_level: float | None = None


@dataclass(frozen=True)
class Scenario:
    """A named what-if, as read from `pipelines/scenarios/<name>.toml`."""

    name: str
    description: str
    demand: tuple[DemandChange, ...] = ()
    divert: tuple[Divert, ...] = ()
    extra_work: tuple[ExtraWork, ...] = ()
    unit_hours: tuple[UnitTimeChange, ...] = ()
    abstractions: dict[str, float] = dataclasses.field(default_factory=dict)
    call_lines: dict[str, CallLineChange] = dataclasses.field(default_factory=dict)
    shift_pattern: ShiftPattern | None = None
    path: Path | None = None


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario TOML file (see `docs/assumptions.md`, "Scenarios").

    Raises:
        AssumptionsError: Missing file, bad TOML, an unknown or missing key or a
            bad value; the message names the file and the key.
    """
    path = Path(path)
    data = read_assumptions_toml(path)
    scenario = build_frozen(Scenario, data, path, "", AssumptionsError)
    names = {f.name for f in dataclasses.fields(AbstractionRates)} - {"source"}
    for key, value in scenario.abstractions.items():
        if key not in names:
            raise AssumptionsError(
                f"{path}: abstractions.{key}: unknown key; "
                f"expected one of: {', '.join(sorted(names))}"
            )
        if not 0 <= value < 1:
            raise AssumptionsError(
                f"{path}: abstractions.{key}: expected a fraction "
                f"in [0, 1); found {value!r}"
            )
    for i, item in enumerate((*scenario.divert, *scenario.extra_work)):
        if not 0 <= item.fraction <= 1:
            raise AssumptionsError(
                f"{path}: divert/extra_work[{i}].fraction: "
                f"expected 0-1; found {item.fraction!r}"
            )
    return scenario


def _matches(lines: pd.DataFrame, stream: str, key: str) -> pd.Series:
    hit = lines["stream"].eq(stream) if stream != "*" else lines["stream"].notna()
    return hit & (lines["key"].eq(key) if key else True)


def _years_since(ds: pd.Series, start: date) -> np.ndarray:
    return ((ds - pd.Timestamp(start)).dt.days / _DAYS_PER_YEAR).to_numpy()


def _scale(lines: pd.DataFrame, factor: np.ndarray) -> pd.DataFrame:
    return lines.assign(**{q: lines[q] * factor for q in QUANTILES})


def apply_scenario(
    lines: pd.DataFrame, assumptions: Assumptions, scenario: Scenario
) -> tuple[pd.DataFrame, Assumptions]:
    """Layer a scenario on baseline demand lines and assumptions.

    Pure: the arguments are never changed; new objects are returned. Order:
    demand changes, diversions, extra work, unit-time changes; abstraction, call
    line and shift pattern overrides replace the baseline's.

    Args:
        lines: Output of `demand.capacity.workload.demand_lines`.
        assumptions: The baseline assumptions.
        scenario: The scenario.

    Returns:
        ``(lines, assumptions)`` for the scenario, to pass to ``line_hours``.
    """
    out = lines.copy()
    for change in scenario.demand:
        hit = _matches(out, change.stream, change.key)
        hit &= out["ds"] >= pd.Timestamp(change.start_date)
        years = np.clip(_years_since(out["ds"], change.start_date), 0, None)
        factor = change.multiplier * (1 + change.growth_per_year) ** years
        out = _scale(out, np.where(hit, factor, 1.0))
    added = []
    for item in scenario.divert:
        hit = _matches(out, item.stream, item.key)
        hit &= out["ds"] >= pd.Timestamp(item.start_date)
        if item.to_department:
            moved = _scale(out[hit], np.full(int(hit.sum()), item.fraction))
            added.append(
                moved.assign(
                    line="diverted/" + moved["line"],
                    department=item.to_department,
                    method="linear",
                    unit_hours=item.hours_per_item,
                )
            )
        out = _scale(out, np.where(hit, 1 - item.fraction, 1.0))
    for work in scenario.extra_work:
        hit = _matches(out, work.stream, work.key)
        hit &= out["ds"] >= pd.Timestamp(work.start_date)
        extra = _scale(out[hit], np.full(int(hit.sum()), work.fraction))
        added.append(
            extra.assign(
                line="extra/" + extra["line"],
                department=work.department,
                method="linear",
                unit_hours=work.hours_per_item,
            )
        )
    if added:
        out = pd.concat([out, *added], ignore_index=True)
    for unit in scenario.unit_hours:
        hit = _matches(out, unit.stream, unit.key) & out["method"].eq("linear")
        hit &= out["ds"] >= pd.Timestamp(unit.start_date)
        out["unit_hours"] = np.where(
            hit, out["unit_hours"] * unit.multiplier, out["unit_hours"]
        )
    new = assumptions
    if scenario.abstractions:
        new = dataclasses.replace(
            new,
            abstractions=dataclasses.replace(
                new.abstractions,
                **scenario.abstractions,  # type: ignore[arg-type]
            ),
        )
    if scenario.call_lines:
        lines_new = dict(new.call_lines)
        for line, call in scenario.call_lines.items():
            if line not in lines_new:
                raise ValueError(f"scenario {scenario.name!r}: no call line {line!r}.")
            fields = {
                k: v
                for k, v in dataclasses.asdict(call).items()
                if v is not None and k != "source"
            }
            lines_new[line] = dataclasses.replace(lines_new[line], **fields)
        new = dataclasses.replace(new, call_lines=lines_new)
    if scenario.shift_pattern is not None:
        new = dataclasses.replace(new, shift_pattern=scenario.shift_pattern)
    return out, new


def scale_arrivals(
    arrivals: pd.DataFrame, scenario: Scenario, when: date
) -> pd.DataFrame:
    """Apply a scenario's area-specific demand changes to hourly response arrivals.

    Only `DemandChange` entries with an ``area`` (on ``incidents`` or ``*``) act
    here, as they stand on `when`: strategic workload lines have no area, so every
    other change reaches response cover through the response workload instead.

    Args:
        arrivals: ``hour_of_week, area, grade, arrivals_per_hour``.
        scenario: The scenario.
        when: The date the arrivals describe.

    Returns:
        A new frame; ``key`` filters by grade.
    """
    out = arrivals.copy()
    factor = np.ones(len(out))
    for change in scenario.demand:
        if not change.area or change.stream not in ("incidents", "*"):
            continue
        if when < change.start_date:
            continue
        hit = out["area"].eq(change.area).to_numpy()
        if change.key:
            hit &= out["grade"].eq(change.key).to_numpy()
        years = (when - change.start_date).days / _DAYS_PER_YEAR
        step = change.multiplier * (1 + change.growth_per_year) ** years
        factor *= np.where(hit, step, 1.0)
    out["arrivals_per_hour"] = out["arrivals_per_hour"] * factor
    return out


def compare_scenarios(
    baseline: pd.DataFrame, scenarios: Mapping[str, pd.DataFrame]
) -> pd.DataFrame:
    """Set each scenario's capacity rows beside the baseline's.

    Args:
        baseline: The baseline capacity frame (``department, financial_year,
            basis, demand, hours_mean, fte_mean, gap_fte, gap_cost_gbp,
            service_level``).
        scenarios: Scenario name → its capacity frame, same columns.

    Returns:
        One row per scenario (``baseline`` first), department, financial year and
        basis, with ``demand, hours_mean, fte_mean, gap_fte, gap_cost_gbp,
        service_level`` and ``*_change`` columns (scenario − baseline).
    """
    keys = ["department", "financial_year", "basis"]
    values = [
        "demand",
        "hours_mean",
        "fte_mean",
        "gap_fte",
        "gap_cost_gbp",
        "service_level",
    ]
    base = baseline[keys + values]
    frames = [base.assign(scenario="baseline")]
    for name, frame in scenarios.items():
        frames.append(frame[keys + values].assign(scenario=name))
    out = pd.concat(frames, ignore_index=True)
    joined = out.merge(base, on=keys, how="left", suffixes=("", "_baseline"))
    for v in values:
        out[f"{v}_change"] = (joined[v] - joined[f"{v}_baseline"]).to_numpy()
    return out[["scenario", *keys, *values, *(f"{v}_change" for v in values)]]


def on_binding_basis(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep, per department and year, the rows of the basis the baseline binds on.

    One figure per department: the People table shows the basis needing most FTE
    (response cover, say), so scenarios are compared on that same basis, never
    on another (response needed 479.7 FTE on cover in the People table and 404.0
    on workload in the scenarios baseline).

    Args:
        frame: The `scenarios` rows (``scenario, department, financial_year,
            basis, fte_mean`` ...), baseline included; or capacity rows.

    Returns:
        The rows of every scenario on the baseline's binding basis.
    """
    keys = ["department", "financial_year"]
    if frame.empty or "fte_mean" not in frame.columns:
        return frame.iloc[0:0]
    base = frame
    if "scenario" in frame.columns:
        base = frame[frame["scenario"] == "baseline"]
    binding = base.sort_values("fte_mean", ascending=False).drop_duplicates(keys)[
        [*keys, "basis"]
    ]
    return frame.merge(binding, on=[*keys, "basis"], how="inner")
