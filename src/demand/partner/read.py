"""Read partner demand from the store: monthly mental-health and incident aggregates."""

from __future__ import annotations

import logging
from datetime import date

import pandas as pd

from demand.schemas import get_stream
from demand.store import Store
from demand.store.partner_reads import (
    count_filled,
    count_qualified_mental_health,
    read_agency_rows,
    read_mental_health_rows,
)

__all__ = [
    "OPTIONAL_FIELDS",
    "field_status",
    "read_agency_months",
    "read_mental_health_months",
]

log = logging.getLogger(__name__)

OPTIONAL_FIELDS = {
    "police_attended": "mental_health.police_attended",
    "officer_hours": "mental_health.officer_hours",
    "s136": "mental_health.s136",
    "area": "mental_health.area",
    "rcrp_category": "mental_health.rcrp_category",
    "rcrp_qualifier": "incidents.qualifiers of the mental-health incidents",
    "s136_conveyed_by_police": "mental_health.s136_conveyed_by_police",
    "age_years": "mental_health.age_years",
}
"""Fields partner measures need beyond the incident and its time, and where."""


def field_status(store: Store, qualifier: str) -> dict[str, str | None]:
    """Say, for each optional field, why it cannot be used (None where it can).

    A field counts as present when the stream has the column and at least one
    row of the store fills it; otherwise it is "not in this force's extract".

    Args:
        store: The store.
        qualifier: The RCRP qualifier flag, e.g. "RCRP".

    Returns:
        Field name (a key of `OPTIONAL_FIELDS`) → None or a one-sentence reason.
    """
    columns = set(get_stream("mental_health").column_names)
    out: dict[str, str | None] = {}
    rows = store.count("mental_health")
    for name, where in OPTIONAL_FIELDS.items():
        if rows == 0:
            out[name] = "no mental-health incidents are in the store"
        elif name == "rcrp_qualifier":
            out[name] = (
                None
                if count_qualified_mental_health(store)
                else f"not in this force's extract ({where} are empty or the "
                "incidents are not loaded)"
            )
        elif name not in columns:
            out[name] = (
                f"not in this force's extract ({where} is not a column of the "
                "mental_health stream)"
            )
        else:
            out[name] = (
                None
                if count_filled(store, "mental_health", name)
                else f"not in this force's extract ({where} is empty in every row)"
            )
    return out


def read_mental_health_months(
    store: Store,
    qualifier: str,
    timezone: str = "Europe/London",
    split_at: date | None = None,
) -> pd.DataFrame:
    """Aggregate mental-health incidents by local month and area, and force-wide.

    Recorded officer hours of a month are its summed hours, with attended
    incidents that lack hours given the month's mean hours per attended incident
    (so a missing value is not read as no police time).

    Args:
        store: The store.
        qualifier: The RCRP qualifier flag on the matching incident.
        timezone: Local zone of the months.
        split_at: Go-live date; rows are split into `after` False/True at its
            local midnight (all False when None).

    Returns:
        ``month, area, after, incidents, attended, attended_known, hours_recorded,
        hours_known, s136, s136_known, rcrp_flagged, matched`` with area "force"
        for the force-wide rows; counts are whole numbers, hours are hours.
    """
    frame = read_mental_health_rows(store, qualifier, timezone, split_at)
    mean_attended = frame["attended_hours_sum"] / frame["attended_hours_known"]
    filled = frame["attended_without_hours"] * mean_attended.fillna(0.0)
    frame["hours_recorded"] = frame["hours_sum"] + filled
    frame["month"] = pd.to_datetime(frame["month"])
    keep = [
        "month", "area", "after", "incidents", "attended", "attended_known",
        "hours_recorded", "hours_known", "s136", "s136_known", "rcrp_flagged",
        "matched",
    ]  # fmt: skip
    return frame[keep].reset_index(drop=True)


def read_agency_months(store: Store, timezone: str = "Europe/London") -> pd.DataFrame:
    """Incidents and police hours by local month, category, RCRP category, qualifiers.

    Returns:
        ``month, category, rcrp_category, qualifiers, incidents, officer_hours``;
        one row per combination seen (hours of undeployed incidents count 0).
    """
    frame = read_agency_rows(store, timezone)
    frame["month"] = pd.to_datetime(frame["month"])
    return frame
