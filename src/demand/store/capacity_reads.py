"""What the capacity stage reads from the store: recent incidents, posts, shares
of a column, calls by hour of week and by seconds waited."""

from __future__ import annotations

import pandas as pd

from demand.store import Store, quote

__all__ = [
    "read_call_hour_counts",
    "read_call_waits",
    "read_establishment",
    "read_recent_incidents",
    "read_recent_shares",
]


def _recent(table: str, column: str, window_days: int) -> str:
    """SQL condition: `column` within `window_days` of the table's latest value."""
    return (
        f"{quote(column)} > (SELECT max({quote(column)}) FROM {quote(table)})"
        f" - INTERVAL {int(window_days)} DAY"
    )


def read_recent_incidents(store: Store, window_days: int) -> pd.DataFrame:
    """Return the incidents of the last `window_days` days: ``grade, category,
    area, created_at, dispatched_at, arrived_at, cleared_at, officer_hours``."""
    return store.con.execute(
        "SELECT grade, category, area, created_at, dispatched_at, arrived_at, "
        "cleared_at, officer_hours FROM incidents WHERE "
        + _recent("incidents", "created_at", window_days)
    ).df()


def read_establishment(store: Store) -> pd.DataFrame:
    """Return the `establishment` table: ``department, role, as_at, fte,
    cost_per_fte``."""
    return store.con.execute(
        "SELECT department, role, as_at, fte, cost_per_fte FROM establishment"
    ).df()


def read_recent_shares(
    store: Store, table: str, column: str, time_column: str, window_days: int
) -> dict[str, float]:
    """Return each value's share (0-1) of `table`'s rows whose `time_column` is
    within `window_days` of its latest; NULL values count in the total only.

    Returns:
        Value → share; empty when the window holds no rows.
    """
    rows = store.con.execute(
        f"SELECT {quote(column)}, count(*) FROM {quote(table)} WHERE "  # noqa: S608
        f"{_recent(table, time_column, window_days)} GROUP BY 1"
    ).fetchall()
    total = sum(n for _, n in rows)
    return {str(k): n / total for k, n in rows if k is not None} if total else {}


def read_call_hour_counts(
    store: Store, window_days: int, timezone: str
) -> list[tuple[str, int, int]]:
    """Return (line, local hour of week 0-167 from Monday 00:00, calls) for the
    calls of the last `window_days` days."""
    return store.con.execute(
        "SELECT line, (isodow(t) - 1) * 24 + hour(t) AS how, count(*) FROM "
        "(SELECT line, timezone(?, received_at) AS t FROM calls WHERE "
        f"{_recent('calls', 'received_at', window_days)}) GROUP BY ALL",
        [timezone],
    ).fetchall()


def read_call_waits(store: Store, window_days: int) -> pd.DataFrame:
    """Return the calls of the last `window_days` days by ``line`` and whole
    seconds waited (``wait_seconds``, rounded up): ``offered``, ``answered``."""
    return store.con.execute(
        "SELECT line, ceil(coalesce(wait_seconds, 0)) AS wait_seconds, "
        "count(*) AS offered, count(*) FILTER (WHERE NOT abandoned) AS answered "
        f"FROM calls WHERE {_recent('calls', 'received_at', window_days)} "
        "GROUP BY ALL"
    ).df()
