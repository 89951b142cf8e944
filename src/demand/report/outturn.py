"""Forecast against outturn: an earlier run's forecasts beside what happened."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from demand.report.data import split_unique_id
from demand.store import Store
from demand.store.earlier_runs import (
    earlier_judged_forecast_run,
    read_forecast_outturn,
    read_last_backtest_window,
)

__all__ = [
    "BACKTEST_LABEL",
    "SHIFT_MONTHS",
    "Outturn",
    "outturn_table",
    "read_outturn",
    "shifted_streams",
]

log = logging.getLogger(__name__)

BACKTEST_LABEL = "backtest, not a forecast made at the time"
"""How the report labels the stand-in when no earlier run can be judged."""
SHIFT_MONTHS = 3
"""Latest compared months that, all outside the 80 % range on the same side,
flag a stream as possibly shifted. Under a calibrated range each side holds
10 % of months, so three in a row on one side happen by chance in about
2 x 0.1^3 = 0.2 % of streams (more where errors run in streaks, as after a
real shift)."""


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
    def force(self) -> pd.DataFrame:
        """The force-wide rows of `months` (all of them when there are none)."""
        if self.months.empty:
            return self.months
        return self.months[self.months["area"] == "force"]

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
    earlier = earlier_judged_forecast_run(store, pipeline, forecast_run)
    if earlier is not None:
        months = read_forecast_outturn(store, earlier)
        return Outturn("forecast", earlier, _months(months))
    months = read_last_backtest_window(store, forecast_run)
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
    force = outturn.force
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


def shifted_streams(outturn: Outturn) -> pd.DataFrame:
    """Streams (force-wide) whose last `SHIFT_MONTHS` compared months all fell
    outside the forecast's 80 % range on the same side.

    Such a run of misses says demand may have moved since the errors the
    intervals were calibrated on, so the ranges ahead may be too narrow.

    Returns:
        ``stream, side`` ("above" or "below" the range), ``first_month`` and
        ``last_month`` of the run (``%b %Y``) and ``outturn`` and ``forecast``
        over it; empty when no stream qualifies or nothing is compared.
    """
    columns = ["stream", "side", "first_month", "last_month", "outturn", "forecast"]
    if outturn.months.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for stream, months in outturn.force.sort_values("ds").groupby("stream", sort=True):
        last = months.tail(SHIFT_MONTHS)
        if len(last) < SHIFT_MONTHS:
            continue
        for side, outside in (
            ("above", last["y"] > last["hi_80"]),
            ("below", last["y"] < last["lo_80"]),
        ):
            if outside.all():
                first, end = pd.to_datetime(last["ds"].iloc[[0, -1]])
                rows.append(
                    {
                        "stream": stream,
                        "side": side,
                        "first_month": f"{first:%b %Y}",
                        "last_month": f"{end:%b %Y}",
                        "outturn": float(last["y"].sum()),
                        "forecast": float(last["mean"].sum()),
                    }
                )
    return pd.DataFrame(rows, columns=columns)
