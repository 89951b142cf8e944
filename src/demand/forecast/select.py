"""Automatic model selection per stream by inner rolling-origin validation."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from demand.forecast.backtest import cross_validate, score_backtests
from demand.forecast.base import BaseForecaster, interval_columns, routine_fallbacks
from demand.forecast.calibration import (
    MIN_BAND_ERRORS,
    MIN_CALIBRATION_ERRORS,
    N_BANDS,
    as_median,
    band_errors,
    conformal_bounds,
    held_out_coverage,
    median_point,
    scaled_errors,
)
from demand.forecast.ensemble import combine_forecasts, make_member
from demand.forecast.reuse import fit_once

__all__ = [
    "DEFAULT_CANDIDATES",
    "GUARD_MAX_MASE_RATIO",
    "AutoSelect",
    "AutoSelectOne",
    "conformal_bounds",
    "median_point",
]

logger = logging.getLogger(__name__)

DEFAULT_CANDIDATES: dict[str, tuple[str, ...]] = {
    "h": ("seasonal_naive", "auto_ets", "daily_profile", "prophet"),
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
_HORIZON = {"h": 168, "D": 28, "W": 13, "M": 12}
_STEP = {"h": 168, "D": 28, "W": 13, "M": 1}
GUARD_MAX_MASE_RATIO = 1.10
"""The coverage guard never costs more than this: when every candidate it would
keep scores an inner MASE above 1.10 x the best candidate's, the guard is
overruled and the best is eligible again (intervals are then the calibrated
ones). A guard once left only seasonal naive for a cutoff, at MASE 0.979
against ETS's 0.609 (issue 16)."""
COMBINE_MAX_RATIO = 1.10
"""A combination member's inner MASE may be at most this times the best's."""
EQUAL_WEIGHT_SPREAD = 0.05
"""Members whose inner MASEs lie within 5 % of each other get equal weights."""


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
       by quantiles of the validation errors in those half widths; with
       `strategy="combine"`, only with `MIN_CALIBRATION_ERRORS` (40) errors or
       more, and apart for each of `N_BANDS` bands of the horizon where each
       band has `MIN_BAND_ERRORS` errors (pooled otherwise).

    With `strategy="combine"` (the default, `auto`) steps 3-4 are instead:
    members are the candidates whose inner MASE beats seasonal naive's (a
    candidate that loses to it on its own backtest is dropped) and is within
    `COMBINE_MAX_RATIO` (1.10) of the best; their weights are equal when
    their MASEs lie within `EQUAL_WEIGHT_SPREAD` (5 %) of each other (the
    backtest cannot tell them apart), else proportional to 1 / MASE. The
    point and every interval bound are the weighted means of the members'
    (quantile averaging), then calibrated as in step 6. Where no candidate
    beats seasonal naive, seasonal naive alone is used.

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
        strategy: "combine" (the rule above with steps 3-4 replaced by the
            combination rule) or "select" (steps 3-4 as written; the
            `auto_select` model).
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
        strategy: str = "combine",
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
        self.strategy = strategy
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
        if self.strategy == "combine":
            members, weights, mase, reason = self._combination(rows)
        else:
            members, weights, mase, reason = self._selection(uid, series, inner, rows)
        return self._finish(uid, series, inner, record, members, weights, mase, reason)

    def _combination(
        self, rows: pd.DataFrame
    ) -> tuple[tuple[str, ...], tuple[float, ...], float, str]:
        """Apply the combination rule to one stream's candidate scores."""
        best_mase = float(rows["mase"].min())
        snaive = rows["mase"].get("seasonal_naive", np.inf)
        kept = rows[
            (rows["mase"] < snaive) & (rows["mase"] <= COMBINE_MAX_RATIO * best_mase)
        ]
        if kept.empty:
            name = (
                "seasonal_naive"
                if "seasonal_naive" in rows.index
                else rows["mase"].idxmin()
            )
            return (
                (str(name),),
                (1.0,),
                float(rows["mase"][name]),
                "no candidate beat seasonal naive on inner validation",
            )
        kept = kept.sort_values("mase", kind="stable")
        spread = float(kept["mase"].max() / kept["mase"].min() - 1.0)
        equal = spread <= EQUAL_WEIGHT_SPREAD
        weights = tuple(
            1.0 / len(kept) if equal else float(1.0 / max(v, 1e-9))
            for v in kept["mase"]
        )
        dropped = sorted(set(rows.index) - set(kept.index))
        how = "equal weights" if equal else "weights 1/MASE"
        reason = (
            f"combination of {', '.join(kept.index)} ({how}; inner MASE "
            f"{', '.join(f'{v:.3f}' for v in kept['mase'])})"
        )
        if dropped:
            reason += f"; dropped {', '.join(dropped)}"
        return tuple(kept.index), weights, float(kept["mase"].iloc[0]), reason

    def _selection(
        self,
        uid: Hashable,
        series: pd.DataFrame,
        inner: dict[str, pd.DataFrame],
        rows: pd.DataFrame,
    ) -> tuple[tuple[str, ...], tuple[float, ...], float, str]:
        """Apply the selection rule (steps 3-4) to one stream's candidate scores."""
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
        return members, weights, mase, reason + note

    def _finish(
        self,
        uid: Hashable,
        series: pd.DataFrame,
        inner: dict[str, pd.DataFrame],
        record: dict[str, Any],
        members: tuple[str, ...],
        weights: tuple[float, ...],
        mase: float,
        reason: str,
    ) -> dict[str, Any]:
        """Complete a stream's record: the median point, calibration errors."""
        name = members[0] if len(members) == 1 else "mean(" + "+".join(members) + ")"
        record |= {"model": name, "members": members, "weights": weights}
        chosen = self._combined(uid, inner, members, weights)
        record["point"] = "mean"
        if self.try_median:
            median = as_median(chosen)
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
            held_out_coverage(chosen, 80) if self.calibrate else float("nan")
        )
        if len(members) > 1:  # the members' own scores: the combination's
            record["inner_mase"] = float(
                score_backtests(chosen, series, self.season_length_, None, self.freq_)[
                    "mase"
                ].iloc[0]
            )
        record["z"] = scaled_errors(chosen).to_numpy()
        record["z_bands"] = band_errors(chosen)
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
                    held_out_coverage, 80, include_groups=False
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
        self.band_calibration_ = {
            r["unique_id"]: r.get("z_bands") if r.get("z") is not None else None
            for r in records
        }
        columns = ["unique_id", "model", "reason", "inner_mase", "inner_cov80"]
        table = pd.DataFrame(records).drop(columns=["z", "z_bands"], errors="ignore")
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
                frame = as_median(frame)
            z = self.calibration_.get(uid)
            least = MIN_CALIBRATION_ERRORS if self.strategy == "combine" else 10
            if self.calibrate and z is not None and len(z) >= least:
                self._calibrate(frame, uid, z, level)
            frames.append(frame)
        out = pd.concat(frames, ignore_index=True)
        return out[["unique_id", "ds", "model", "mean", *interval_columns(level)]]

    def _calibrate(
        self, frame: pd.DataFrame, uid: Hashable, z: np.ndarray, level: tuple
    ) -> None:
        """Set `frame`'s intervals (one stream, by `ds`) to the conformal ones:
        per horizon band (combination) where every band has 10 errors or more,
        else from all the validation errors."""
        mean = frame["mean"].to_numpy()
        lo80, hi80 = frame["lo_80"].to_numpy(), frame["hi_80"].to_numpy()
        bands = getattr(self, "band_calibration_", {}).get(uid)
        use_bands = (
            self.strategy == "combine"
            and bands is not None
            and all(len(b) >= MIN_BAND_ERRORS for b in bands[1])
        )
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
            frame[f"lo_{lv:g}"], frame[f"hi_{lv:g}"] = lo, hi


class AutoSelectOne(AutoSelect):
    """`auto` as it was before issue 16: select one model (or a weighted mean
    of the top candidates, when it validates better) per stream.

    The same parameters as `AutoSelect`, with `strategy="select"` and the alias
    `auto_select`; kept to compare with the combination.
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
        strategy: str = "select",
        alias: str = "auto_select",
    ):
        super().__init__(
            candidates,
            n_windows,
            horizon,
            step,
            top_k,
            min_cov80,
            calibrate,
            try_median,
            country,
            random_state,
            season_length,
            freq,
            fallback,
            strategy,
            alias,
        )
