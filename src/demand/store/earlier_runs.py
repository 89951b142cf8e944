"""Reads of a pipeline's earlier runs: the run before this one, and an earlier
forecast that recorded months can now judge."""

from __future__ import annotations

import pandas as pd

from demand.store import Store, quote

__all__ = [
    "earlier_judged_forecast_run",
    "previous_stage_run",
    "read_forecast_outturn",
    "read_last_backtest_window",
]

_PREVIOUS_SQL = (
    "SELECT s.run_id FROM stage_runs s WHERE s.pipeline = ? AND s.stage = ? AND "
    "s.status = 'ran' AND s.run_id <> ? AND s.finished_at < (SELECT "
    "max(finished_at) FROM stage_runs WHERE run_id = ? AND stage = ?) AND EXISTS "
    "(SELECT 1 FROM {table} t WHERE t.run_id = s.run_id) "
    "ORDER BY s.finished_at DESC LIMIT 1"
)
# Earlier forecast runs of the pipeline whose monthly forecasts now have
# recorded months in `demand`: the newest with a full year recorded ("last
# year's forecast"), else the one with the most months recorded.
_EARLIER_RUN_SQL = (
    "SELECT s.run_id, least(count(DISTINCT f.ds), 12) AS months, "
    "max(s.finished_at) AS finished FROM stage_runs s JOIN forecasts f ON "
    "f.run_id = s.run_id AND f.freq = 'M' AND f.measure = 'count' AND "
    "f.horizon = 'strategic' JOIN demand d ON d.unique_id = f.unique_id AND "
    "d.ds = f.ds AND d.freq = 'M' AND d.measure = 'count' WHERE s.pipeline = ? "
    "AND s.stage = 'forecast' AND s.status = 'ran' AND s.run_id <> ? "
    "GROUP BY s.run_id ORDER BY months DESC, finished DESC LIMIT 1"
)
# The run's chosen model per series (its fallback where that failed), beside
# the recorded month.
_FORECAST_SQL = (
    "SELECT f.unique_id, f.stream, f.ds, f.model, f.mean, f.lo_80, f.hi_80, d.y "
    "FROM forecasts f JOIN demand d ON d.unique_id = f.unique_id AND d.ds = f.ds "
    "AND d.freq = 'M' AND d.measure = 'count' LEFT JOIN model_choices c ON "
    "c.run_id = f.run_id AND c.unique_id = f.unique_id AND c.freq = f.freq AND "
    "c.measure = f.measure WHERE f.run_id = ? AND f.freq = 'M' AND "
    "f.measure = 'count' AND f.horizon = 'strategic' "
    "ORDER BY f.unique_id, f.ds, f.model = coalesce(c.model, f.model) DESC, f.model"
)
# The last cutoff of the monthly backtests, chosen model first.
_BACKTEST_SQL = (
    "WITH b AS (SELECT * FROM backtests WHERE run_id = ? AND freq = 'M' AND "
    "measure = 'count'), last AS (SELECT unique_id, max(cutoff) AS cutoff FROM b "
    "GROUP BY unique_id) SELECT b.unique_id, b.stream, b.ds, b.model, b.mean, "
    "b.lo_80, b.hi_80, b.y FROM b JOIN last USING (unique_id, cutoff) LEFT JOIN "
    "model_choices c ON c.run_id = ? AND c.unique_id = b.unique_id AND "
    "c.freq = b.freq AND c.measure = b.measure "
    "ORDER BY b.unique_id, b.ds, b.model = coalesce(c.model, b.model) DESC, b.model"
)


def previous_stage_run(
    store: Store, pipeline: str, stage: str, table: str, run_id: str
) -> str:
    """Return the pipeline's last run of `stage`, finished before `run_id`'s,
    that left rows in `table`; "" if there is none."""
    row = store.con.execute(
        _PREVIOUS_SQL.format(table=quote(table)),
        [pipeline, stage, run_id, run_id, stage],
    ).fetchone()
    return "" if row is None else str(row[0])


def earlier_judged_forecast_run(
    store: Store, pipeline: str, forecast_run: str
) -> str | None:
    """Return the pipeline's earlier forecast run (not `forecast_run`) that
    recorded months judge best: the newest with twelve recorded, else the one
    with the most; None if no earlier forecast has a recorded month."""
    row = store.con.execute(_EARLIER_RUN_SQL, [pipeline, forecast_run]).fetchone()
    return None if row is None else str(row[0])


def read_forecast_outturn(store: Store, run_id: str) -> pd.DataFrame:
    """Return the run's monthly strategic forecasts beside the recorded count:
    ``unique_id, stream, ds, model, mean, lo_80, hi_80, y``, chosen model first."""
    return store.con.execute(_FORECAST_SQL, [run_id]).df()


def read_last_backtest_window(store: Store, run_id: str) -> pd.DataFrame:
    """Return the last monthly backtest window of the run, shaped as
    `read_forecast_outturn`'s rows."""
    return store.con.execute(_BACKTEST_SQL, [run_id, run_id]).df()
