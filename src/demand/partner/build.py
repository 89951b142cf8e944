"""Build partner demand from the store: measures, hours returned, phases, agencies."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pandas as pd

from demand.partner import counterfactual, read
from demand.partner.agencies import agency_forecasts, agency_months, agency_trends
from demand.partner.assumptions import PartnerAssumptions
from demand.partner.measures import build_measures, unavailable_measures
from demand.partner.table import partner_sentences, partner_table
from demand.store import Store

__all__ = ["Phase", "PartnerDemand", "build_partner_demand", "load_phases"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Phase:
    """A planned RCRP phase: a share of mental-health incidents passed to partners.

    Args:
        name: Scenario name, e.g. "rcrp_phase2".
        start_date: First day of the phase.
        fraction: Share (0-1) of mental-health incidents no longer taking police
            time.
    """

    name: str
    start_date: date
    fraction: float


@dataclass(frozen=True)
class PartnerDemand:
    """Partner demand of one store, ready to show and export.

    Attributes:
        rcrp_date: Go-live date used (None: the force has none).
        fields: Optional field → why it cannot be used (None: it can).
        unavailable: Measure → "not in this force's extract (...)".
        rcrp_note: Why hours returned are not measured; None when they are.
        measures: Monthly measures by area (`build_measures`).
        before: Practice fitted before go-live (None if not measured).
        after: Practice fitted on the latest months after go-live.
        returned: Hours returned per month since go-live (`hours_returned`).
        phases: Hours returned by later phases, measured or projected:
            ``phase, kind, month, hours_returned, hours_returned_lo_80,
            hours_returned_hi_80, fte_returned``.
        notes: Other things the section must say (a phase not projected, ...).
        agencies: Incidents and hours per agency and month (`agency_months`).
        trends: Trend of each agency's share (`agency_trends`).
        forecasts: Monthly forecasts of each agency's incidents.
        sentences: Summary sentences for planners.
    """

    rcrp_date: date | None
    fields: dict[str, str | None]
    unavailable: dict[str, str]
    rcrp_note: str | None
    measures: pd.DataFrame
    before: counterfactual.Practice | None = None
    after: counterfactual.Practice | None = None
    returned: pd.DataFrame = field(default_factory=pd.DataFrame)
    phases: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()
    agencies: pd.DataFrame = field(default_factory=pd.DataFrame)
    trends: pd.DataFrame = field(default_factory=pd.DataFrame)
    forecasts: pd.DataFrame = field(default_factory=pd.DataFrame)
    sentences: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """The long `partner_demand` table (see `partner_table`)."""
        return partner_table(self)


def load_phases(
    partner: PartnerAssumptions, assumptions_path: Path | None
) -> list[Phase]:
    """Planned phases from the `[partner]` table's scenario files.

    Each force-wide `divert` of `mental_health` that leaves the police (no
    `to_department`) is a phase. Paths are relative to the assumptions file.

    Raises:
        AssumptionsError: a scenario file is missing or bad (names file and key).
    """
    from demand.capacity.scenarios import load_scenario

    base = assumptions_path.parent if assumptions_path is not None else Path()
    phases = []
    for name in partner.phase_scenarios:
        scenario = load_scenario(base / name)
        for item in scenario.divert:
            if (
                item.stream == "mental_health"
                and not item.key
                and not item.to_department
            ):
                phases.append(Phase(scenario.name, item.start_date, item.fraction))
    return phases


def _rcrp_categories_from(
    rows: pd.DataFrame, partner: PartnerAssumptions
) -> pd.Timestamp | None:
    """The month RCRP categories start in the data, when the map uses them and
    they start after the data does; None otherwise."""
    if not partner.rcrp_categories:
        return None
    named = rows.loc[rows["rcrp_category"].notna(), "month"]
    if named.empty or named.min() <= rows["month"].min():
        return None
    return pd.Timestamp(named.min())


def _window(months: pd.DataFrame, last: int) -> pd.DataFrame:
    """The last `last` months (0: all), force-wide, summed over the go-live split."""
    rows = months.sort_values("month")
    return (
        rows if last == 0 else rows[rows["month"].isin(rows["month"].unique()[-last:])]
    )


def _force(months: pd.DataFrame, after: bool | None = None) -> pd.DataFrame:
    rows = months[months["area"] == "force"]
    if after is not None:
        rows = rows[rows["after"] == after]
    return rows.groupby("month", as_index=False)[
        ["incidents", "attended", "hours_recorded"]
    ].sum()


def _rcrp_note(
    rcrp_date: date | None, fields: dict[str, str | None], months: pd.DataFrame
) -> str | None:
    lead = "Hours returned are not measured:"
    if rcrp_date is None:
        return f"{lead} the force has no RCRP go-live date (mental_health.rcrp_date)."
    if fields.get("officer_hours"):
        return f"{lead} officer hours are {fields['officer_hours']}."
    if months.empty:
        return f"{lead} no mental-health incidents are in the store."
    before = _force(months, after=False)
    after = _force(months, after=True)
    if (before["incidents"] > 0).sum() < 2:
        return (
            f"Hours returned are not measured: fewer than two months of "
            f"mental-health incidents before go-live ({rcrp_date:%d %B %Y})."
        )
    if after.empty:
        return (
            f"Hours returned are not measured: no mental-health incidents since "
            f"go-live ({rcrp_date:%d %B %Y})."
        )
    return None


def _measured_phases(
    months: pd.DataFrame,
    partner: PartnerAssumptions,
    rcrp_date: date,
    per_fte: float,
) -> list[pd.DataFrame]:
    """Hours returned by each later go-live in the data, against the practice
    of the months between the previous date and it."""
    out = []
    edges = [rcrp_date, *sorted(partner.phase_dates)]
    after = _force(months, after=True)
    for number, (start, go_live) in enumerate(zip(edges, edges[1:], strict=False), 2):
        ts_start, ts_live = pd.Timestamp(start), pd.Timestamp(go_live)
        span = after[(after["month"] >= ts_start) & (after["month"] < ts_live)]
        later = after[after["month"] >= ts_live]
        if (span["incidents"] > 0).sum() < 2 or later.empty:
            continue
        practice = counterfactual.fit_practice(
            span, partner.bootstrap_draws, partner.random_state
        )
        rows = counterfactual.hours_returned(
            later, practice, per_fte, partner.random_state
        )
        out.append(
            rows.assign(phase=f"phase {number} ({go_live:%b %Y})", kind="measured")
        )
    return out


def build_partner_demand(
    store: Store,
    partner: PartnerAssumptions,
    rcrp_date: date | None,
    productive_hours_per_fte: float,
    mental_health_forecast: pd.DataFrame | None = None,
    phases: Sequence[Phase] = (),
    timezone: str = "Europe/London",
) -> PartnerDemand:
    """Measure partner demand in a store and what RCRP has returned.

    Args:
        store: The store (streams `mental_health` and `incidents`).
        partner: The `[partner]` assumptions.
        rcrp_date: RCRP go-live (the assumptions' `mental_health.rcrp_date`);
            None for a force without one: nothing is measured against it.
        productive_hours_per_fte: Productive hours one FTE gives a year.
        mental_health_forecast: Force-wide monthly mental-health incident
            forecasts, ``ds, mean, lo_80, hi_80``, for the planned phases.
        phases: Planned phases to project (from scenario `divert` entries).
        timezone: Local zone of the months.

    Returns:
        The `PartnerDemand`; missing fields, dates and data are said, not zeroed.
    """
    fields = read.field_status(store, partner.rcrp_qualifier)
    months = read.read_mental_health_months(
        store, partner.rcrp_qualifier, timezone, rcrp_date
    )
    measures = build_measures(months, fields)
    note = _rcrp_note(rcrp_date, fields, months)
    notes: list[str] = []
    measured: dict[str, object] = {}
    if note is None and rcrp_date is not None:
        measured = _rcrp_measured(
            months, partner, rcrp_date, productive_hours_per_fte,
            mental_health_forecast, phases, notes,
        )  # fmt: skip
    result = PartnerDemand(
        rcrp_date,
        fields,
        unavailable_measures(fields),
        note,
        measures,
        **measured,  # type: ignore[arg-type]
        **_agency_parts(store, partner, timezone, notes),
        notes=tuple(notes),
    )
    sentences = partner_sentences(result, productive_hours_per_fte)
    return replace(result, sentences=tuple(sentences))


def _rcrp_measured(
    months: pd.DataFrame,
    partner: PartnerAssumptions,
    rcrp_date: date,
    per_fte: float,
    mental_health_forecast: pd.DataFrame | None,
    phases: Sequence[Phase],
    notes: list[str],
) -> dict[str, object]:
    """Practice before and after go-live, hours returned, and each phase's
    hours (measured or projected); what cannot be projected goes to `notes`."""
    draws, seed = partner.bootstrap_draws, partner.random_state
    pre = _window(_force(months, after=False), partner.baseline_months)
    before = counterfactual.fit_practice(pre, draws, seed)
    post = _force(months, after=True)
    returned = counterfactual.hours_returned(post, before, per_fte, seed)
    after = counterfactual.fit_practice(_window(post, 12), draws, seed)
    phase_rows = _measured_phases(months, partner, rcrp_date, per_fte)
    for phase in phases:
        if mental_health_forecast is None or mental_health_forecast.empty:
            notes.append(
                f"{phase.name} is not projected: this run has no monthly "
                "mental-health forecasts."
            )
            continue
        volumes = mental_health_forecast.rename(columns={"ds": "month"})
        projected = counterfactual.project_phase(
            volumes, after, phase.fraction, phase.start_date, per_fte, seed
        )
        if projected.empty:
            notes.append(
                f"{phase.name} starts {phase.start_date:%d %B %Y}, after the "
                "forecasts end: not projected."
            )
        phase_rows.append(projected.assign(phase=phase.name, kind="projected"))
    frame = pd.concat(phase_rows, ignore_index=True) if phase_rows else pd.DataFrame()
    return {"before": before, "after": after, "returned": returned, "phases": frame}


def _agency_parts(
    store: Store, partner: PartnerAssumptions, timezone: str, notes: list[str]
) -> dict[str, pd.DataFrame]:
    """Incidents per agency and month, their trends and forecasts; why there
    are none goes to `notes`."""
    agencies = trends = forecasts = pd.DataFrame()
    if partner.has_agency_map and store.count("incidents"):
        rows = read.read_agency_months(store, timezone)
        agencies = agency_months(rows, partner)
        since = _rcrp_categories_from(rows, partner)
        recent = agencies
        if since is not None:
            # Before RCRP categories were recorded, incidents fall to the other
            # maps: the lines step there, so trend and forecast start after it.
            notes.append(
                f"RCRP categories are recorded from {since:%B %Y}; before that, "
                "incidents fall to the opening-category and qualifier maps, so "
                "agency lines step that month. Trends and forecasts use the "
                "months since."
            )
            recent = agencies[agencies["month"] >= since]
        trends = agency_trends(recent)
        forecasts = agency_forecasts(recent, partner.forecast_months)
    elif not partner.has_agency_map:
        notes.append(
            "No agency map: set the [partner] table of the assumptions file to "
            "say which categories sit best with health, social care or ambulance."
        )
    else:
        notes.append("No incidents are in the store to map to agencies.")
    return {"agencies": agencies, "trends": trends, "forecasts": forecasts}
