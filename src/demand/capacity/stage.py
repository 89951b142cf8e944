"""The capacity stage: forecasts + store → workload, FTE, cover, gaps and scenarios."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demand.capacity.arrivals import scale_to_year
from demand.capacity.assumption_checks import check_urban_areas
from demand.capacity.assumptions import Assumptions
from demand.capacity.call_handling import HOURS_PER_WEEK
from demand.capacity.call_service import attach_service
from demand.capacity.establishment import capacity_gaps, establishment_by_year
from demand.capacity.inputs import CapacityInputs, read_capacity_inputs
from demand.capacity.requirement import full_requirement
from demand.capacity.response import (
    compare_shift_pattern,
    cover_feasibility,
    response_arrivals,
    response_cover,
)
from demand.capacity.scenarios import (
    Scenario,
    apply_scenario,
    compare_scenarios,
    scale_arrivals,
)
from demand.capacity.sensitivity import compute_sensitivity, write_sensitivity
from demand.capacity.service import g1_attendance_rostered_by_area
from demand.capacity.unit_times import compare_unit_times, derive_unit_times
from demand.capacity.workload import (
    QUANTILES,
    demand_lines,
    department_workload,
    line_hours,
    productive_hours_per_fte,
)
from demand.periods import FINANCIAL_YEAR_START_MONTH, financial_year
from demand.store import Store
from demand.store.runs import replace_run_rows
from demand.tables import table_columns

__all__ = [
    "CapacityInputs",
    "CapacityResult",
    "compute_capacity",
    "read_capacity_inputs",
    "run_capacity",
    "write_capacity",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CapacityResult:
    """Everything the capacity stage computed for one run.

    Attributes:
        capacity: One row per department, financial year and basis
            (``workload``; also ``cover`` for response): the `capacity` table.
        scenarios: Scenario comparison, baseline first: the `scenarios` table.
        scenario_capacity: Each scenario's own capacity frame, by name.
        lines: Baseline demand lines with hours per period.
        unit_times: Derived unit times by grade; ``unit_times_by_category``
            likewise; ``unit_time_exclusions`` counts rows left out by reason;
            ``unit_time_comparison`` sets them beside the assumed values.
        response_cover: Units and officers needed by area and hour of week.
        shift_gaps: Needed against rostered officers by hour of week.
        area_service: Each area's modelled service by department and year
            (response: G1 attendance on its share of the roster): the
            `area_service` table.
    """

    capacity: pd.DataFrame
    scenarios: pd.DataFrame
    scenario_capacity: Mapping[str, pd.DataFrame]
    lines: pd.DataFrame
    unit_times: pd.DataFrame
    unit_times_by_category: pd.DataFrame
    unit_time_exclusions: pd.DataFrame
    unit_time_comparison: pd.DataFrame
    response_cover: pd.DataFrame | None
    shift_gaps: pd.DataFrame | None
    area_service: pd.DataFrame | None = None


def _split(
    forecasts: pd.DataFrame, hourly_forecasts: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Strategic (coarsest frequency) and hourly forecast rows.

    With a ``freq`` column (the `forecasts` table has one) rows of ``freq == "h"``
    are hourly and the coarsest other frequency is strategic; without it every
    row of `forecasts` is strategic. With a ``measure`` column only counts are
    used (officer-hours forecasts would double the unit times).
    """
    f = forecasts.assign(ds=pd.to_datetime(forecasts["ds"]))
    if "measure" in f.columns:  # workload comes from counts × unit times
        f = f[f["measure"] == "count"]
    hourly = pd.DataFrame(columns=["unique_id", "ds", "mean"])
    if "freq" in f.columns:
        is_hourly = f["freq"].eq("h")
        hourly, f = f[is_hourly], f[~is_hourly]
        if f["freq"].nunique() > 1:  # keep the coarsest: months over days
            order = {"M": 0, "W": 1, "D": 2}
            best = min(f["freq"].unique(), key=lambda q: order.get(q, 9))
            f = f[f["freq"] == best]
    if hourly_forecasts is not None:
        extra = hourly_forecasts.assign(ds=pd.to_datetime(hourly_forecasts["ds"]))
        hourly = pd.concat([hourly, extra], ignore_index=True)
    return f, hourly


def _cover_rows(
    workload: pd.DataFrame, cover_fte: float, base_rate: float
) -> pd.DataFrame:
    """Response cover FTE per year: the base cover scaled by the response workload
    rate (hours per year) against the base rate, with the workload's relative
    interval (linear scaling slightly overstates growth: bigger pools are more
    efficient)."""
    resp = workload[workload["department"] == "response"].copy()
    rate = resp["hours_mean"] / resp["year_fraction"]
    ratio = rate / base_rate if base_rate > 0 else pd.Series(1.0, index=resp.index)
    span = resp["productive_hours_per_fte"] * resp["year_fraction"]
    workload_mean = resp["hours_mean"].replace(0, np.nan)
    cover_hours = cover_fte * ratio * span
    scale = (cover_hours / workload_mean).fillna(0.0)
    for q in QUANTILES:
        resp[f"hours_{q}"] = resp[f"hours_{q}"] * scale
        resp[f"fte_{q}"] = resp[f"hours_{q}"] / span
    resp["hours_sd_lo"] = resp["hours_sd_lo"] * scale
    resp["hours_sd_hi"] = resp["hours_sd_hi"] * scale
    return resp.assign(basis="cover")


@dataclass(frozen=True)
class _Reference:
    """What scenarios hold fixed from the baseline: the response workload rate
    (hours a year) of the year the hourly forecasts fall in."""

    base_rate: float | None = None


def _evaluate(
    lines: pd.DataFrame,
    assumptions: Assumptions,
    inputs: CapacityInputs,
    arrivals: pd.DataFrame | None,
    scenario: Scenario | None,
    reference: _Reference,
    start_month: int,
) -> tuple[
    pd.DataFrame, pd.DataFrame, pd.DataFrame | None, _Reference, pd.DataFrame | None
]:
    """Hours, FTE, cover, gaps and service levels of one set of lines."""
    hours = line_hours(lines, assumptions, inputs.call_profiles)
    workload = department_workload(hours, assumptions, start_month=start_month).assign(
        basis="workload"
    )
    demand = (
        hours.assign(fy=financial_year(hours["ds"], start_month).to_numpy())
        .groupby(["department", "fy"])["mean"]
        .sum()
    )
    table = workload
    cover, base_rate, areas = None, reference.base_rate, None
    resp = workload[workload["department"] == "response"]
    if arrivals is not None and len(arrivals) and len(resp):
        rates = (resp["hours_mean"] / resp["year_fraction"]).set_axis(
            resp["financial_year"]
        )
        base_date = pd.Timestamp(arrivals.attrs["start"])
        if base_rate is None:
            fy = financial_year(pd.Series([base_date]), start_month).iloc[0]
            base_rate = float(rates.get(fy, rates.iloc[0]))
        # Area-specific changes reach the cover only (workload lines have no area);
        # every other change reaches it through the response workload rate.
        here = arrivals
        if scenario is not None:
            here = scale_arrivals(arrivals, scenario, base_date.date())
        cover = response_cover(here, assumptions)
        weekly = cover["officers_needed"].sum()
        cover_fte = (
            weekly * (8766.0 / HOURS_PER_WEEK) / productive_hours_per_fte(assumptions)
        )
        rows = _cover_rows(workload, cover_fte, base_rate).assign(
            **cover_feasibility(cover)
        )
        rostered = [
            g1_attendance_rostered_by_area(
                here.assign(arrivals_per_hour=here["arrivals_per_hour"] * ratio),
                cover,
                assumptions,
            )
            for ratio in (rates / base_rate).to_numpy()
        ]
        rows["service_level"] = [by_area.pop("force") for by_area in rostered]
        areas = _area_service(rows["financial_year"], rostered, assumptions)
        table = pd.concat([workload, rows], ignore_index=True)
    table["demand"] = [
        demand.get((d, y), np.nan)
        for d, y in zip(table["department"], table["financial_year"], strict=True)
    ]
    if "service_level" not in table.columns:
        table["service_level"] = np.nan
    table = full_requirement(table, assumptions)
    fys = sorted(table["financial_year"].unique())
    est = establishment_by_year(inputs.establishment, fys, assumptions, start_month)
    # Service with today's establishment and roster (what the FMS grade asks).
    gaps = attach_service(
        capacity_gaps(table, est),
        hours,
        inputs.call_profiles,
        assumptions,
        inputs.call_waits,
        start_month,
    )
    return gaps, hours, cover, _Reference(base_rate), areas


def _area_service(
    years: pd.Series, rostered: list[dict[str, float]], assumptions: Assumptions
) -> pd.DataFrame:
    """Each area's G1 attendance on its share of the roster, per financial year:
    the `area_service` table (the FMS grades an area row on its own service)."""
    rows = [
        {"department": "response", "financial_year": year, "area": area,
         "service_measure": "G1 attended within target in the area (rostered)",
         "service_level": level,
         "service_standard": assumptions.attendance.compliance_fraction}
        for year, by_area in zip(years, rostered, strict=True)
        for area, level in by_area.items()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=table_columns("area_service")[1:])


def compute_capacity(
    forecasts: pd.DataFrame,
    assumptions: Assumptions,
    inputs: CapacityInputs,
    scenarios: Sequence[Scenario] = (),
    hourly_forecasts: pd.DataFrame | None = None,
    financial_year_start_month: int = FINANCIAL_YEAR_START_MONTH,
) -> CapacityResult:
    """Compute the capacity stage from forecasts and store inputs (pure).

    Args:
        forecasts: The `forecasts` shape for one model: strategic series
            (monthly, e.g. 48 months); rows with ``freq == "h"``, if a ``freq``
            column is present, are taken as hourly.
        assumptions: The force's assumptions.
        inputs: Output of `read_capacity_inputs` (or hand-made).
        scenarios: Scenarios to layer on the baseline.
        hourly_forecasts: Hourly forecasts (``incidents``, optionally
            ``incidents/area=..`` and ``incidents/grade=..``, ``ds`` local) for
            response cover; without them there are no ``cover`` rows.
        financial_year_start_month: Month (1-12) the years of every row start
            in (4: the UK's April to March).

    Returns:
        The `CapacityResult`; response cover needs hourly incident forecasts.
    """
    start_month = financial_year_start_month
    strategic, hourly = _split(forecasts, hourly_forecasts)
    lines = demand_lines(strategic, assumptions, inputs.mixes)
    arrivals = None
    if len(hourly) and (hourly["unique_id"] == "incidents").any():
        # At the year's level, not the hourly window's (its season, its date).
        arrivals = scale_to_year(
            response_arrivals(hourly, inputs.mixes), strategic, hourly, start_month
        )
        arrivals.attrs["start"] = str(hourly["ds"].min().date())
    capacity, hours, cover, reference, area_service = _evaluate(
        lines, assumptions, inputs, arrivals, None, _Reference(), start_month
    )
    shift_gaps = None if cover is None else compare_shift_pattern(cover, assumptions)
    per_scenario = {}
    for scenario in scenarios:
        s_lines, s_assumptions = apply_scenario(lines, assumptions, scenario)
        per_scenario[scenario.name] = _evaluate(
            s_lines, s_assumptions, inputs, arrivals, scenario, reference, start_month
        )[0]
    comparison = compare_scenarios(capacity, per_scenario)
    by_grade, exclusions = derive_unit_times(inputs.incidents, ("grade",))
    by_category, _ = derive_unit_times(inputs.incidents, ("category",))
    comparison_ut = pd.concat(
        [
            compare_unit_times(by_grade, assumptions),
            compare_unit_times(by_category, assumptions),
        ],
        ignore_index=True,
    )
    return CapacityResult(
        capacity=capacity,
        scenarios=comparison,
        scenario_capacity=per_scenario,
        lines=hours,
        unit_times=by_grade,
        unit_times_by_category=by_category,
        unit_time_exclusions=exclusions,
        unit_time_comparison=comparison_ut,
        response_cover=cover,
        shift_gaps=shift_gaps,
        area_service=area_service,
    )


def _cover_table(result: CapacityResult) -> pd.DataFrame:
    """Officers needed by area and hour of week, and force-wide ("force") against
    the rostered shift pattern: the `response_cover` table (empty without cover)."""
    if result.response_cover is None or result.shift_gaps is None:
        return pd.DataFrame(columns=table_columns("response_cover"))
    force = result.shift_gaps.rename(
        columns={"needed": "officers_needed", "rostered": "officers_rostered"}
    ).assign(area="force")
    return pd.concat([result.response_cover, force], ignore_index=True)


def _area_table(result: CapacityResult) -> pd.DataFrame:
    """The `area_service` rows (empty without response cover)."""
    if result.area_service is None:
        return pd.DataFrame(columns=table_columns("area_service"))
    return result.area_service


def write_capacity(store: Store, result: CapacityResult, run_id: str) -> int:
    """Replace the run's rows of the `capacity`, `scenarios`, `response_cover`
    and `area_service` tables, atomically.

    Returns:
        Rows written to the two tables together.
    """
    store.ensure_tables()
    written = 0
    with store.transaction() as con:
        for table, frame in (
            ("capacity", result.capacity),
            ("scenarios", result.scenarios),
            ("response_cover", _cover_table(result)),
            ("area_service", _area_table(result)),
        ):
            written += replace_run_rows(con, table, frame, run_id)
    logger.info("Capacity run %s: wrote %d rows.", run_id, written)
    return written


def run_capacity(
    store: Store,
    forecasts: pd.DataFrame,
    assumptions: Assumptions,
    run_id: str,
    scenarios: Sequence[Scenario] = (),
    hourly_forecasts: pd.DataFrame | None = None,
    window_days: int = 365,
    timezone: str = "Europe/London",
    financial_year_start_month: int = FINANCIAL_YEAR_START_MONTH,
) -> CapacityResult:
    """Run the capacity stage: read the store, compute, write `capacity`/`scenarios`.

    Args:
        store: The store holding the stream tables and the establishment.
        forecasts: Forecasts of one model (see `compute_capacity`).
        assumptions: The force's assumptions (`load_assumptions`).
        run_id: Run id; rows of the same run id are replaced in one transaction.
        scenarios: Scenarios (`load_scenario`) to compare with the baseline.
        hourly_forecasts: Hourly incident forecasts for response cover.
        window_days: Days of history for unit times, mixes and call profiles.
        timezone: Local zone of the hour-of-week call profiles (the pipeline's).
        financial_year_start_month: Month (1-12) financial years start in.

    Returns:
        The `CapacityResult`.
    """
    inputs = read_capacity_inputs(store, window_days, timezone)
    check_urban_areas(assumptions, inputs.mixes.get("area", {}))
    compute = functools.partial(
        compute_capacity, financial_year_start_month=financial_year_start_month
    )
    result = compute(forecasts, assumptions, inputs, scenarios, hourly_forecasts)
    write_capacity(store, result, run_id)
    # How much each assumption moves every gap (the `sensitivity` table).
    sensitivity = compute_sensitivity(
        compute,
        forecasts,
        assumptions,
        inputs,
        result.capacity,
        hourly_forecasts,
    )
    write_sensitivity(store, sensitivity, run_id)
    return result
