"""The report's "Partner demand" section: hours returned, agencies, S136, areas."""

from __future__ import annotations

import pandas as pd

from demand.capacity.assumptions import Assumptions
from demand.capacity.workload import productive_hours_per_fte
from demand.partner.build import PartnerDemand, build_partner_demand, load_phases
from demand.report import charts_partner
from demand.report.data import ReportData
from demand.report.html import html_table
from demand.store import Store

__all__ = ["build_partner_section", "partner_context"]


def build_partner_section(
    store: Store, data: ReportData, assumptions: Assumptions
) -> PartnerDemand:
    """Measure partner demand for a report: the store's streams, the run's
    force-wide mental-health forecasts (for planned phases) and the assumptions."""
    fc = data.forecasts
    mental_health = fc[(fc["stream"] == "mental_health") & (fc["area"] == "force")]
    return build_partner_demand(
        store,
        assumptions.partner,
        assumptions.mental_health.rcrp_date,
        productive_hours_per_fte(assumptions),
        mental_health[["ds", "mean", "lo_80", "hi_80"]],
        load_phases(assumptions.partner, assumptions.path),
    )


_NOTE = "<p class='note'>{}</p>"


def _returned_table(result: PartnerDemand) -> str:
    """The last 12 months of hours returned, and the total since go-live."""
    r = result.returned.sort_values("month")
    cols = [
        "month", "incidents", "counterfactual_hours", "hours_recorded",
        "hours_returned", "hours_returned_lo_80", "hours_returned_hi_80",
        "cumulative_hours_returned", "fte_returned",
    ]  # fmt: skip
    shown = r[cols].tail(12).assign(month=lambda f: f["month"].dt.strftime("%b %Y"))
    hours = "{:,.0f}"
    return html_table(
        shown,
        {c: hours for c in cols[1:-1]} | {"fte_returned": "{:,.1f}"},
        {
            "counterfactual_hours": "hours at pre-go-live practice",
            "hours_recorded": "hours recorded",
            "hours_returned": "hours returned",
            "hours_returned_lo_80": "80% low",
            "hours_returned_hi_80": "80% high",
            "cumulative_hours_returned": "since go-live",
            "fte_returned": "FTE",
        },
    )


def _practice_table(result: PartnerDemand) -> str:
    rows = []
    for name, p in (("before go-live", result.before), ("latest", result.after)):
        if p is None:
            continue
        lo, hi = p.interval()
        rows.append(
            {
                "practice": name,
                "months": f"{p.start:%b %Y} – {p.end:%b %Y}",
                "incidents": p.incidents,
                "attended": p.attendance_fraction,
                "hours_per_attended": p.hours_per_attended_incident,
                "hours_per_incident": p.hours_per_incident,
                "lo_80": lo,
                "hi_80": hi,
            }
        )
    two = "{:.2f}"
    return html_table(
        pd.DataFrame(rows),
        {
            "incidents": "{:,.0f}",
            "attended": "{:.0%}",
            "hours_per_attended": two,
            "hours_per_incident": two,
            "lo_80": two,
            "hi_80": two,
        },
        {
            "attended": "police attended",
            "hours_per_attended": "officer h per attended incident",
            "hours_per_incident": "officer h per incident",
            "lo_80": "80% low",
            "hi_80": "80% high",
        },
    )


def _phase_table(phases: pd.DataFrame) -> str:
    rows = []
    for (name, kind), group in phases.groupby(["phase", "kind"], sort=False):
        first = group.sort_values("month").head(12)
        rows.append(
            {
                "phase": name,
                "kind": kind,
                "from": f"{first['month'].iloc[0]:%b %Y}",
                "months": len(first),
                "hours_returned": first["hours_returned"].sum(),
                "fte": first["fte_returned"].mean(),
            }
        )
    return html_table(
        pd.DataFrame(rows),
        {"hours_returned": "{:,.0f}", "fte": "{:,.1f}"},
        {"hours_returned": "hours returned (first 12 months)", "fte": "FTE"},
    )


def _area_table(result: PartnerDemand) -> str:
    """The last 12 months by area: volumes, attendance, hours, S136."""
    m = result.measures
    last = sorted(m["month"].unique())[-12:]
    rows = m[m["month"].isin(last)]
    n = rows["mental_health_incidents"]
    weighted = rows.assign(
        attended=rows["police_attended_fraction"] * n,
        flagged=rows["rcrp_qualifier_fraction"] * n,
    )
    sums = weighted.groupby("area", as_index=False)[
        ["mental_health_incidents", "attended", "flagged", "officer_hours",
         "s136_detentions"]
    ].sum(min_count=1)  # fmt: skip
    count = sums["mental_health_incidents"]
    table = pd.DataFrame(
        {
            "area": sums["area"],
            "incidents": count,
            "rcrp_qualifier": sums["flagged"] / count,
            "police_attended": sums["attended"] / count,
            "officer_hours": sums["officer_hours"],
            "hours_per_incident": sums["officer_hours"] / count,
            "s136_detentions": sums["s136_detentions"],
            "s136_police_car": float("nan"),
            "s136_under_18": float("nan"),
        }
    )
    gone = {
        "rcrp_qualifier_fraction": "rcrp_qualifier",
        "police_attended_fraction": "police_attended",
        "officer_hours": "officer_hours",
        "officer_hours_per_incident": "hours_per_incident",
        "s136_detentions": "s136_detentions",
    }
    for measure, column in gone.items():
        if measure in result.unavailable:
            table[column] = float("nan")
    table = table.sort_values("area", key=lambda a: a.eq("force"))
    return html_table(
        table,
        {
            "incidents": "{:,.0f}",
            "rcrp_qualifier": "{:.0%}",
            "police_attended": "{:.0%}",
            "officer_hours": "{:,.0f}",
            "hours_per_incident": "{:.2f}",
            "s136_detentions": "{:,.0f}",
        },
        {
            "rcrp_qualifier": "RCRP qualifier",
            "hours_per_incident": "officer h per incident",
            "s136_police_car": "S136 by police car",
            "s136_under_18": "S136 under 18",
        },
    )


def _agency_table(trends: pd.DataFrame, months: pd.DataFrame) -> str:
    """Each agency's incidents and police hours in the last 12 months, and trend."""
    last = sorted(months["month"].unique())[-12:]
    totals = (
        months[months["month"].isin(last)]
        .groupby("agency", as_index=False)[["incidents", "officer_hours"]]
        .sum()
    )
    shown = trends.merge(totals, on="agency", how="left")
    shown["agency"] = shown["agency"].str.replace("_", " ")
    columns = [
        "agency", "incidents", "officer_hours", "share_now",
        "share_change_per_year", "t_statistic", "growing",
    ]  # fmt: skip
    return html_table(
        shown[columns],
        {
            "incidents": "{:,.0f}",
            "officer_hours": "{:,.0f}",
            "share_now": "{:.1%}",
            "share_change_per_year": "{:+.2%}",
            "t_statistic": "{:+.1f}",
        },
        {
            "incidents": "incidents (last 12 months)",
            "officer_hours": "police hours (last 12 months)",
            "share_now": "share of incidents (last 12 months)",
            "share_change_per_year": "change a year",
            "t_statistic": "t",
        },
    )


def partner_context(result: PartnerDemand | None) -> dict[str, object]:
    """The template values of the "Partner demand" section.

    Args:
        result: Partner demand of the store; None where it could not be built
            (the section then says so).
    """
    if result is None:
        return {"partner": None}
    notes = [*result.notes]
    if result.unavailable:
        notes.append(
            "Not in this force's extract (shown as –, never as zero): "
            + "; ".join(
                f"{name.replace('_', ' ')}: {why}"
                for name, why in result.unavailable.items()
            )
            + "."
        )
    has_returned = not result.returned.empty
    return {
        "partner": {
            "rcrp_date": f"{result.rcrp_date:%d %B %Y}" if result.rcrp_date else "",
            "rcrp_note": result.rcrp_note or "",
            "sentences": list(result.sentences),
            "notes": notes,
            "returned_svg": charts_partner.hours_returned_chart(
                result.returned, result.phases, "Police hours returned a month"
            )
            if has_returned
            else "",
            "returned_table": _returned_table(result) if has_returned else "",
            "practice_table": _practice_table(result) if has_returned else "",
            "phase_table": _phase_table(result.phases)
            if not result.phases.empty
            else "",
            "area_table": _area_table(result) if len(result.measures) else "",
            "agency_svg": charts_partner.agency_chart(
                result.agencies,
                result.forecasts,
                "Incidents that sit best with another agency",
            )
            if not result.agencies.empty
            else "",
            "agency_table": _agency_table(result.trends, result.agencies)
            if not result.trends.empty
            else "",
        }
    }
