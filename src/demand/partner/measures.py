"""Monthly partner-demand measures by area: volumes, shares, hours, S136."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MEASURES", "build_measures", "unavailable_measures"]

MEASURES: dict[str, tuple[tuple[str, ...], str]] = {
    "mental_health_incidents": ((), "incidents a month"),
    "rcrp_qualifier_fraction": (
        ("rcrp_qualifier",),
        "share (0-1) of mental-health incidents with the RCRP qualifier",
    ),
    "police_attended_fraction": (
        ("police_attended",),
        "share (0-1) of mental-health incidents police attended",
    ),
    "officer_hours": (("officer_hours",), "officer hours a month"),
    "officer_hours_per_incident": (
        ("officer_hours",),
        "officer hours per mental-health incident (attended or not)",
    ),
    "officer_hours_per_attended_incident": (
        ("officer_hours", "police_attended"),
        "officer hours per attended mental-health incident",
    ),
    "s136_detentions": (("s136",), "section 136 detentions a month"),
    "s136_police_conveyance_fraction": (
        ("s136_conveyed_by_police",),
        "share (0-1) of S136 detainees taken by police car",
    ),
    "s136_under_18_fraction": (
        ("s136", "age_years"),
        "share (0-1) of S136 detentions of people under 18",
    ),
}
"""Measure → (the optional fields it needs; what it is, with its unit)."""


def unavailable_measures(fields: dict[str, str | None]) -> dict[str, str]:
    """Measures this force's extract cannot give, with the reason.

    Args:
        fields: From `field_status`.
    """
    out = {}
    for name, (needs, _unit) in MEASURES.items():
        reasons = [str(fields[n]) for n in needs if fields.get(n)]
        if reasons:
            out[name] = "; ".join(reasons)
    return out


def _ratio(top: pd.Series, bottom: pd.Series) -> pd.Series:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (top / bottom.where(bottom > 0)).astype(float)


def build_measures(months: pd.DataFrame, fields: dict[str, str | None]) -> pd.DataFrame:
    """Monthly measures per area and force-wide; unavailable ones are null.

    Args:
        months: From `read_mental_health_months`.
        fields: From `field_status`.

    Returns:
        ``month, area`` and one column per name in `MEASURES`: null where the
        force's extract lacks the field (never zero), and where a ratio has no
        denominator.
    """
    sums = months.drop(columns="after").groupby(["month", "area"], as_index=False).sum()
    out = sums[["month", "area"]].copy()
    out["mental_health_incidents"] = sums["incidents"].astype(float)
    out["rcrp_qualifier_fraction"] = _ratio(sums["rcrp_flagged"], sums["matched"])
    out["police_attended_fraction"] = _ratio(sums["attended"], sums["attended_known"])
    out["officer_hours"] = sums["hours_recorded"].astype(float)
    out["officer_hours_per_incident"] = _ratio(
        sums["hours_recorded"], sums["incidents"]
    )
    out["officer_hours_per_attended_incident"] = _ratio(
        sums["hours_recorded"], sums["attended"]
    )
    out["s136_detentions"] = sums["s136"].astype(float)
    out["s136_police_conveyance_fraction"] = np.nan
    out["s136_under_18_fraction"] = np.nan
    for name in unavailable_measures(fields):
        out[name] = np.nan
    return out
