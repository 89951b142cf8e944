"""Aggregate counts (the `counts` table) → regular series; missing stays missing."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from demand.series_ids import unique_ids
from demand.store import Store, quote

__all__ = ["FILL_POLICIES", "build_count_series", "fill_missing_periods"]

logger = logging.getLogger(__name__)

FILL_POLICIES = ("none", "interpolate", "zero")
"""How a period with no row is filled; a number (e.g. "1.5") is also accepted."""

_SOURCE_STEP = {"h": "1h", "D": "1D"}
_ORDER = {"h": 0, "D": 1, "W": 2, "M": 3}


def fill_missing_periods(y: pd.Series, policy: str) -> pd.Series:
    """Fill the missing (NaN) values of one series, in time order.

    Args:
        y: Counts of one series in time order; NaN marks a missing period.
        policy: "none" (stay missing), "interpolate" (linear between the
            neighbours, ends carried), "zero", or a number as text ("1.5"),
            e.g. for a source that leaves out periods under a threshold.

    Returns:
        The filled counts, same index.

    Raises:
        ValueError: The policy is none of these.
    """
    if policy == "none":
        return y
    if policy == "interpolate":
        return y.interpolate(limit_direction="both")
    if policy == "zero":
        return y.fillna(0.0)
    try:
        value = float(policy)
    except ValueError:
        raise ValueError(
            f"Unknown fill policy {policy!r}; use one of {', '.join(FILL_POLICIES)} "
            "or a number such as '1.5'."
        ) from None
    return y.fillna(value)


def _floor(local: pd.Series, freq: str) -> pd.Series:
    if freq == "h":
        return local.dt.floor("h")
    if freq == "D":
        return local.dt.floor("D")
    if freq == "W":
        return local.dt.to_period("W-SUN").dt.start_time
    return local.dt.to_period("M").dt.start_time


def build_count_series(
    store: Store,
    freq: str,
    by: Sequence[str] = (),
    timezone: str = "Europe/London",
    fill_missing: str = "none",
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Aggregate the `counts` table into regular series in local time.

    A source period without a row is missing, not zero: it is filled by
    `fill_missing` at the source's own resolution (UTC hours or days), and a
    coarser period holding any period still missing is missing (NaN) too.

    Args:
        store: The store holding the `counts` table.
        freq: "h", "D", "W" or "M"; not finer than the source's periods.
        by: Level columns of `counts`, e.g. ("series",).
        timezone: Local zone that periods follow.
        fill_missing: A policy of `fill_missing_periods`.
        start: First period to include (local date); default the first with data.
        end: Last period to include (local date); default the last with data.

    Returns:
        `unique_id, ds, y` plus the `by` columns; `y` is NaN only where a
        period is missing and `fill_missing` is "none".

    Raises:
        ValueError: `freq` is finer than a source's periods, or a bad policy.
    """
    cols = ["series", "freq", *(c for c in by if c not in ("series", "freq"))]
    raw = store.con.execute(
        f"SELECT {', '.join(map(quote, dict.fromkeys(cols)))}, period_start, "
        "count FROM counts ORDER BY ALL"
    ).df()
    if raw.empty:
        return pd.DataFrame(columns=["unique_id", "ds", "y", *by])
    coarse = raw["freq"].map(_ORDER).max()
    if _ORDER[freq] < coarse:
        raise ValueError(
            f"Some counts are daily; build them at freq 'D', 'W' or 'M', not {freq!r}."
        )
    parts = []
    for (series, source_freq), part in raw.groupby(["series", "freq"], sort=True):
        utc = pd.DatetimeIndex(part["period_start"]).tz_convert("UTC")
        grid = pd.date_range(utc.min(), utc.max(), freq=_SOURCE_STEP[source_freq])
        filled = part.set_index(utc)[["count", *by]].reindex(grid)
        for col in by:
            filled[col] = filled[col].ffill().bfill()
        missing = int(filled["count"].isna().sum())
        if missing:
            logger.info(
                "counts %s: %d of %d periods missing; fill policy %r",
                series, missing, len(grid), fill_missing,
            )  # fmt: skip
        filled["y"] = fill_missing_periods(filled["count"], fill_missing)
        local = pd.Series(grid.tz_convert(timezone).tz_localize(None), index=grid)
        filled["ds"] = _floor(local, freq)
        parts.append(filled.reset_index(drop=True))
    frame = pd.concat(parts, ignore_index=True)
    keys = [*by, "ds"]
    grouped = frame.groupby(keys, sort=True, dropna=False)["y"]
    out = grouped.sum().to_frame("y")
    out.loc[grouped.apply(lambda v: v.isna().any()).to_numpy(), "y"] = np.nan
    out = out.reset_index()
    out = _regular(out, list(by), freq, start, end)
    out.insert(0, "unique_id", unique_ids("counts", by, out))
    return out[["unique_id", "ds", "y", *by]].reset_index(drop=True)


def _regular(
    frame: pd.DataFrame,
    by: list[str],
    freq: str,
    start: date | None,
    end: date | None,
) -> pd.DataFrame:
    """Put every series on one regular grid of local periods; new periods NaN."""
    step = {"h": "h", "D": "D", "W": "W-MON", "M": "MS"}[freq]
    lo = pd.Timestamp(start) if start else frame["ds"].min()
    hi = pd.Timestamp(end) if end else frame["ds"].max()
    grid = pd.date_range(_floor(pd.Series([lo]), freq)[0], hi, freq=step)
    levels = frame[by].drop_duplicates() if by else pd.DataFrame(index=[0])
    full = levels.merge(pd.DataFrame({"ds": grid}), how="cross")
    out = full.merge(frame, on=[*by, "ds"], how="left")
    return out.sort_values([*by, "ds"], kind="stable").reset_index(drop=True)
