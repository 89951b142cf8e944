"""Dated events and interventions: level shifts and excluded periods in history."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demand.config import EventConfig
from demand.forecast.base import normalise_freq

__all__ = [
    "MIN_POST_EVENT_PERIODS",
    "RATIO_WINDOW_PERIODS",
    "YEAR_PERIODS",
    "Adjustment",
    "adjust_history",
    "events_for",
]

logger = logging.getLogger(__name__)

MIN_POST_EVENT_PERIODS: dict[str, int] = {"h": 8 * 168, "D": 365, "W": 104, "M": 24}
"""History after a level shift (periods) that is enough to train on alone: eight
weeks of hours, a year of days, two years of weeks or months (an annual season
needs two cycles)."""

RATIO_WINDOW_PERIODS: dict[str, int] = {"h": 12 * 168, "D": 84, "W": 12, "M": 12}
"""Periods each side of a level shift over which the step is measured: whole
seasons (12 weeks of hours or days, 12 weeks, 12 months), so the weekly (or
annual) cycle cancels out of the ratio."""

YEAR_PERIODS: dict[str, int] = {"h": 52 * 168, "D": 364, "W": 52, "M": 12}
"""Periods back to the same time a year before (whole weeks for hours and days,
so weekdays line up)."""

_RATIO_BOUNDS = (0.05, 20.0)  # a step outside ×0.05..×20 is a data fault, not an event


@dataclass(frozen=True)
class Adjustment:
    """One series' history after its events were applied.

    Attributes:
        frame: The adjusted `demand` rows (`unique_id, ds, y`), possibly shorter
            than the input (trained only after an event); `ds` unchanged.
        notes: What was done, one short sentence per event, for `model_choices`.
    """

    frame: pd.DataFrame
    notes: tuple[str, ...]


def events_for(events: Sequence[EventConfig], stream: str) -> tuple[EventConfig, ...]:
    """Return the events that affect `stream` (an event with no streams affects all),
    oldest first."""
    chosen = [e for e in events if not e.streams or stream in e.streams]
    return tuple(sorted(chosen, key=lambda e: e.date))


def _period_ends(ds: pd.Series, family: str) -> pd.Series:
    """Return the last instant of each period starting at `ds`."""
    step = {
        "h": pd.Timedelta(hours=1),
        "D": pd.Timedelta(days=1),
        "W": pd.Timedelta(days=7),
    }
    if family == "M":
        return ds + pd.offsets.MonthBegin(1) - pd.Timedelta(1, "ns")
    return ds + step[family] - pd.Timedelta(1, "ns")


def _seasonal_position(ds: pd.Series, family: str) -> np.ndarray:
    """Return each period's place in its season: hour of week, weekday, or month."""
    if family == "h":
        return (ds.dt.day_of_week * 24 + ds.dt.hour).to_numpy()
    if family == "D":
        return ds.dt.day_of_week.to_numpy()
    if family == "M":
        return ds.dt.month.to_numpy()
    return np.zeros(len(ds), dtype=int)  # weekly: the annual cycle is left to models


def _level_shift(
    frame: pd.DataFrame, event: EventConfig, family: str
) -> tuple[pd.DataFrame, str]:
    """Train after the event when enough history follows it, else rescale before.

    The step is measured on the `RATIO_WINDOW_PERIODS` periods from the event and
    as many before it (fewer when the history is shorter), and every period
    before the event is multiplied by it. A period that starts before the date
    and ends after it (a month with a mid-month go-live) mixes both regimes: it
    is left out of the windows and rescaled like the past. See `_step`.
    """
    start = pd.Timestamp(event.date)
    ds = frame["ds"]
    after = ds >= start
    straddles = (~after) & (_period_ends(ds, family) >= start)
    n_after = int(after.sum())
    if n_after == 0 or not (~after).any():
        where = "after the history" if n_after == 0 else "before the history"
        return frame, f"{event.name}: {where}; no adjustment"
    if n_after >= MIN_POST_EVENT_PERIODS[family]:
        note = f"{event.name}: trained on the {n_after} periods after {event.date}"
        return frame.loc[after].reset_index(drop=True), note
    step = _step(frame["y"].to_numpy(dtype=float), after, straddles, family)
    if step is None:
        return frame, f"{event.name}: no demand before {event.date}; no adjustment"
    ratio, how = step
    ratio = float(np.clip(ratio, *_RATIO_BOUNDS))
    out = frame.copy()
    out.loc[~after, "y"] = out.loc[~after, "y"] * ratio
    note = f"{event.name}: history before {event.date} rescaled by ×{ratio:.3f} ({how})"
    return out, note


def _step(
    y: np.ndarray, after: pd.Series, straddles: pd.Series, family: str
) -> tuple[float, str] | None:
    """Return a level shift's step (after / before) and how it was measured.

    With a year of history before the windows, the step is the windows' change
    against the same periods a year before: (after ÷ its year before) ÷ (before
    ÷ its year before). The season and a steady trend cancel out of it whatever
    the windows' length: a go-live five months ago, compared with the five
    months before it, would otherwise read the season as part of the step (a
    0.6 step on a monthly cycle of ±20 % read as 0.44). Without that year, the
    means of the windows each side, in whole weekly cycles (the annual cycle
    then stays in the step). None where nothing was counted before.
    """
    season = {"h": 168, "D": 7, "W": 1, "M": 1}[family]
    post_at = np.flatnonzero(after.to_numpy())
    pre_at = np.flatnonzero((~after & ~straddles).to_numpy())
    width = min(RATIO_WINDOW_PERIODS[family], post_at.size, pre_at.size)
    width = max(season, width - width % season)  # whole weeks cancel the weekday
    post_at, pre_at = post_at[:width], pre_at[-width:]
    if pre_at.size == 0 or y[pre_at].sum() <= 0:
        return None
    year = YEAR_PERIODS[family]
    if pre_at[0] >= year and min(y[post_at - year].sum(), y[pre_at - year].sum()) > 0:
        post = y[post_at].sum() / y[post_at - year].sum()
        pre = y[pre_at].sum() / y[pre_at - year].sum()
        return post / pre, f"{width} periods each side against a year before"
    return y[post_at].mean() / y[pre_at].mean(), f"means of {width} periods each side"


def _exclude(
    frame: pd.DataFrame, event: EventConfig, family: str
) -> tuple[pd.DataFrame, str]:
    """Train after an excluded period when enough history follows it, else refill it.

    Refilled periods get a level interpolated linearly between the mean of the
    `RATIO_WINDOW_PERIODS` periods before and after the excluded span (or the one
    side that exists) times the seasonal profile (mean by hour of week, weekday
    or month over the periods kept, relative to their overall mean).
    """
    start = pd.Timestamp(event.date)
    stop = pd.Timestamp(event.end) + pd.Timedelta(days=1)
    ds = frame["ds"]
    inside = ((_period_ends(ds, family) >= start) & (ds < stop)).to_numpy()
    if not inside.any():
        return frame, f"{event.name}: outside the history; no adjustment"
    later = (ds >= stop).to_numpy()
    if later.sum() >= MIN_POST_EVENT_PERIODS[family]:
        note = (
            f"{event.name}: trained on the {int(later.sum())} periods after {event.end}"
        )
        return frame.loc[later].reset_index(drop=True), note
    kept = ~inside
    if not kept.any():
        return frame, f"{event.name}: covers the whole history; no adjustment"
    y = frame["y"].to_numpy(dtype=float)
    position = _seasonal_position(ds, family)
    overall = y[kept].mean()
    profile = pd.Series(y[kept]).groupby(position[kept]).mean() / (overall or 1.0)
    factor = pd.Series(position).map(profile).fillna(1.0).to_numpy()
    width = RATIO_WINDOW_PERIODS[family]
    before = y[: int(np.argmax(inside))][-width:]
    after_idx = np.flatnonzero(later)
    after = y[after_idx[:width]] if after_idx.size else np.array([])
    levels = [a.mean() for a in (before, after) if a.size]
    first, last = levels[0], levels[-1]
    n_inside = int(inside.sum())
    level = np.linspace(first, last, n_inside) if n_inside > 1 else np.array([first])
    out = frame.copy()
    out.loc[inside, "y"] = np.clip(level * factor[inside], 0.0, None)
    note = f"{event.name}: {n_inside} periods from {event.date} to {event.end} refilled"
    return out, note


def adjust_history(
    series: pd.DataFrame, events: Sequence[EventConfig], freq: str
) -> Adjustment:
    """Apply dated events to one series' history before a model sees it.

    A `level_shift` is a lasting step (e.g. Right Care Right Person on 2023-07-01
    cut police attendance at mental-health calls): with at least
    `MIN_POST_EVENT_PERIODS` periods after the date the model trains on those
    alone; otherwise history before the date is multiplied by the measured step,
    so the model sees one regime at today's level. An `exclude` event is an
    untypical span (e.g. a lockdown): with enough history after it the model
    trains after it, otherwise the span is refilled with the seasonal profile at
    the surrounding level. Events are applied oldest first; events outside the
    history change nothing. Nothing after the last row is used, so backtests
    that call this on each training window never see the future.

    Args:
        series: One series' rows satisfying `demand` (`unique_id, ds, y`), sorted
            by `ds`.
        events: Events affecting this series (see `events_for`).
        freq: Frequency of `series` (`H`, `D`, `W`, `M` or a pandas alias).

    Returns:
        The adjusted history (counts stay ≥ 0) and a note per event.
    """
    family = normalise_freq(freq)
    frame = series.reset_index(drop=True)
    notes = []
    for event in events:
        if event.kind == "level_shift":
            frame, note = _level_shift(frame, event, family)
        else:
            frame, note = _exclude(frame, event, family)
        notes.append(note)
    for note in notes:
        logger.debug("%s: %s", frame["unique_id"].iat[0] if len(frame) else "", note)
    return Adjustment(frame, tuple(notes))
