"""The forecast stage's edges: read its series from the store, write its tables."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from demand.config import ForecastConfig
from demand.forecast.registry import MODELS, make_model
from demand.periods import period_ends
from demand.store import Store
from demand.store.runs import replace_run_rows
from demand.store.stage_reads import read_demand_rows

__all__ = [
    "ForecastGroup",
    "read_forecast_groups",
    "read_forecast_series",
    "resolve_models",
    "write_run_rows",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ForecastGroup:
    """The series of one (stream, freq, measure): force and areas together.

    `term` is the plan the forecast serves, "operational" or "strategic" (stored
    in `forecasts.horizon`); `h` is its horizon in periods of `freq`.
    """

    stream: str
    freq: str
    measure: str
    term: str
    h: int
    frame: pd.DataFrame


def resolve_models(section: ForecastConfig) -> tuple[str, ...]:
    """Return the model aliases to fit: "auto" becomes "auto_ets" where unregistered.

    Raises:
        ValueError: an alias (or the fallback) is not a registered model.
    """
    aliases = []
    for alias in section.models:
        if alias == "auto" and "auto" not in MODELS:
            logger.warning("Model 'auto' is not registered here; using 'auto_ets'.")
            alias = "auto_ets"
        make_model(alias)  # fails fast, naming the registered models
        aliases.append(alias)
    make_model(section.fallback)
    return tuple(dict.fromkeys(aliases))


def _terms(section: ForecastConfig) -> dict[str, tuple[str, int]]:
    """Return (term, horizon in periods) per freq."""
    return {
        "h": ("operational", section.operational_hours),
        "D": ("operational", section.operational_days),
        "M": ("strategic", section.strategic_months),
    }


def read_forecast_series(store: Store, section: ForecastConfig) -> list[pd.DataFrame]:
    """Read the stored `demand` series this section forecasts, cut to `train_end`.

    Hourly series are read for `hourly_streams` only (their last
    `hourly_history_weeks`); a last month that the daily series of the same
    stream does not cover to its end is dropped (a part month would look like a
    fall in demand).

    Returns:
        One frame per (stream, freq, measure): `unique_id, stream, freq,
        measure, ds, y`, sorted by `unique_id, ds`.
    """
    wanted = [f for f, (_, h) in _terms(section).items() if h > 0]
    frame = read_demand_rows(
        store, wanted, list(section.measures), list(section.streams)
    )
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.as_unit("ns")
    if section.train_end:
        end = pd.Timestamp(section.train_end) + pd.Timedelta(days=1)
        frame = frame[period_ends(frame["ds"], frame["freq"]) <= end]
    hourly = frame["freq"] == "h"
    frame = frame[~hourly | frame["stream"].isin(section.hourly_streams)]
    groups = []
    last_day = frame[frame["freq"] == "D"].groupby(["stream", "measure"])["ds"].max()
    for (stream, freq, measure), g in frame.groupby(
        ["stream", "freq", "measure"], sort=True
    ):
        if freq == "h" and section.hourly_history_weeks:
            g = g[
                g["ds"]
                > g["ds"].max() - pd.Timedelta(weeks=section.hourly_history_weeks)
            ]
        if freq == "M" and (stream, measure) in last_day.index:
            covered = last_day[(stream, measure)] + pd.Timedelta(days=1)
            g = g[period_ends(g["ds"], "M") <= covered]
        if len(g):
            groups.append(g.reset_index(drop=True))
    return groups


def read_forecast_groups(store: Store, section: ForecastConfig) -> list[ForecastGroup]:
    """Return the series to forecast, one group per (stream, freq, measure).

    Raises:
        ValueError: the store holds no such series (the series stage has not run).
    """
    terms = _terms(section)
    out = []
    for g in read_forecast_series(store, section):
        stream, freq, measure = g[["stream", "freq", "measure"]].iloc[0]
        term, h = terms[freq]
        out.append(
            ForecastGroup(stream, freq, measure, term, h, g[["unique_id", "ds", "y"]])
        )
    if not out:
        raise ValueError(
            "No demand series to forecast: run the series stage first (`demand "
            'run PIPELINE.toml` with "series" in its stages), or check the '
            "forecast section's streams and measures."
        )
    return out


def write_run_rows(
    store: Store, tables: Mapping[str, pd.DataFrame], run_id: str
) -> dict[str, int]:
    """Replace `run_id`'s rows of each table with its frame, all in one transaction.

    Columns are matched by name; table columns a frame lacks are written as NULL.
    Either every table is replaced or, if anything fails, none is.

    Args:
        store: The store.
        tables: {table name: rows}, e.g. {"forecasts": ..., "model_choices": ...}.
        run_id: The run whose earlier rows are replaced.

    Returns:
        Rows written per table.
    """
    with store.transaction() as con:
        return {
            table: replace_run_rows(con, table, frame, run_id)
            for table, frame in tables.items()
        }
