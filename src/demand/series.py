"""Stream tables → regular, zero-filled demand series in local time (long format)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from demand.periods import FINANCIAL_YEAR_START_MONTH, FREQS, financial_year
from demand.schemas import get_stream
from demand.series_ids import unique_ids
from demand.store import Store, quote

__all__ = [
    "EMPTY_RUN_PROBABILITY",
    "FINANCIAL_YEAR_START_MONTH",
    "FREQS",
    "build_series",
    "is_month_only",
    "is_unlikely_empty",
    "build_hierarchy",
    "financial_year",
    "to_financial_years",
    "write_demand",
]

_MEASURES = ("count", "officer_hours")

EMPTY_RUN_PROBABILITY = 0.001
"""Below this chance of happening by chance, a run of days with no events is
not chance: a gap in the data (quality) or a part period outside the extract."""


def is_unlikely_empty(rate_per_day: float, days: float) -> bool:
    """True if `days` days without an event are too unlikely to be chance.

    Events are taken as Poisson at the series' mean rate: the chance of none
    in `days` days is exp(-rate × days); below `EMPTY_RUN_PROBABILITY` the run
    is a gap (about 7 expected events missing). A low-volume series' empty
    days are expected, not gaps.
    """
    return days > 0 and rate_per_day * days > -math.log(EMPTY_RUN_PROBABILITY)


def is_month_only(store: Store, stream: str) -> bool:
    """True if some of the stream's rows hold a month and no time (police.uk).

    Such a stream is counted by month only: its months are whole, and it has
    no hours, days or weeks (`StreamSchema.grain`, `month_column`).
    """
    schema = get_stream(stream)
    if schema.grain == "month":
        return True
    if schema.month_column is None:
        return False
    row = store.con.execute(
        f"SELECT count(*) FILTER (WHERE {quote(schema.time_column)} IS NULL) "
        f"FROM {quote(stream)}"
    ).fetchone()
    return bool(row and row[0])


def _part_periods(
    store: Store, stream: str, freq: str, timezone: str
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last weeks or months the extract covers only in part.

    The extract is taken to run from its first to its last event's local day.
    A first (last) period is partial if the days of it before the first (after
    the last) event would hold events at the stream's mean rate
    (`is_unlikely_empty`): a series that stops on 17 May has no full May.

    Returns:
        (first period to drop or None, last period to drop or None).
    """
    schema = get_stream(stream)
    if freq not in ("W", "M") or schema.grain != "instant":
        return None, None
    if is_month_only(store, stream):
        return None, None  # months with no days are whole
    column = quote(schema.time_column)
    row = store.con.execute(
        f"SELECT min(timezone(?, {column})), max(timezone(?, {column})), count(*) "
        f"FROM {quote(stream)} WHERE {column} IS NOT NULL",
        [timezone, timezone],
    ).fetchone()
    if row is None or row[0] is None:
        return None, None
    first_day = pd.Timestamp(row[0]).normalize()
    last_day = pd.Timestamp(row[1]).normalize()
    rate = row[2] / ((last_day - first_day).days + 1)
    if freq == "M":
        first_start = first_day.to_period("M").start_time
        last_end = last_day.to_period("M").end_time.normalize()
        last_start = last_day.to_period("M").start_time
    else:
        first_start = first_day - pd.Timedelta(days=first_day.day_of_week)
        last_start = last_day - pd.Timedelta(days=last_day.day_of_week)
        last_end = last_start + pd.Timedelta(days=6)
    head = (first_day - first_start).days
    tail = (last_end - last_day).days
    return (
        first_start if is_unlikely_empty(rate, head) else None,
        last_start if is_unlikely_empty(rate, tail) else None,
    )


def _time_expression(store: Store, stream: str, freq: str, timezone: str) -> str:
    """SQL for the local period start of each row; a month-only stream stays
    monthly, and a stream with a month column counts months by it."""
    schema = get_stream(stream)
    month = schema.time_column if schema.grain == "month" else schema.month_column
    if month is not None:
        if freq != "M" and schema.grain == "month":
            raise ValueError(f"{stream} is recorded by month only; use freq='M'.")
        if freq != "M" and is_month_only(store, stream):
            raise ValueError(
                f"Some {stream} are recorded by month only; use freq='M' for them."
            )
        if freq == "M":
            return f"CAST({quote(month)} AS TIMESTAMP)"
    column = quote(schema.time_column)
    return f"date_trunc('{FREQS[freq]}', timezone(?, {column}))"


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

    A first or last week or month that the extract covers only in part (see
    `_part_periods`) is left out, unless `start`/`end` are given: a part
    month counted as a full one would look like a fall in demand.

    Returns:
        A frame satisfying `demand`: `unique_id, ds, y` plus the `by` columns, one
        row per series and period, `y` never null (0 for a period with no events),
        except missing `counts` periods left unfilled.

    Raises:
        ValueError: unknown stream, frequency, level or measure.
    """
    schema = get_stream(stream)
    if schema.grain == "date":
        raise ValueError(f"Stream {stream!r} has no events to count; pick another.")
    if freq not in FREQS:
        raise ValueError(f"Unknown frequency {freq!r}; use one of {', '.join(FREQS)}.")
    if measure not in _MEASURES:
        raise ValueError(f"Unknown measure {measure!r}; use one of {_MEASURES}.")
    for col in [*by, *(["officer_hours"] if measure == "officer_hours" else [])]:
        if col not in schema.column_names:
            raise ValueError(f"Stream {stream!r} has no column {col!r} to group by.")
    if schema.grain == "period":
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
    first, last = _part_periods(store, stream, freq, timezone)
    if first is not None and start is None:
        frame = frame[frame["ds"] > first]
    if last is not None and end is None:
        frame = frame[frame["ds"] < last]
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


def to_financial_years(
    demand: pd.DataFrame,
    value: str = "y",
    start_month: int = FINANCIAL_YEAR_START_MONTH,
) -> pd.DataFrame:
    """Sum a demand (or forecast) frame to financial years per series.

    Args:
        demand: A frame with `unique_id, ds` and `value`.
        value: Column to sum.
        start_month: Month the financial year starts in (`financial_year`).

    Returns:
        `unique_id, financial_year, <value>, periods`, where `periods` counts the
        periods summed, so a part year is visible.
    """
    fy = financial_year(demand["ds"], start_month).to_numpy()
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
