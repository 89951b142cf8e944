"""What the capacity stage reads from the store: incidents, posts, mixes, profiles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from demand.capacity.call_handling import HOURS_PER_WEEK
from demand.store import Store
from demand.store.capacity_reads import (
    read_call_hour_counts,
    read_call_waits,
    read_establishment,
    read_recent_incidents,
    read_recent_shares,
)

__all__ = ["CapacityInputs", "read_capacity_inputs"]


@dataclass(frozen=True)
class CapacityInputs:
    """What the capacity stage reads from the store (all pure data).

    Attributes:
        incidents: Incident rows of the unit-time window (times UTC).
        establishment: The `establishment` table.
        mixes: Shares by ``grade``, ``area``, ``line``, ``risk``,
            ``offence_group`` over the window, used where a level is not forecast.
        call_profiles: Share of a week's calls per local hour of week, by line.
        call_waits: Recorded calls of the window by ``line`` and whole seconds
            waited (``wait_seconds``, rounded up): ``offered`` and ``answered``
            counts, for the service the control room gives today.
    """

    incidents: pd.DataFrame
    establishment: pd.DataFrame
    mixes: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    call_profiles: Mapping[str, Sequence[float]] = field(default_factory=dict)
    call_waits: pd.DataFrame | None = None


def read_capacity_inputs(
    store: Store, window_days: int = 365, timezone: str = "Europe/London"
) -> CapacityInputs:
    """Read incidents, establishment, mixes and call profiles from the store.

    Args:
        store: The store (stream tables loaded).
        window_days: Days of history, ending at each table's latest record, for
            unit times, mixes and profiles (recent practice, e.g. after RCRP).
        timezone: Local zone of the hour-of-week call profiles.
    """
    incidents = read_recent_incidents(store, window_days)
    establishment = read_establishment(store)
    mixes = {
        "grade": read_recent_shares(
            store, "incidents", "grade", "created_at", window_days
        ),
        "area": read_recent_shares(
            store, "incidents", "area", "created_at", window_days
        ),
        "line": read_recent_shares(store, "calls", "line", "received_at", window_days),
        "risk": read_recent_shares(
            store, "missing_persons", "risk", "reported_at", window_days
        ),
        "offence_group": read_recent_shares(
            store, "crimes", "offence_group", "month", window_days
        ),
    }
    profiles: dict[str, list[float]] = {}
    for line, how, n in read_call_hour_counts(store, window_days, timezone):
        profiles.setdefault(str(line), [0.0] * HOURS_PER_WEEK)[int(how)] += n
    waits = read_call_waits(store, window_days)
    return CapacityInputs(incidents, establishment, mixes, profiles, waits)
