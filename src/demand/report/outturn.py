"""Forecast against outturn: an earlier run's forecasts beside what happened."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from demand.report.data import split_unique_id
from demand.store import Store

__all__ = ["BACKTEST_LABEL", "Outturn", "outturn_table", "read_outturn"]

log = logging.getLogger(__name__)

BACKTEST_LABEL = "backtest, not a forecast made at the time"
"""How the report labels the stand-in when no earlier run can be judged."""

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


@dataclass(frozen=True)
class Outturn:
    """Monthly forecasts beside the recorded months they forecast.

    Attributes:
        kind: "forecast" (an earlier run's forecast, made at the time),
            "backtest" (the stand-in, `BACKTEST_LABEL`) or "none".
        run_id: The earlier forecast run (or the backtest's run); "" for none.
        months: ``unique_id, stream, area, ds, model, mean, lo_80, hi_80, y``:
            one row per series and recorded month (force and area series).
    """

    kind: str
    run_id: str
    months: pd.DataFrame

    @property
    def label(self) -> str:
        """What the comparison is, in words for the report."""
        if self.kind == "forecast":
            return f"forecast made at the time by run {self.run_id}"
        if self.kind == "backtest":
            return f"{BACKTEST_LABEL} (run {self.run_id}'s last backtest window)"
        return "no earlier forecast and no backtest to compare with"


def _months(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop_duplicates(["unique_id", "ds"]).reset_index(drop=True)
    frame = frame.assign(area=split_unique_id(frame["unique_id"]))
    return frame[frame["area"] != "other"].reset_index(drop=True)


def read_outturn(store: Store, pipeline: str, forecast_run: str) -> Outturn:
    """Read the newest earlier forecast that can now be judged against outturn.

    An earlier run of the same pipeline whose monthly strategic forecasts now
    have recorded months in `demand` is used: the newest with twelve months
    recorded, else the one with the most; where none exists, the monthly
    backtest of `forecast_run` (its last window) stands in, labelled
    `BACKTEST_LABEL`.

    Args:
        store: The store (read access is enough).
        pipeline: The pipeline's name.
        forecast_run: The run whose forecasts the report shows (not compared).

    Returns:
        The `Outturn` (kind "none" with no rows when neither exists).
    """
    row = store.con.execute(_EARLIER_RUN_SQL, [pipeline, forecast_run]).fetchone()
    if row is not None:
        months = store.con.execute(_FORECAST_SQL, [row[0]]).df()
        return Outturn("forecast", str(row[0]), _months(months))
    months = store.con.execute(_BACKTEST_SQL, [forecast_run, forecast_run]).df()
    if len(months):
        return Outturn("backtest", forecast_run, _months(months))
    return Outturn("none", "", pd.DataFrame())


def outturn_table(outturn: Outturn) -> pd.DataFrame:
    """One row per stream (force-wide): forecast and outturn over the months
    compared, the error and how many months fell inside the 80 % range.

    Returns:
        ``stream, first_month, last_month, months, forecast, outturn,
        error_fraction`` ((forecast − outturn) / outturn) and
        ``months_inside_80``; empty when there is nothing to compare.
    """
    columns = [
        "stream",
        "first_month",
        "last_month",
        "months",
        "forecast",
        "outturn",
        "error_fraction",
        "months_inside_80",
    ]
    if outturn.months.empty:
        return pd.DataFrame(columns=columns)
    force = outturn.months[outturn.months["area"] == "force"]
    inside = force["y"].between(force["lo_80"], force["hi_80"])
    table = (
        force.assign(inside=inside)
        .groupby("stream", sort=True)
        .agg(
            first_month=("ds", "min"),
            last_month=("ds", "max"),
            months=("ds", "size"),
            forecast=("mean", "sum"),
            outturn=("y", "sum"),
            months_inside_80=("inside", "sum"),
        )
        .reset_index()
    )
    table["error_fraction"] = (table["forecast"] - table["outturn"]) / table[
        "outturn"
    ].where(table["outturn"] != 0)
    for col in ("first_month", "last_month"):
        table[col] = pd.to_datetime(table[col]).dt.strftime("%b %Y")
    return table[columns]
