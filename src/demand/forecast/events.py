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

    The step is the ratio of mean demand in the `RATIO_WINDOW_PERIODS` periods from
    the event to the mean in as many periods before it (fewer, but at least one
    season, when the history is shorter), and every period before the event is
    multiplied by it. A period that starts before the date and ends after it
    (a month with a mid-month go-live) mixes both regimes: it is left out of the
    windows and rescaled like the past.
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
    season = {"h": 168, "D": 7, "W": 1, "M": 1}[family]
    y = frame["y"].to_numpy(dtype=float)
    post = y[after.to_numpy()]
    pre = y[(~after & ~straddles).to_numpy()]
    width = min(RATIO_WINDOW_PERIODS[family], post.size, pre.size)
    width = max(season, width - width % season)  # whole seasons cancel the cycle
    pre_mean, post_mean = pre[-width:].mean(), post[:width].mean()
    if pre_mean <= 0:
        return frame, f"{event.name}: no demand before {event.date}; no adjustment"
    ratio = float(np.clip(post_mean / pre_mean, *_RATIO_BOUNDS))
    out = frame.copy()
    out.loc[~after, "y"] = out.loc[~after, "y"] * ratio
    note = (
        f"{event.name}: history before {event.date} rescaled by ×{ratio:.3f} "
        f"(means of {width} periods each side)"
    )
    return out, note


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
