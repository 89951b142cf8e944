"""Partner demand as one long table (`partner_demand`) and as planners' sentences."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from demand.partner.measures import MEASURES

if TYPE_CHECKING:
    from demand.partner.build import PartnerDemand

__all__ = ["PARTNER_COLUMNS", "partner_sentences", "partner_table"]

PARTNER_COLUMNS = {
    "section": "measures, hours_returned, cumulative_hours_returned, phase, "
    "practice, agency or agency_forecast",
    "month": "first day of the local month (empty for whole-period rows)",
    "area": "area, or 'force' for the force as a whole",
    "subject": "what the row is about: a phase, an agency, or the practice window",
    "measure": "what `value` is (see `unit`)",
    "value": "the figure; empty where the force's extract cannot give it",
    "lo_80": "low end of the 80% interval, same unit",
    "hi_80": "high end of the 80% interval, same unit",
    "unit": "unit of value",
    "note": "why a value is empty (e.g. not in this force's extract)",
}
"""Columns of the `partner_demand` table, with their meaning."""

_COLUMNS = list(PARTNER_COLUMNS)


def _long(
    frame: pd.DataFrame,
    section: str,
    values: dict[str, str],
    subject: str = "",
    intervals: dict[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Stack `values` (column → unit) of a monthly frame into table rows."""
    parts = []
    for column, unit in values.items():
        lo, hi = (intervals or {}).get(column, ("", ""))
        nan = pd.Series(np.nan, index=frame.index)
        parts.append(
            pd.DataFrame(
                {
                    "section": section,
                    "month": frame["month"],
                    "area": frame["area"] if "area" in frame else "force",
                    "subject": frame["subject"] if "subject" in frame else subject,
                    "measure": column,
                    "value": frame[column].astype(float),
                    "lo_80": frame[lo].astype(float) if lo else nan,
                    "hi_80": frame[hi].astype(float) if hi else nan,
                    "unit": unit,
                    "note": "",
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def partner_table(result: PartnerDemand) -> pd.DataFrame:
    """Every figure of partner demand in one long table, for SQL, CSV and Parquet.

    Returns:
        Columns as `PARTNER_COLUMNS`. A measure the force's extract cannot give
        is one row with an empty value and the reason in `note`; a measure that
        could not be measured at all (no go-live date) likewise.
    """
    units = {name: unit for name, (_needs, unit) in MEASURES.items()}
    available = {k: v for k, v in units.items() if k not in result.unavailable}
    parts = [_long(result.measures, "measures", available)]
    parts += [
        pd.DataFrame(
            [
                {
                    "section": "measures", "month": pd.NaT, "area": "force",
                    "subject": "", "measure": name, "value": np.nan,
                    "lo_80": np.nan, "hi_80": np.nan, "unit": units[name],
                    "note": reason,
                }
                for name, reason in result.unavailable.items()
            ]
        )
    ]  # fmt: skip
    if result.rcrp_note:
        parts.append(
            pd.DataFrame(
                [{"section": "hours_returned", "month": pd.NaT, "area": "force",
                  "subject": "", "measure": "hours_returned", "value": np.nan,
                  "lo_80": np.nan, "hi_80": np.nan, "unit": "officer hours",
                  "note": result.rcrp_note}]
            )
        )  # fmt: skip
    if not result.returned.empty:
        r = result.returned
        parts.append(
            _long(
                r,
                "hours_returned",
                {
                    "counterfactual_hours": "officer hours at pre-go-live practice",
                    "hours_recorded": "officer hours recorded",
                    "hours_returned": "officer hours",
                    "fte_returned": "FTE (a month's hours over a month of one FTE)",
                },
                intervals={
                    "hours_returned": ("hours_returned_lo_80", "hours_returned_hi_80")
                },
            )
        )
        parts.append(
            _long(
                r,
                "cumulative_hours_returned",
                {"cumulative_hours_returned": "officer hours since go-live"},
                intervals={
                    "cumulative_hours_returned": (
                        "cumulative_lo_80",
                        "cumulative_hi_80",
                    )
                },
            )
        )
    for practice, name in (
        (result.before, "before go-live"),
        (result.after, "latest 12 months"),
    ):
        if practice is None:
            continue
        lo, hi = practice.interval()
        parts.append(
            pd.DataFrame(
                [
                    {"section": "practice", "month": pd.Timestamp(practice.end),
                     "area": "force", "subject": f"{name}: {practice.start:%b %Y}"
                     f" to {practice.end:%b %Y}", "measure": measure, "value": value,
                     "lo_80": lo if measure == "officer_hours_per_incident" else np.nan,
                     "hi_80": hi if measure == "officer_hours_per_incident" else np.nan,
                     "unit": unit, "note": ""}
                    for measure, value, unit in (
                        ("officer_hours_per_incident", practice.hours_per_incident,
                         "officer hours per incident"),
                        ("police_attended_fraction", practice.attendance_fraction,
                         "share (0-1)"),
                        ("officer_hours_per_attended_incident",
                         practice.hours_per_attended_incident, "officer hours"),
                    )
                ]
            )
        )  # fmt: skip
    if not result.phases.empty:
        phases = result.phases.rename(columns={"phase": "subject"})
        parts.append(
            _long(
                phases,
                "phase",
                {"hours_returned": "officer hours", "fte_returned": "FTE"},
                intervals={
                    "hours_returned": ("hours_returned_lo_80", "hours_returned_hi_80")
                },
            )
        )
    if not result.agencies.empty:
        parts.append(
            _long(
                result.agencies.rename(columns={"agency": "subject"}),
                "agency",
                {
                    "incidents": "incidents a month",
                    "officer_hours": "police officer hours a month",
                    "share_of_incidents": "share (0-1) of all incidents",
                },
            )
        )
    if not result.forecasts.empty:
        fc = result.forecasts.rename(columns={"ds": "month", "agency": "subject"})
        parts.append(
            _long(
                fc,
                "agency_forecast",
                {"mean": "incidents a month (forecast)"},
                intervals={"mean": ("lo_80", "hi_80")},
            )
        )
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=_COLUMNS)
    out = pd.concat(parts, ignore_index=True)[_COLUMNS]
    out["month"] = pd.to_datetime(out["month"])
    return out


def _last_12(frame: pd.DataFrame, column: str) -> float:
    return float(frame.sort_values("month")[column].tail(12).sum())


def partner_sentences(
    result: PartnerDemand, productive_hours_per_fte: float
) -> list[str]:
    """What a planner should read first about partner demand."""
    out = []
    force = result.measures[result.measures["area"] == "force"].sort_values("month")
    if force.empty:
        out.append(
            "No mental-health incidents are in the store: "
            "no partner demand is measured."
        )
    else:
        last = force.tail(12)
        total = last["mental_health_incidents"].sum()
        line = f"Mental-health incidents: {total:,.0f} in the last 12 months"
        if "police_attended_fraction" not in result.unavailable:
            share = (
                last["police_attended_fraction"] * last["mental_health_incidents"]
            ).sum()
            line += (
                f"; police attended {share / last['mental_health_incidents'].sum():.0%}"
            )
            if result.before is not None:
                line += f" (before go-live: {result.before.attendance_fraction:.0%})"
        if "rcrp_qualifier_fraction" not in result.unavailable:
            flagged = (
                last["rcrp_qualifier_fraction"] * last["mental_health_incidents"]
            ).sum()
            line += f"; {flagged / total:.0%} carry the RCRP qualifier"
        out.append(line + ".")
    if result.rcrp_note:
        out.append(result.rcrp_note)
    elif not result.returned.empty and result.rcrp_date is not None:
        r = result.returned.sort_values("month")
        last = r.tail(12)
        hours = _last_12(r, "hours_returned")
        out.append(
            f"Since RCRP went live ({result.rcrp_date:%B %Y}), police hours on "
            f"mental-health incidents are {r['hours_returned'].sum():,.0f} h below "
            f"pre-go-live practice (80%: {r['cumulative_lo_80'].iloc[-1]:,.0f}–"
            f"{r['cumulative_hi_80'].iloc[-1]:,.0f} h); in the last {len(last)} "
            f"months {hours:,.0f} h, about "
            f"{hours / productive_hours_per_fte * 12 / len(last):,.1f} FTE."
        )
    if not result.phases.empty:
        for (name, kind), rows in result.phases.groupby(["phase", "kind"], sort=False):
            first = rows.sort_values("month").head(12)
            hours = first["hours_returned"].sum()
            verb = "returned" if kind == "measured" else "would return"
            out.append(
                f"{name} {verb} {hours:,.0f} h in its first {len(first)} months, "
                f"about {hours / productive_hours_per_fte * 12 / len(first):,.1f} FTE."
            )
    if not result.trends.empty:
        growing = result.trends[result.trends["growing"]].sort_values(
            "share_change_per_year", ascending=False
        )
        if growing.empty:
            out.append(
                "No agency's share of incidents is growing beyond month-to-month noise."
            )
        else:
            top = growing.iloc[0]
            out.append(
                "The share of incidents that sits best with "
                f"{str(top['agency']).replace('_', ' ')} "
                f"is growing: {top['share_now']:.1%} of incidents, "
                f"{top['share_change_per_year'] * 100:+.1f} points a year."
            )
    missing = [n.replace("_", " ") for n in result.unavailable]
    if missing:
        out.append("Not in this force's extract: " + ", ".join(missing) + ".")
    return out
