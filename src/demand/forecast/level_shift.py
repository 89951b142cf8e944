"""A recent level shift in a training series, and taking it out of the history
`auto` fits on.

`auto`'s inner validation windows end at the cutoff, so every inner fit is
trained before a shift of the last few months: all candidates' inner errors are
then dominated by the shift and nearly equal, and the choice is blind to which
candidate adapts to the new level (issue 16). Where `recent_level_shift` finds
one, `auto` scales the history before the shift to the new level
(`adjust_for_shift`), so its candidates are validated and fitted on one level."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from demand.forecast.out_years import widen_in_quadrature

__all__ = [
    "MIN_PERIODS",
    "MIN_SHIFT",
    "LevelShifts",
    "SHIFT_Z",
    "adjust_for_shift",
    "recent_level_shift",
]

logger = logging.getLogger(__name__)

SHIFT_Z = 4.0
"""A shift must stand this many standard errors from both years before it."""
MIN_SHIFT = 0.10
"""A shift must change the level by at least 10 % (a planner's threshold)."""
MIN_PERIODS = 3
"""Periods since a shift before it counts: two can be a one-off (a synthetic
force's series once scored MASE 1.11 against 0.99 on a two-month dip)."""
_FREQS = ("M",)  # monthly only: daily and hourly series are untried


def _yoy(y: np.ndarray, m: int) -> np.ndarray:
    """Return log year-on-year ratios `log((y_t + 0.5) / (y_{t-m} + 0.5))`."""
    y = np.asarray(y, dtype=float) + 0.5
    return np.log(y[m:] / y[:-m])


def _z(
    post: np.ndarray, before: np.ndarray, poisson_sd: float
) -> tuple[float, float, float]:
    """Return the shift of `post` from `before` (log), its z-score and its
    standard error (of the mean since and the median before)."""
    centre = float(np.median(before))
    mad = 1.4826 * float(np.median(np.abs(before - centre)))
    sd = max(mad, poisson_sd)
    shift = float(np.mean(post)) - centre
    se = sd * np.sqrt(1.0 / post.size + np.pi / (2.0 * before.size))
    return shift, shift / (sd / np.sqrt(post.size)), float(se)


def recent_level_shift(
    y: np.ndarray, season_length: int, window: int
) -> tuple[int, float, float] | None:
    """Return (periods since, size, standard error) of a shift in the last `window`.

    The test is on year-on-year log ratios, which carry the season and a steady
    trend: a shift `n` periods ago steps the last `n` ratios. It is found when
    their mean stands `SHIFT_Z` standard errors from the median ratio of each of
    the two seasons before the shift (the second rules out the anniversary of
    an older shift), both the same way, and changes the level by `MIN_SHIFT` or
    more. The standard error is the larger of the robust spread (MAD) of the
    season before and the Poisson noise of the ratios. `n` (`MIN_PERIODS` to
    `window`) is the least-squares start of one step in the last `window` + m
    ratios. The size is the smaller of the shift from the trend and the change
    from the same months a year before (a steep past trend that has stopped
    would otherwise count as part of the shift).

    Args:
        y: One series' counts, oldest first, regular periods.
        season_length: Periods per season (m).
        window: Latest periods searched for the shift's start.

    Returns:
        None where no shift is found or the history is shorter than three
        seasons plus `window`; else the periods since the shift (its first
        period counted), its size (0.3 = +30 %) and the standard error of its
        log (the spread of the ratios over the root of their counts).
    """
    m = int(season_length)
    y = np.asarray(y, dtype=float)
    if m < 2 or window < MIN_PERIODS or y.size < 3 * m + window:
        return None
    d = _yoy(y, m)
    n = _start(d[-(window + m) :], window)
    post = d[-n:]
    year1, year2 = d[-n - m : -n], d[-n - 2 * m : -n - m]
    poisson_sd = float(np.sqrt(2.0 * np.median(1.0 / (y[-n:] + 0.5))))
    shift1, z1, se = _z(post, year1, poisson_sd)
    shift2, z2, _ = _z(post, year2, poisson_sd)
    found = (
        np.sign(z1) == np.sign(z2)
        and min(abs(z1), abs(z2)) >= SHIFT_Z
        and min(abs(shift1), abs(shift2)) >= np.log1p(MIN_SHIFT)
    )
    raw = float(np.mean(post))  # the same months a year before, trend and all
    size = np.sign(shift1) * max(min(abs(shift1), np.sign(shift1) * raw), 0.0)
    return (n, float(np.expm1(size)), se) if found else None


def _start(d: np.ndarray, window: int) -> int:
    """Return the least-squares start of a step in the last `window` of `d`,
    as the periods from it to the end (`MIN_PERIODS` to `window`)."""
    sse = [
        float(
            np.sum((d[:-n] - d[:-n].mean()) ** 2)
            + np.sum((d[-n:] - d[-n:].mean()) ** 2)
        )
        for n in range(MIN_PERIODS, window + 1)
    ]
    return int(np.argmin(sse)) + MIN_PERIODS


@dataclass(frozen=True)
class LevelShifts:
    """The level shifts `adjust_for_shift` took out, by series id.

    Attributes:
        notes: What the choice reason adds per adjusted series.
        se: The standard error of each shift's log size.
    """

    notes: dict[Hashable, str] = field(default_factory=dict)
    se: dict[Hashable, float] = field(default_factory=dict)

    def note(self, uid: Hashable) -> str:
        """Return what the adjustment adds to series `uid`'s reason ("" if none)."""
        return self.notes.get(uid, "")

    def widen(
        self, frame: pd.DataFrame, uid: Hashable, level: tuple[float, ...]
    ) -> None:
        """Add the uncertainty of series `uid`'s shift to its forecast `frame`'s
        bounds, in place: the new level is known only to `se` (log scale)."""
        if uid in self.se:
            widen_in_quadrature(frame, self.se[uid], level)


def adjust_for_shift(
    series: pd.DataFrame, season_length: int, window: int, freq: str
) -> tuple[pd.DataFrame, LevelShifts]:
    """Return the training frame with recent level shifts taken out of its past.

    Where `recent_level_shift` finds a shift within the last `window` periods
    of a monthly series, the counts before it are scaled by the shift's size
    (`y * (1 + size)`, rounded), so every candidate, its inner validation and
    its final fit see one level: the new one. The counts since the shift are
    untouched. Only the training frame is read.

    Args:
        series: The training frame (`demand` shape).
        season_length: Periods per season (m).
        window: Latest periods searched (`auto`'s inner horizon); 0: none.
        freq: The frequency; other than monthly, nothing is adjusted.

    Returns:
        The frame (a copy where adjusted) and the shifts taken out.
    """
    shifts = LevelShifts()
    if freq not in _FREQS or window < MIN_PERIODS:
        return series, shifts
    out = series
    for uid, one in series.groupby("unique_id", observed=True, sort=True):
        one = one.sort_values("ds")
        shift = recent_level_shift(one["y"].to_numpy(), season_length, window)
        if shift is None:
            continue
        n, size, shifts.se[uid] = shift
        if out is series:
            out = series.copy()
        before = one.index[:-n]
        out.loc[before, "y"] = np.round(one.loc[before, "y"] * (1.0 + size))
        shifts.notes[uid] = (
            f"; level shift of {size:+.0%} {n} periods ago: the history before it "
            f"is scaled to the new level (level_shift)"
        )
        logger.info("auto: %s shifted %+.0f%% %d periods ago", uid, 100 * size, n)
    return out, shifts
