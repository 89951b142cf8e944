"""Calibrated intervals: conformal bounds from validation errors, median points."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from demand.forecast.count import count_quantile

__all__ = [
    "CONFORMAL_WEIGHT",
    "MIN_BAND_ERRORS",
    "MIN_CALIBRATION_ERRORS",
    "N_BANDS",
    "as_median",
    "band_errors",
    "calibrate_choice",
    "calibrate_stream",
    "conformal_weight",
    "conformal_bounds",
    "held_out_coverage",
    "median_point",
    "members_residual_df",
    "scaled_errors",
    "widen_on_few_errors",
]

N_BANDS = 3
"""Horizon bands calibrated apart: the first, middle and last third of the inner
horizon (later forecast steps use the last band)."""
MIN_CALIBRATION_ERRORS = 40
"""Validation errors a combination needs before its intervals are calibrated
split-conformally (the same bound as `MIN_BAND_ERRORS`): below it the 95 %
conformal rank falls outside the sample, so the bound would be the single
largest error (calibrating London's `--dev` monthly series so made SQL 0.483
against 0.330 with the members' own intervals). With fewer errors the
intervals are widened by `widen_on_few_errors` instead; it also counts the
members' own intervals as this many errors' worth when their history is not
given."""
MIN_BAND_ERRORS = 40
"""Validation errors each band needs to be calibrated apart: with fewer than 39,
the 95 % conformal rank falls outside the sample (hourly series have 168 a
band; a daily series' 84 errors are pooled)."""
CONFORMAL_WEIGHT = 0.5
"""Weight of the conformal bounds in `auto`'s calibrated intervals; the members'
own bounds get the rest. Each quantile is the equal-weight mean of the two
(quantile averaging again, as for the members): three inner windows' errors are
too few and too correlated to trust over the members' own distributions, and
the members' own intervals miss what the backtest shows (parameter and model
uncertainty, level shifts). The pinball loss is convex in the quantile, so the
mean's loss is never above the mean of the two losses; equal weights because
nothing here tells the two apart (the forecast-combination puzzle). On the
`--dev` windows (2026-12-04) it scored SQL 0.1464, 0.1689 and 0.1584 on Denver
daily, Chicago and Denver hourly, against 0.1480, 0.1704 and 0.1593 fully
conformal and 0.1458, 0.1697 and 0.1582 uncalibrated (docs/methods.md)."""
_MIN_HALF_WIDTH = 0.5  # counts: keeps the scaled errors finite for zero intervals


def scaled_errors(backtests: pd.DataFrame) -> pd.Series:
    """Return `(y - mean) / w`, w the 80% interval's half width (at least 0.5)."""
    half = ((backtests["hi_80"] - backtests["lo_80"]) / 2.0).clip(lower=_MIN_HALF_WIDTH)
    return (backtests["y"] - backtests["mean"]) / half


def _conformal_quantiles(z: np.ndarray, level: float) -> tuple[float, float]:
    """Return split-conformal lower and upper quantiles of scaled errors `z`.

    The finite-sample ranks `floor((n+1)(1-p)/2)` and `ceil((n+1)(1+p)/2)`
    (clipped to the sample) give coverage of at least `p` for exchangeable errors.
    """
    n, p = z.size, level / 100.0
    ordered = np.sort(z)
    lo_rank = max(math.floor((n + 1) * (1 - p) / 2), 1)
    hi_rank = min(math.ceil((n + 1) * (1 + p) / 2), n)
    return float(ordered[lo_rank - 1]), float(ordered[hi_rank - 1])


def conformal_bounds(
    mean: np.ndarray,
    lo_80: np.ndarray,
    hi_80: np.ndarray,
    z: np.ndarray,
    level: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Return interval bounds at `level`% calibrated on validation errors `z`.

    The model's own 80% interval gives the shape (how the spread grows with the
    horizon or changes by hour); the conformal quantiles of `z` (see
    `scaled_errors`) give the size: `mean + q · w`. Bounds never cross the mean.
    """
    q_lo, q_hi = _conformal_quantiles(z, level)
    half = np.maximum((hi_80 - lo_80) / 2.0, _MIN_HALF_WIDTH)
    return np.minimum(mean + q_lo * half, mean), np.maximum(mean + q_hi * half, mean)


def median_point(mean: np.ndarray, lo_80: np.ndarray, hi_80: np.ndarray) -> np.ndarray:
    """Return the median of a count distribution with `mean` and the 80% interval.

    The distribution is negative binomial with the variance the interval
    implies (Gaussian half width / 1.2816, never below Poisson's). Its median
    is a whole count, which is what minimises absolute errors of counts; at a
    few events a period it sits visibly below the mean.
    """
    mean = np.asarray(mean, dtype=float)
    sd = np.maximum(np.asarray(hi_80) - np.asarray(lo_80), 0.0) / (2 * 1.2816)
    safe = np.maximum(mean, 1e-9)
    alpha = np.maximum(sd**2 - safe, 0.0) / safe**2
    return np.where(mean > 0, count_quantile(safe, alpha, 0.5, smooth=False), 0.0)


def as_median(frame: pd.DataFrame) -> pd.DataFrame:
    """Return forecasts (or backtests) whose point is `median_point` of their
    mean and 80% interval; every interval is widened to hold the new point."""
    point = median_point(frame["mean"], frame["lo_80"], frame["hi_80"])
    out = frame.assign(mean=point)
    for col in out.columns:
        if col.startswith("lo_"):
            out[col] = np.minimum(out[col], point)
        elif col.startswith("hi_"):
            out[col] = np.maximum(out[col], point)
    return out


def band_errors(backtests: pd.DataFrame) -> tuple[int, list[np.ndarray]]:
    """Return the inner horizon and the scaled errors of each horizon band.

    Band b holds the forecast steps j (0-based, counted from each cutoff) with
    `j * N_BANDS // h == b`.
    """
    ordered = backtests.sort_values(["cutoff", "ds"], kind="stable")
    step = ordered.groupby("cutoff", sort=False).cumcount().to_numpy()
    h = int(step.max()) + 1 if step.size else 1
    band = np.minimum(step * N_BANDS // h, N_BANDS - 1)
    z = scaled_errors(ordered).to_numpy()
    return h, [z[band == b] for b in range(N_BANDS)]


def held_out_coverage(
    backtests: pd.DataFrame, level: float, weight: float = 1.0
) -> float:
    """Return the coverage of calibrated intervals, each window calibrated on the
    others (leave one window out): an honest estimate of calibrated coverage.

    Only `level` 80 uses the backtests' own bounds when `weight` < 1 (see
    `calibrate_stream`); the scaled own bounds are `(lo_80 - mean) / w` and
    `(hi_80 - mean) / w`, w as in `scaled_errors`.
    """
    z = scaled_errors(backtests).to_numpy()
    half = ((backtests["hi_80"] - backtests["lo_80"]) / 2.0).clip(lower=_MIN_HALF_WIDTH)
    own_lo = ((backtests["lo_80"] - backtests["mean"]) / half).to_numpy()
    own_hi = ((backtests["hi_80"] - backtests["mean"]) / half).to_numpy()
    cutoffs = backtests["cutoff"].to_numpy()
    if np.unique(cutoffs).size < 2:
        return float("nan")
    hits = []
    for cutoff in np.unique(cutoffs):
        test = cutoffs == cutoff
        q_lo, q_hi = _conformal_quantiles(z[~test], level)
        lo = weight * min(q_lo, 0.0) + (1 - weight) * own_lo[test]
        hi = weight * max(q_hi, 0.0) + (1 - weight) * own_hi[test]
        hits.append((z[test] >= lo) & (z[test] <= hi))
    return float(np.mean(np.concatenate(hits)))


def calibrate_stream(
    frame: pd.DataFrame,
    z: np.ndarray,
    bands: tuple[int, list[np.ndarray]] | None,
    level: tuple[float, ...],
    weight: float = 1.0,
) -> None:
    """Set one series' forecast intervals (`frame`, by `ds`) to calibrated ones.

    Each bound becomes `weight` x its conformal value + (1 - `weight`) x its
    own (1: fully conformal; `CONFORMAL_WEIGHT` for `auto`). The conformal
    bounds are per horizon band where `bands` (see `band_errors`) is given and
    every band has `MIN_BAND_ERRORS` errors or more, else from all the
    validation errors `z`. `frame` is changed in place.
    """
    mean = frame["mean"].to_numpy()
    lo80, hi80 = frame["lo_80"].to_numpy(), frame["hi_80"].to_numpy()
    use_bands = bands is not None and all(len(b) >= MIN_BAND_ERRORS for b in bands[1])
    step = np.arange(len(frame))
    band = (
        np.minimum(step * N_BANDS // bands[0], N_BANDS - 1)
        if use_bands and bands is not None
        else np.zeros(len(frame), dtype=int)
    )
    for lv in level:
        lo, hi = np.empty(len(frame)), np.empty(len(frame))
        for b in np.unique(band):
            rows = band == b
            errors = bands[1][b] if use_bands and bands is not None else z
            lo[rows], hi[rows] = conformal_bounds(
                mean[rows], lo80[rows], hi80[rows], errors, lv
            )
        own_lo, own_hi = frame[f"lo_{lv:g}"].to_numpy(), frame[f"hi_{lv:g}"].to_numpy()
        frame[f"lo_{lv:g}"] = weight * lo + (1 - weight) * own_lo
        frame[f"hi_{lv:g}"] = weight * hi + (1 - weight) * own_hi


def members_residual_df(n_periods: int, season_length: int) -> float:
    """Return the residual degrees of freedom of the members' fit: `n_periods`
    less the m + 5 parameters of damped additive-seasonal ETS (4 smoothing
    parameters, initial level and trend, m - 1 free seasonal states; m =
    `season_length`), never below 1.

    The members' interval widths are estimated from that many residuals, so
    that is what they are worth as evidence about the spread: 18 at 35
    months of history, 66 at 83.
    """
    return float(max(n_periods - (season_length + 5), 1))


def widen_on_few_errors(
    frame: pd.DataFrame,
    z: np.ndarray,
    level: tuple[float, ...],
    prior_errors: float = MIN_CALIBRATION_ERRORS,
) -> None:
    """Widen one series' intervals (`frame`) by what fewer than 40 errors show.

    A monthly series' inner validation gives 36 errors (3 overlapping 12-month
    windows), too few to place a 95 % bound. From them only the scale of each
    side is estimated, where the ranks lie inside the sample: k = the
    split-conformal 80 % quantile of the scaled errors `z` (see
    `scaled_errors`) on that side, in units of the 80 % half width. The
    factor is shrunk toward 1 on the log scale by n / (n + `prior_errors`),
    the members' own intervals counting as `prior_errors` errors' worth: their
    residual degrees of freedom (`members_residual_df`), so the errors count
    for more where the members had little history to estimate their spread
    (36 errors at 83 months of history: about a third of k; 27 at 35
    months: three fifths). It only widens: the members' intervals leave
    out parameter and model uncertainty, and a few correlated errors are
    evidence they are too narrow, not that they are too wide. Every bound in
    `level` is moved from the mean by its side's factor, keeping the members'
    shape. `frame` is changed in place.
    """
    n = len(z)
    if n == 0:
        return
    q_lo, q_hi = _conformal_quantiles(np.asarray(z, dtype=float), 80)
    shrink = n / (n + prior_errors)
    k_lo = max(-q_lo, 1.0) ** shrink
    k_hi = max(q_hi, 1.0) ** shrink
    mean = frame["mean"].to_numpy()
    for lv in level:
        lo, hi = f"lo_{lv:g}", f"hi_{lv:g}"
        frame[lo] = mean - k_lo * (mean - frame[lo].to_numpy())
        frame[hi] = mean + k_hi * (frame[hi].to_numpy() - mean)


def conformal_weight(strategy: str) -> float:
    """Return the conformal bounds' weight for an `auto` strategy:
    `CONFORMAL_WEIGHT` for "combine", 1 (fully conformal) for "select"."""
    return CONFORMAL_WEIGHT if strategy == "combine" else 1.0


def calibrate_choice(
    frame: pd.DataFrame,
    z: np.ndarray,
    bands: tuple[int, list[np.ndarray]] | None,
    level: tuple[float, ...],
    strategy: str,
    prior_errors: float = MIN_CALIBRATION_ERRORS,
) -> None:
    """Calibrate one series' `auto` forecast (`frame`, in place) on its inner
    errors `z` (and horizon `bands`, see `band_errors`), by its strategy.

    "select" (`auto_select`): fully conformal from 10 errors, pooled.
    "combine" (`auto`): with `MIN_CALIBRATION_ERRORS` or more, conformal
    bounds averaged with the members' own (`conformal_weight`); with fewer
    (monthly series), only widened (`widen_on_few_errors`), the members'
    intervals counting as `prior_errors` errors' worth (see
    `members_residual_df`).
    """
    if strategy != "combine":
        if len(z) >= 10:
            calibrate_stream(frame, z, None, level)
    elif len(z) >= MIN_CALIBRATION_ERRORS:
        calibrate_stream(frame, z, bands, level, conformal_weight(strategy))
    else:  # too few errors for a conformal 95 % bound
        widen_on_few_errors(frame, z, level, prior_errors)
