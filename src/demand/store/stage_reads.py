"""What the stages read from the store: fingerprints, series and forecasts."""

from __future__ import annotations

import pandas as pd

from demand.store import Store

__all__ = [
    "demand_fingerprint_row",
    "loaded_files_text",
    "read_demand_rows",
    "read_run_forecasts",
]


def loaded_files_text(store: Store) -> str:
    """Return the SHA-256 and stream of every loaded file, sorted, comma-joined."""
    row = store.con.execute(
        "SELECT coalesce(string_agg(sha256 || stream, ',' ORDER BY sha256, stream), '')"
        " FROM ingest_log WHERE status = 'loaded'"
    ).fetchone()
    return row[0] if row else ""


def demand_fingerprint_row(store: Store) -> tuple[int, int] | None:
    """Return (rows, order-free hash sum) of the stored `demand` series."""
    row = store.con.execute(
        "SELECT count(*), coalesce(sum(hash(unique_id, freq, measure, ds, y)), 0) "
        "FROM demand"
    ).fetchone()
    return None if row is None else (row[0], row[1])


def read_run_forecasts(store: Store, run_id: str) -> pd.DataFrame:
    """Return every `forecasts` row of `run_id`."""
    return store.con.execute("SELECT * FROM forecasts WHERE run_id = ?", [run_id]).df()


def read_demand_rows(
    store: Store,
    freqs: list[str],
    measures: list[str],
    streams: list[str],
) -> pd.DataFrame:
    """Return `demand` rows of these frequencies and measures, sorted.

    Args:
        streams: The streams to read; empty for every stream.

    Returns:
        ``unique_id, stream, freq, measure, ds, y`` ordered by stream, freq,
        measure, unique_id, ds.
    """
    return store.con.execute(
        "SELECT unique_id, stream, freq, measure, ds, y FROM demand "
        "WHERE list_contains(?, freq) AND list_contains(?, measure) "
        "AND (len(?) = 0 OR list_contains(?, stream)) "
        "ORDER BY stream, freq, measure, unique_id, ds",
        [freqs, measures, streams, streams],
    ).df()
