"""Out-year ranges: the growth uncertainty a backtest cannot see.

`auto`'s intervals are calibrated on its inner validation, which reaches at
most the inner horizon (12 months ahead, monthly). A strategic forecast runs
48 months: beyond the validated steps nothing has checked it, and what goes
wrong there is mostly growth (a trend that continues, stops or turns), which
an interval built on short-horizon errors leaves out. On 8 years of the
synthetic force the annual totals' 80 % ranges held 34 % of year-4 outcomes
before this widening and 72 % after; on Chicago's monthly assaults (real,
10 years) 83 % and 89 % (`bench/out_years.py`; `bench/RESULTS.md`, "Out-year
ranges"; the rule in `docs/methods.md`).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from demand.periods import FREQS, PERIODS_PER_YEAR

__all__ = ["OutYears", "annual_growth_sd", "widen_in_quadrature", "widen_out_years"]


def annual_growth_sd(y: np.ndarray, periods_per_year: int) -> float:
    """Return how much a series changes from one year to the next, s_g.

    s_g is the root mean square of `log(S_t / S_{t-P})` over every period t
    with two full years behind it, S_t the sum of the P periods to t (P =
    `periods_per_year`), less the Poisson counting noise of the two sums
    (`1/S_t + 1/S_{t-P}`, so small counts' noise is not read as growth); never
    below 0. A log change, close to a fraction (0.05: about 5 % a year).

    Returns:
        NaN with less than two years of history.
    """
    values = np.asarray(y, dtype=float)
    p = int(periods_per_year)
    if values.size < 2 * p:
        return float("nan")
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    sums = cumulative[p:] - cumulative[:-p]
    now, before = np.maximum(sums[p:], 1.0), np.maximum(sums[:-p], 1.0)
    change = np.log(now / before)
    noise = np.mean(1.0 / now + 1.0 / before)
    return float(np.sqrt(max(float(np.mean(change**2)) - noise, 0.0)))


def widen_out_years(
    frame: pd.DataFrame,
    growth_sd: float,
    validated: int,
    level: tuple[float, ...],
    periods_per_year: int,
) -> None:
    """Widen one series' intervals (`frame`, by `ds`) beyond the validated steps.

    The assumption, named in the report's methods: past the `validated`
    forecast steps, the forecast's growth may be off by as much as the
    series' own typical yearly change `growth_sd` (see `annual_growth_sd`),
    and such an error persists, so at t years past the validated steps it
    has a standard deviation of `growth_sd · t` (log scale, a fraction of the
    mean). It is independent of the calibrated error, so each bound's
    distance d from the mean becomes `sqrt(d² + (z · mean · growth_sd · t)²)`,
    z the normal quantile of the bound's level. Steps up to `validated` are
    unchanged; so is everything when `growth_sd` is NaN or 0. Lower bounds stop
    at 0. `frame` is changed in place.
    """
    if not np.isfinite(growth_sd) or growth_sd <= 0:
        return
    step = np.arange(1, len(frame) + 1)
    years = np.maximum(step - int(validated), 0) / float(periods_per_year)
    if not years.any():
        return
    widen_in_quadrature(frame, growth_sd * years, level)


def widen_in_quadrature(
    frame: pd.DataFrame, sd: np.ndarray | float, level: tuple[float, ...]
) -> None:
    """Add an independent error of `sd` (log scale, a fraction of the mean; per
    step or one for all) to `frame`'s bounds, in place: each bound's distance d
    from the mean becomes `sqrt(d² + (z · mean · sd)²)`, z the normal quantile
    of its level. Lower bounds stop at 0."""
    mean = frame["mean"].to_numpy(dtype=float)
    for lv in level:
        extra = norm.ppf(0.5 + lv / 200.0) * np.abs(mean) * sd
        lo, hi = f"lo_{lv:g}", f"hi_{lv:g}"
        below = mean - frame[lo].to_numpy(dtype=float)
        above = frame[hi].to_numpy(dtype=float) - mean
        frame[lo] = np.maximum(mean - np.hypot(below, extra), 0.0)
        frame[hi] = mean + np.hypot(above, extra)


@dataclass(frozen=True)
class OutYears:
    """What a fitted forecaster needs to widen its out-year ranges.

    Attributes:
        validated: Forecast steps its calibration checked (the inner horizon).
        periods_per_year: Periods in a year at its frequency.
        growth_sd: `annual_growth_sd` of each series to widen, by id (`auto`'s
            calibrated series; a series not in it keeps its ranges).
        period: The period's name ("month"), for `note`.
    """

    validated: int
    periods_per_year: int
    growth_sd: dict[Hashable, float]
    period: str = "period"

    @classmethod
    def of(cls, series: pd.DataFrame, validated: int, freq: str) -> OutYears:
        """Measure each series of a `demand` frame at family `freq`."""
        per_year = PERIODS_PER_YEAR[freq]
        ordered = series.sort_values(["unique_id", "ds"], kind="stable")
        growth = {
            uid: annual_growth_sd(rows["y"].to_numpy(), per_year)
            for uid, rows in ordered.groupby("unique_id", sort=False, observed=True)
        }
        return cls(int(validated), per_year, growth, FREQS[freq])

    def note(self, uid: Hashable) -> str:
        """Return what the widening adds for series `uid`, for its choice's reason
        ("" where nothing is added)."""
        growth = self.growth_sd.get(uid, float("nan"))
        if not np.isfinite(growth) or growth <= 0:
            return ""
        return (
            f"; past {self.validated} {self.period}s ahead, ranges add growth "
            f"uncertainty of {100 * growth:.1f} % a year (out_years)"
        )

    def widen(
        self, frame: pd.DataFrame, uid: Hashable, level: tuple[float, ...]
    ) -> None:
        """`widen_out_years` for series `uid`'s forecast `frame`, in place."""
        growth = self.growth_sd.get(uid, float("nan"))
        widen_out_years(frame, growth, self.validated, level, self.periods_per_year)
