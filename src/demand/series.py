"""Stream tables → regular, zero-filled demand series in local time (long format)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from demand.schemas import get_stream
from demand.series_ids import unique_ids
from demand.store import Store, quote

__all__ = [
    "FREQS",
    "build_series",
    "build_hierarchy",
    "financial_year",
    "to_financial_years",
    "write_demand",
]

FREQS = {"h": "hour", "D": "day", "W": "week", "M": "month"}
"""Frequency codes → DuckDB date_trunc units. Weeks start on Monday."""

_EVENT_TIME = {
    "calls": "received_at",
    "incidents": "created_at",
    "mental_health": "created_at",
    "missing_persons": "reported_at",
    "crimes": "recorded_at",
    "asb": "month",
    "counts": "period_start",
}
_MEASURES = ("count", "officer_hours")


def _time_expression(store: Store, stream: str, freq: str, timezone: str) -> str:
    """SQL for the local period start of each row; month-only crime stays monthly."""
    unit = FREQS[freq]
    if stream == "asb":
        if freq != "M":
            raise ValueError(
                "Anti-social behaviour is recorded by month only; use freq='M'."
            )
        return "CAST(month AS TIMESTAMP)"
    if stream == "crimes":
        row = store.con.execute(
            "SELECT count(*) FILTER (WHERE recorded_at IS NULL) FROM crimes"
        ).fetchone()
        if row and row[0] and freq != "M":
            raise ValueError(
                "Some crimes are recorded by month only; use freq='M' for them."
            )
        if freq == "M":
            return "CAST(month AS TIMESTAMP)"
    column = quote(_EVENT_TIME[stream])
    return f"date_trunc('{unit}', timezone(?, {column}))"


def build_series(
    store: Store,
    stream: str,
    freq: str = "D",
    by: Sequence[str] = (),
    measure: str = "count",
    timezone: str = "Europe/London",
    start: date | None = None,
    end: date | None = None,
    fill_missing: str = "none",
) -> pd.DataFrame:
    """Aggregate one stream into regular, zero-filled series in local time.

    Hourly series follow the local wall clock, as the benchmark protocol does: at the
    autumn clock change the two 01:00 hours share one slot, and the spring 01:00 slot,
    which no clock shows, takes the mean of its neighbours.

    Args:
        store: The store holding the stream table.
        stream: A stream with events in time (not `establishment`).
        freq: "h", "D", "W" (weeks from Monday) or "M".
        by: Level columns, e.g. ("area",) or ("area", "grade"); () for the force.
        measure: "count" of rows, or "officer_hours" summed (workload).
        timezone: Local zone that periods follow.
        start: First period to include (local date); default the first with data.
        end: Last period to include (local date); default the last with data.
        fill_missing: For `counts` only (sources that give counts per period):
            how a period without a row is filled, see
            `series_counts.fill_missing_periods`; "none" leaves it NaN.

    Returns:
        A frame satisfying `demand`: `unique_id, ds, y` plus the `by` columns, one
        row per series and period, `y` never null (0 for a period with no events),
        except missing `counts` periods left unfilled.

    Raises:
        ValueError: unknown stream, frequency, level or measure.
    """
    schema = get_stream(stream)
    if stream not in _EVENT_TIME:
        raise ValueError(f"Stream {stream!r} has no events to count; pick another.")
    if freq not in FREQS:
        raise ValueError(f"Unknown frequency {freq!r}; use one of {', '.join(FREQS)}.")
    if measure not in _MEASURES:
        raise ValueError(f"Unknown measure {measure!r}; use one of {_MEASURES}.")
    for col in [*by, *(["officer_hours"] if measure == "officer_hours" else [])]:
        if col not in schema.column_names:
            raise ValueError(f"Stream {stream!r} has no column {col!r} to group by.")
    if stream == "counts":
        from demand.series_counts import build_count_series

        if measure != "count":
            raise ValueError("Aggregate counts have no officer hours; use 'count'.")
        frame = build_count_series(store, freq, by, timezone, fill_missing, start, end)
        if freq == "h":
            frame = _fill_spring_hour(frame, list(by), timezone)
        return frame

    period = _time_expression(store, stream, freq, timezone)
    params: list[object] = [timezone] if "?" in period else []
    value = "count(*)" if measure == "count" else "coalesce(sum(officer_hours), 0)"
    keys = ", ".join(
        f"coalesce(CAST({quote(c)} AS VARCHAR), 'unknown') AS {quote(c)}" for c in by
    )
    key_cols = ", ".join(quote(c) for c in by)
    sql = f"""
        WITH events AS (
            SELECT {period} AS ds{", " + keys if by else ""}, {value} AS y
            FROM {quote(stream)} GROUP BY ALL
        ),
        bounds AS (
            SELECT coalesce(CAST(? AS TIMESTAMP), min(ds)) AS lo,
                   coalesce(date_trunc('{FREQS[freq]}', CAST(? AS TIMESTAMP)), max(ds))
                       AS hi
            FROM events
        ),
        grid AS (
            SELECT unnest(generate_series(lo, hi, INTERVAL 1 {FREQS[freq]})) AS ds
            FROM bounds WHERE lo IS NOT NULL
        ),
        levels AS (SELECT DISTINCT {key_cols if by else "1 AS _all"} FROM events)
        SELECT g.ds{", " + ", ".join("l." + quote(c) for c in by) if by else ""},
               coalesce(e.y, 0) AS y
        FROM grid g CROSS JOIN levels l
        LEFT JOIN events e ON e.ds = g.ds
            {"".join(f" AND e.{quote(c)} = l.{quote(c)}" for c in by)}
        ORDER BY {", ".join("l." + quote(c) for c in by) + ", " if by else ""}g.ds
    """
    frame = store.con.execute(sql, [*params, start, end]).df()
    frame["y"] = frame["y"].astype(float)
    if freq == "h":
        frame = _fill_spring_hour(frame, list(by), timezone)
    frame.insert(0, "unique_id", unique_ids(stream, by, frame))
    return frame[["unique_id", "ds", "y", *by]].reset_index(drop=True)


def _fill_spring_hour(
    frame: pd.DataFrame, by: list[str], timezone: str
) -> pd.DataFrame:
    """Give each local hour that no clock shows the mean of its neighbours."""
    local = pd.DatetimeIndex(frame["ds"])
    gaps = local.tz_localize(timezone, ambiguous=True, nonexistent="NaT").isna()
    if not gaps.any():
        return frame
    y = frame.groupby(by, sort=False)["y"] if by else frame["y"]
    neighbours = (y.shift(1) + y.shift(-1)) / 2
    out = frame.copy()
    out.loc[gaps, "y"] = neighbours[gaps].fillna(0.0)
    return out


def build_hierarchy(
    store: Store,
    stream: str,
    freq: str = "D",
    levels: Sequence[Sequence[str]] = ((), ("area",)),
    **kwargs: Any,
) -> pd.DataFrame:
    """Build one stream's series at several levels, e.g. force and area.

    Returns:
        The frames of `build_series` stacked; level columns a level does not use
        are null. Each row's `unique_id` names its level and keys.
    """
    frames = [build_series(store, stream, freq, by=lv, **kwargs) for lv in levels]
    return pd.concat(frames, ignore_index=True)


def financial_year(ds: pd.Series | pd.DatetimeIndex) -> pd.Series:
    """Label each date with its UK financial year (April–March), e.g. "2025/26"."""
    ts = pd.DatetimeIndex(ds)
    start = ts.year - (ts.month < 4)
    labels = [f"{y}/{(y + 1) % 100:02d}" for y in start]
    return pd.Series(labels, index=getattr(ds, "index", None), dtype=object)


def to_financial_years(demand: pd.DataFrame, value: str = "y") -> pd.DataFrame:
    """Sum a demand (or forecast) frame to UK financial years per series.

    Returns:
        `unique_id, financial_year, <value>, periods`, where `periods` counts the
        periods summed, so a part year is visible.
    """
    fy = financial_year(demand["ds"]).to_numpy()
    grouped = demand.assign(financial_year=fy).groupby(
        ["unique_id", "financial_year"], sort=True
    )
    return grouped.agg(
        **{value: (value, "sum"), "periods": ("ds", "size")}
    ).reset_index()


def write_demand(
    store: Store, demand: pd.DataFrame, stream: str, freq: str, measure: str = "count"
) -> int:
    """Replace the stored series of (stream, freq, measure) with `demand`.

    Returns:
        Rows written to the `demand` table.
    """
    rows = demand[["unique_id", "ds", "y"]].assign(
        stream=stream, freq=freq, measure=measure
    )
    with store.transaction() as con:
        con.execute(
            "DELETE FROM demand WHERE stream = ? AND freq = ? AND measure = ?",
            [stream, freq, measure],
        )
        con.register("_new_demand", rows)
        con.execute(
            "INSERT INTO demand SELECT unique_id, stream, freq, measure, ds, y "
            "FROM _new_demand"
        )
        con.unregister("_new_demand")
    return len(rows)
