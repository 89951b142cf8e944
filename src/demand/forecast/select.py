"""Automatic model selection per stream by inner rolling-origin validation."""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from demand.forecast.backtest import cross_validate, score_backtests
from demand.forecast.base import BaseForecaster, interval_columns, routine_fallbacks
from demand.forecast.count import count_quantile
from demand.forecast.ensemble import combine_forecasts, make_member
from demand.forecast.reuse import fit_once

__all__ = [
    "DEFAULT_CANDIDATES",
    "GUARD_MAX_MASE_RATIO",
    "AutoSelect",
    "conformal_bounds",
    "median_point",
]

logger = logging.getLogger(__name__)

DEFAULT_CANDIDATES: dict[str, tuple[str, ...]] = {
    "H": ("seasonal_naive", "auto_ets", "daily_profile", "prophet"),
    "D": ("seasonal_naive", "auto_ets", "arima_fourier", "prophet"),
    "W": ("seasonal_naive", "auto_ets", "arima_fourier", "prophet"),
    "M": ("seasonal_naive", "auto_ets", "arima_fourier"),
}
"""Candidates per frequency when `candidates` is None. Left out by default, for
cost: gradient boosting (about ten times the others per fit inside the nested
validation, and the weakest non-baseline model in a pilot on Denver daily);
`count_glm` (no gain for `auto` in the 2026-11-26 benchmark); and Prophet on
monthly series, whose inner-validation windows hold under two years: Prophet
warns its yearly seasonality is then under-identified, and below 100 points it
switches to a Newton optimiser costing about 10 CPU-seconds a fit (bench/RESULTS.md,
"Forecast speed"). Add any with `candidates=(..., "gbm")`."""
_HORIZON = {"H": 168, "D": 28, "W": 13, "M": 12}
_STEP = {"H": 168, "D": 28, "W": 13, "M": 1}
GUARD_MAX_MASE_RATIO = 1.10
"""The coverage guard never costs more than this: when every candidate it would
keep scores an inner MASE above 1.10 x the best candidate's, the guard is
overruled and the best is eligible again (intervals are then the calibrated
ones). A guard once left only seasonal naive for a cutoff, at MASE 0.979
against ETS's 0.609 (issue 16)."""
_MIN_HALF_WIDTH = 0.5  # counts: keeps the scaled errors finite for zero intervals


def _scaled_errors(backtests: pd.DataFrame) -> pd.Series:
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
    `_scaled_errors`) give the size: `mean + q · w`. Bounds never cross the mean.
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


def _as_median(frame: pd.DataFrame) -> pd.DataFrame:
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


def _held_out_coverage(backtests: pd.DataFrame, level: float) -> float:
    """Return the coverage of conformal intervals, each window calibrated on the
    others (leave one window out): an honest estimate of calibrated coverage."""
    z = _scaled_errors(backtests).to_numpy()
    cutoffs = backtests["cutoff"].to_numpy()
    if np.unique(cutoffs).size < 2:
        return float("nan")
    hits = []
    for cutoff in np.unique(cutoffs):
        test = cutoffs == cutoff
        q_lo, q_hi = _conformal_quantiles(z[~test], level)
        hits.append((z[test] >= q_lo) & (z[test] <= q_hi))
    return float(np.mean(np.concatenate(hits)))


class AutoSelect(BaseForecaster):
    """Pick a model per stream by inner rolling-origin validation, then refit it.

    The rule, applied at `fit` to the training data only (so the selection can
    itself be backtested without leakage):

    1. Backtest every candidate on the training frame: `n_windows` cutoffs,
       `horizon` periods each, `step` apart, ending at the last period.
    2. Per stream, score each candidate's MASE (scaled per inner cutoff, as
       the protocol does) and its 80% coverage: the raw coverage, or with
       `calibrate` the leave-one-window-out coverage of its calibrated intervals.
    3. Guard: drop candidates whose coverage is below `min_cov80`, unless all
       are below it, or the best candidate it keeps scores an inner MASE more
       than `GUARD_MAX_MASE_RATIO` (1.10) times the best of all.
    4. Choose the lowest MASE. Then try the inverse-MASE weighted mean of the
       `top_k` best eligible candidates; keep it only if its MASE on the same
       windows is lower still.
    5. With `try_median`, score the choice with its point replaced by the
       median of a count distribution with its mean and 80% interval
       (`median_point`); keep the median if its inner MASE is lower (MASE is
       an absolute error, minimised by the median; at low counts the two
       differ).
    6. Refit the choice on the whole training frame. With `calibrate`, its
       intervals are split-conformal: the 80% interval's half width is scaled
       by quantiles of the validation errors in those half widths.

    Streams whose candidates all fail, or too short for a validation window,
    get `fallback`. The choice and the reason per stream are in `choices_`.

    Args:
        candidates: Aliases of registered models; None picks by frequency
            (`DEFAULT_CANDIDATES`).
        n_windows: Inner validation cutoffs.
        horizon: Inner forecast horizon, periods; None means the protocol's h
            (H 168, D 28, W 13, M 12); shortened for short histories.
        step: Periods between inner cutoffs; None means `horizon` (1 monthly).
        top_k: Candidates in the weighted combination tried in step 4 (< 2: none).
        min_cov80: Coverage guard of step 3, a share 0-1.
        calibrate: Calibrate intervals on the validation errors (step 6).
        try_median: Try the median point of step 5 (off by default: forecasts
            feed staffing, which sums expected counts, and medians of low
            counts sit below them).
        country: Holiday country for candidates that take one.
        random_state: Seed for candidates that take one.
        season_length: Periods per season; None means the frequency's default.
        freq: Frequency (`H`, `D`, `W`, `M`); None infers it from `ds`.
        fallback: Alias used when nothing validates.
        alias: Value written to the `model` column.
    """

    def __init__(
        self,
        candidates: tuple[str, ...] | None = None,
        n_windows: int = 3,
        horizon: int | None = None,
        step: int | None = None,
        top_k: int = 3,
        min_cov80: float = 0.70,
        calibrate: bool = True,
        try_median: bool = False,
        country: str | None = "GB",
        random_state: int | None = 0,
        season_length: int | None = None,
        freq: str | None = None,
        fallback: str = "seasonal_naive",
        alias: str = "auto",
    ):
        self.candidates = candidates
        self.n_windows = n_windows
        self.horizon = horizon
        self.step = step
        self.top_k = top_k
        self.min_cov80 = min_cov80
        self.calibrate = calibrate
        self.try_median = try_median
        self.country = country
        self.random_state = random_state
        self.season_length = season_length
        self.freq = freq
        self.fallback = fallback
        self.alias = alias

    # -- fitting --

    def _member(self, alias: str) -> BaseForecaster:
        """Return candidate `alias` with the shared settings it accepts."""
        return make_member(
            alias,
            country=self.country,
            random_state=self.random_state,
            freq=self.freq_,
            season_length=self.season_length_,
        )

    def _plan(self, series: pd.DataFrame) -> tuple[int, int, int] | None:
        """Return the inner (horizon, step, n_windows), or None if none fits."""
        m = self.season_length_
        shortest = int(series.groupby("unique_id", observed=True).size().min())
        h = min(int(self.horizon or _HORIZON[self.freq_]), max(shortest // 3, 1))
        step = min(int(self.step or _STEP[self.freq_]), h)
        room = shortest - h - (m + 2)  # the first cutoff keeps more than a season
        if room < 0:
            return None
        return h, step, max(1, min(int(self.n_windows), room // step + 1))

    def _validate(
        self, series: pd.DataFrame, plan: tuple[int, int, int]
    ) -> dict[str, pd.DataFrame]:
        """Backtest each candidate on the training frame; drop those that fail."""
        h, step, n_windows = plan
        aliases = self.candidates or DEFAULT_CANDIDATES[self.freq_]
        out = {}
        for alias in aliases:
            try:
                backtests = cross_validate(
                    self._member(alias), series, h, n_windows, step, level=(80,)
                )
            except Exception as exc:  # a failing candidate is dropped, not fatal
                logger.warning("auto: candidate %s failed validation: %s", alias, exc)
                continue
            out[alias] = backtests.assign(model=alias)
        return out

    def _choose(
        self,
        uid: Hashable,
        series: pd.DataFrame,
        inner: dict[str, pd.DataFrame],
        scores: pd.DataFrame,
    ) -> dict[str, Any]:
        """Apply the selection rule to stream `uid`; return its choice record."""
        rows = scores[scores["unique_id"] == uid].set_index("model")
        rows = rows[np.isfinite(rows["mase"])]
        record: dict[str, Any] = {"unique_id": uid}
        record |= {f"mase_{a}": rows["mase"].get(a, np.nan) for a in inner}
        if rows.empty:
            return record | {
                "model": self.fallback,
                "members": (self.fallback,),
                "weights": (1.0,),
                "reason": "every candidate failed inner validation",
            }
        guarded = rows[rows["coverage"] >= self.min_cov80]
        best_mase = float(rows["mase"].min())
        overruled = (
            not guarded.empty
            and float(guarded["mase"].min()) > GUARD_MAX_MASE_RATIO * best_mase
        )
        eligible = rows if guarded.empty or overruled else guarded
        ranked = eligible.sort_values("mase", kind="stable")
        best = ranked.index[0]
        members: tuple[str, ...] = (best,)
        weights: tuple[float, ...] = (1.0,)
        mase = float(ranked["mase"].iloc[0])
        reason = f"lowest inner MASE {mase:.3f}"
        note = ""
        if guarded.empty:
            note = f" (no candidate reached cov80 {self.min_cov80:.2f})"
        elif overruled:
            note = (
                f" (cov80 guard overruled: the best candidate reaching cov80 "
                f"{self.min_cov80:.2f} scored MASE {float(guarded['mase'].min()):.3f})"
            )
        elif len(guarded) < len(rows):
            dropped = sorted(set(rows.index) - set(guarded.index))
            note = f"; cov80 guard dropped {', '.join(dropped)}"
        if self.top_k >= 2 and len(ranked) >= 2:
            top = ranked.head(int(self.top_k))
            w = tuple(float(1.0 / max(v, 1e-9)) for v in top["mase"])
            combo = self._combined(uid, inner, tuple(top.index), w)
            combo_mase = float(
                score_backtests(combo, series, self.season_length_, None, self.freq_)[
                    "mase"
                ].iloc[0]
            )
            if combo_mase < mase:
                reason = (
                    f"weighted mean of top {len(top)} (inner MASE {combo_mase:.3f}) "
                    f"beat the best single, {best} ({mase:.3f})"
                )
                members, weights, mase = tuple(top.index), w, combo_mase
        reason += note
        name = members[0] if len(members) == 1 else "mean(" + "+".join(members) + ")"
        record |= {"model": name, "members": members, "weights": weights}
        chosen = self._combined(uid, inner, members, weights)
        record["point"] = "mean"
        if self.try_median:
            median = _as_median(chosen)
            median_mase = float(
                score_backtests(median, series, self.season_length_, None, self.freq_)[
                    "mase"
                ].iloc[0]
            )
            if median_mase < mase:
                reason += f"; median point (inner MASE {median_mase:.3f})"
                chosen, mase, record["point"] = median, median_mase, "median"
        record |= {"reason": reason, "inner_mase": mase}
        record["inner_cov80"] = (
            _held_out_coverage(chosen, 80) if self.calibrate else float("nan")
        )
        record["z"] = _scaled_errors(chosen).to_numpy()
        return record

    def _combined(
        self,
        uid: Hashable,
        inner: dict[str, pd.DataFrame],
        members: tuple[str, ...],
        weights: tuple[float, ...],
    ) -> pd.DataFrame:
        """Return the inner backtests of `uid` for a weighted mean of members."""
        frames = [
            inner[a][inner[a]["unique_id"] == uid]
            .sort_values(["cutoff", "ds"], kind="stable")
            .reset_index(drop=True)
            for a in members
        ]
        w = np.asarray(weights) / np.sum(weights)
        out = frames[0].copy()
        for col in ("mean", "lo_80", "hi_80"):
            out[col] = sum(
                wi * f[col].to_numpy() for wi, f in zip(w, frames, strict=True)
            )
        return out.assign(model="combined")

    def _score(
        self, series: pd.DataFrame, inner: dict[str, pd.DataFrame]
    ) -> pd.DataFrame:
        """Return MASE and the guard's coverage per (stream, candidate)."""
        scores = []
        for backtests in inner.values():
            scored = score_backtests(
                backtests, series, self.season_length_, None, self.freq_
            )
            if self.calibrate:
                coverage = backtests.groupby("unique_id", sort=True).apply(
                    _held_out_coverage, 80, include_groups=False
                )
                scored["coverage"] = scored["unique_id"].map(coverage)
            else:
                scored["coverage"] = scored["cov80"]
            scores.append(scored)
        return pd.concat(scores, ignore_index=True)

    def _fit(self, series: pd.DataFrame) -> None:
        """Validate, choose per stream, and refit the choices on all the data."""
        plan = self._plan(series)
        with routine_fallbacks():  # short windows: the choice records the rest
            inner = self._validate(series, plan) if plan else {}
        scores = self._score(series, inner) if inner else None
        records = []
        for uid in sorted(series["unique_id"].unique()):
            if scores is not None:
                records.append(self._choose(uid, series, inner, scores))
                continue
            why = "history too short" if plan is None else "every candidate failed"
            records.append(
                {
                    "unique_id": uid,
                    "model": self.fallback,
                    "members": (self.fallback,),
                    "weights": (1.0,),
                    "reason": f"{why} for inner validation",
                }
            )
        self._refit(series, records)

    def _refit(self, series: pd.DataFrame, records: list[dict[str, Any]]) -> None:
        """Fit each chosen model on its streams' whole history."""
        needed: dict[str, list[Hashable]] = {}
        for record in records:
            for alias in record["members"]:
                needed.setdefault(alias, []).append(record["unique_id"])
        self.models_ = {}
        for alias, uids in needed.items():
            subset = series[series["unique_id"].isin(uids)]
            try:
                self.models_[alias] = fit_once(self._member(alias), subset)
            except Exception as exc:  # the streams keep a forecast: the fallback
                logger.warning("auto: refitting %s failed (%s).", alias, exc)
        failed = [
            r for r in records if not all(a in self.models_ for a in r["members"])
        ]
        if failed:
            key = f"{self.fallback} (fallback)"
            uids = [r["unique_id"] for r in failed]
            logger.warning("auto: streams %s fall back to %s.", uids, self.fallback)
            subset = series[series["unique_id"].isin(uids)]
            self.models_[key] = self._member(self.fallback).fit(subset)
            for record in failed:
                record.update(
                    point="mean",
                    model=self.fallback,
                    members=(key,),
                    weights=(1.0,),
                    reason=record["reason"] + "; refit failed, fallback used",
                    z=None,
                )
        self.calibration_ = {r["unique_id"]: r.get("z") for r in records}
        columns = ["unique_id", "model", "reason", "inner_mase", "inner_cov80"]
        table = pd.DataFrame(records).drop(columns=["z"], errors="ignore")
        self.choices_ = table.reindex(
            columns=[*columns, *(c for c in table if c not in columns)]
        )
        self.members_ = {r["unique_id"]: (r["members"], r["weights"]) for r in records}
        self.points_ = {r["unique_id"]: r.get("point", "mean") for r in records}

    # -- forecasting --

    def _predict(self, h: int, level: tuple[float, ...]) -> pd.DataFrame:
        """Combine each stream's chosen forecasts and calibrate the intervals."""
        asked = tuple(sorted({80.0, *level}))
        forecasts = {
            alias: model.predict(h, asked) for alias, model in self.models_.items()
        }
        frames = []
        for uid, (members, weights) in self.members_.items():
            parts = [forecasts[a][forecasts[a]["unique_id"] == uid] for a in members]
            frame = combine_forecasts(parts, weights, self.alias)
            if self.points_[uid] == "median":
                frame = _as_median(frame)
            z = self.calibration_.get(uid)
            if self.calibrate and z is not None and len(z) >= 10:
                mean = frame["mean"].to_numpy()
                lo80, hi80 = frame["lo_80"].to_numpy(), frame["hi_80"].to_numpy()
                for lv in level:
                    lo, hi = conformal_bounds(mean, lo80, hi80, z, lv)
                    frame[f"lo_{lv:g}"], frame[f"hi_{lv:g}"] = lo, hi
            frames.append(frame)
        out = pd.concat(frames, ignore_index=True)
        return out[["unique_id", "ds", "model", "mean", *interval_columns(level)]]
