"""What a report reads from the store: one pipeline run's forecasts, capacity
and data checks, and the recent history they are shown against."""

from __future__ import annotations

import pandas as pd

from demand.store import Store, quote

__all__ = [
    "has_table",
    "read_chosen_forecasts",
    "read_data_checks",
    "read_hour_of_week",
    "read_hours_per_unit",
    "read_recent_counts",
    "read_run_table",
]

# The configured model's rows first; a series whose fit fell back (to seasonal
# naive, or naive for a history shorter than a season) has only the fallback's.
_CHOSEN_FORECASTS_SQL = (
    "SELECT f.unique_id, f.stream, f.ds, f.model, f.mean, f.lo_80, f.hi_80, "
    "f.lo_95, f.hi_95 FROM forecasts f LEFT JOIN model_choices c ON "
    "c.run_id = f.run_id AND c.unique_id = f.unique_id AND c.freq = f.freq "
    "AND c.measure = f.measure WHERE f.run_id = ? AND f.freq = ? AND "
    "f.measure = 'count' AND f.horizon = ? "
    "ORDER BY f.unique_id, f.ds, f.model = coalesce(c.model, f.model) DESC, f.model"
)


def has_table(store: Store, table: str) -> bool:
    """Whether the store has `table` (an older store may predate it)."""
    row = store.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
        [table],
    ).fetchone()
    return bool(row and row[0])


def read_chosen_forecasts(
    store: Store, run_id: str, freq: str, horizon: str
) -> pd.DataFrame:
    """Return the run's count forecasts of `freq` and `horizon`, each series'
    chosen model's rows first (then its fallback's), by ``unique_id, ds``."""
    return store.con.execute(_CHOSEN_FORECASTS_SQL, [run_id, freq, horizon]).df()


_STEPS = {"M": "to_months", "D": "to_days"}


def read_recent_counts(store: Store, freq: str, periods: int) -> pd.DataFrame:
    """Return the last `periods` periods of force and area counts of `freq`
    ("M" or "D"): ``unique_id, stream, ds, y``."""
    return store.con.execute(
        "SELECT unique_id, stream, ds, y FROM demand WHERE freq = ? AND "
        "measure = 'count' AND ds > (SELECT max(ds) FROM demand WHERE freq = ?)"
        f" - {_STEPS[freq]}(CAST(? AS INTEGER)) ORDER BY unique_id, ds",
        [freq, freq, periods],
    ).df()


def read_hours_per_unit(store: Store) -> pd.DataFrame:
    """Return ``unique_id, hours_per_unit``: recorded officer hours over counts
    of the last 12 months (series that record hours)."""
    return store.con.execute(
        "WITH recent AS (SELECT * FROM demand WHERE freq = 'M' AND ds > "
        "(SELECT max(ds) FROM demand WHERE freq = 'M') - INTERVAL 12 MONTH) "
        "SELECT h.unique_id, sum(h.y) / nullif(sum(c.y), 0) AS hours_per_unit "
        "FROM recent h JOIN recent c ON c.unique_id = h.unique_id AND c.ds = h.ds "
        "AND c.measure = 'count' WHERE h.measure = 'officer_hours' GROUP BY ALL"
    ).df()


def read_hour_of_week(store: Store) -> pd.DataFrame:
    """Return ``stream, hour_of_week, y``: mean force-wide hourly demand of the
    last 8 weeks (hour 0 = Monday 00:00 local)."""
    return store.con.execute(
        "WITH h AS (SELECT stream, ds, y FROM demand WHERE freq = 'h' AND "
        "measure = 'count' AND unique_id = stream AND ds > (SELECT max(ds) FROM "
        "demand WHERE freq = 'h') - INTERVAL 8 WEEK) SELECT stream, "
        "(isodow(ds) - 1) * 24 + hour(ds) AS hour_of_week, avg(y) AS y FROM h "
        "GROUP BY ALL ORDER BY ALL"
    ).df()


def read_run_table(
    store: Store,
    table: str,
    run_id: str | None,
    order_by: tuple[str, ...] = (),
    drop_run_id: bool = False,
    columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Return the run's rows of a derived table, sorted.

    Args:
        table: A derived table with a `run_id` column, e.g. "capacity".
        run_id: The run; None gives no rows (with the table's columns).
        order_by: Columns to sort by, each optionally followed by " DESC";
            none leaves the store's order.
        drop_run_id: Leave the `run_id` column out.
        columns: The columns to read, in order; none for all.
    """
    order = ", ".join(
        quote(c.removesuffix(" DESC")) + (" DESC" if c.endswith(" DESC") else "")
        for c in order_by
    )
    select = ", ".join(quote(c) for c in columns) or (
        "* EXCLUDE (run_id)" if drop_run_id else "*"
    )
    order = f" ORDER BY {order}" if order else ""
    return store.con.execute(
        f"SELECT {select} FROM {quote(table)} WHERE run_id = ?{order}", [run_id]
    ).df()


_DATA_CHECKS_SQL = {
    # Per stream: files loaded, rows read, loaded and rejected.
    "ingest": "SELECT stream, count(*) AS files, sum(rows_read) AS rows_read, "
    "sum(rows_loaded) AS rows_loaded, sum(rows_rejected) AS rows_rejected "
    "FROM ingest_log WHERE status = 'loaded' GROUP BY stream ORDER BY stream",
    # Rejected rows per stream and reason. One row per reason: a duplicate's
    # reason names the line of its first copy, which would give every
    # duplicate its own row.
    "rejects": "SELECT stream, regexp_replace(reason, ': first seen on line "
    "[0-9]+$', '') AS reason, count(*) AS rows FROM rejects GROUP BY ALL "
    "ORDER BY stream, rows DESC, reason",
}


def read_data_checks(store: Store) -> dict[str, pd.DataFrame]:
    """Return the data checks a report shows: "ingest" (per stream: files,
    ``rows_read, rows_loaded, rows_rejected``) and "rejects" (``stream,
    reason, rows``)."""
    return {name: store.con.execute(sql).df() for name, sql in _DATA_CHECKS_SQL.items()}
