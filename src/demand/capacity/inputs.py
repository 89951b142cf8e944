"""What the capacity stage reads from the store: incidents, posts, mixes, profiles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from demand.capacity.call_handling import HOURS_PER_WEEK
from demand.schemas import STREAMS
from demand.store import Store, quote

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


def _shares(con, sql: str) -> dict[str, float]:
    rows = con.execute(sql).fetchall()
    total = sum(n for _, n in rows)
    return {str(k): n / total for k, n in rows if k is not None} if total else {}


def _mix_levels() -> list[tuple[str, str, str]]:
    """(stream, level, time column) of each mix: the level each stream's workload
    is sized by (`Workload.level`), and incidents by area (arrivals by area).

    Mixes are keyed by level alone, so two streams sized by one level name would
    share a key: give a new stream's level its own name.
    """
    found = []
    for name, schema in STREAMS.items():
        if schema.workload is not None and schema.workload.level is not None:
            # A month-only stream's window runs on its month column.
            time = schema.month_column or schema.time_column
            found.append((name, schema.workload.level, time))
    # Response arrivals split incidents by area where areas are not forecast.
    found.append(("incidents", "area", STREAMS["incidents"].time_column))
    return found


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
    con = store.con
    window = f"INTERVAL {int(window_days)} DAY"

    def recent(table: str, column: str) -> str:
        return (
            f"{quote(column)} > (SELECT max({quote(column)}) FROM {quote(table)})"
            f" - {window}"
        )

    incidents = con.execute(
        "SELECT grade, category, area, created_at, dispatched_at, arrived_at, "
        "cleared_at, officer_hours FROM incidents WHERE "
        + recent("incidents", "created_at")
    ).df()
    establishment = con.execute(
        "SELECT department, role, as_at, fte, cost_per_fte FROM establishment"
    ).df()
    mixes = {
        level: _shares(
            con,
            f"SELECT {quote(level)}, count(*) FROM {quote(stream)} "
            f"WHERE {recent(stream, time)} GROUP BY 1",
        )
        for stream, level, time in _mix_levels()
    }
    profiles: dict[str, list[float]] = {}
    rows = con.execute(
        "SELECT line, (isodow(t) - 1) * 24 + hour(t) AS how, count(*) FROM "
        "(SELECT line, timezone(?, received_at) AS t FROM calls WHERE "
        f"{recent('calls', 'received_at')}) GROUP BY ALL",
        [timezone],
    ).fetchall()
    for line, how, n in rows:
        profiles.setdefault(str(line), [0.0] * HOURS_PER_WEEK)[int(how)] += n
    waits = con.execute(
        "SELECT line, ceil(coalesce(wait_seconds, 0)) AS wait_seconds, "
        "count(*) AS offered, count(*) FILTER (WHERE NOT abandoned) AS answered "
        f"FROM calls WHERE {recent('calls', 'received_at')} GROUP BY ALL"
    ).df()
    return CapacityInputs(incidents, establishment, mixes, profiles, waits)
