"""Automatic model selection per series by inner rolling-origin validation."""

from __future__ import annotations

import functools
import logging
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from demand.forecast.backtest import cross_validate, score_backtests
from demand.forecast.base import BaseForecaster
from demand.forecast.calibration import (
    as_median,
    band_errors,
    calibrate_choice,
    conformal_weight,
    held_out_coverage,
    members_residual_df,
    scaled_errors,
)
from demand.forecast.choice import (
    combination_rule,
    combine_inner,
    fallback_choice,
    inner_plan,
    selection_rule,
)
from demand.forecast.ensemble import combine_forecasts
from demand.forecast.fallback import fit_fallback, routine_fallbacks
from demand.forecast.level_shift import adjust_for_shift
from demand.forecast.out_years import OutYears
from demand.forecast.registry import model_for
from demand.forecast.reuse import fit_once

__all__ = [
    "DEFAULT_CANDIDATES",
    "AutoSelect",
    "AutoSelectOne",
]

logger = logging.getLogger(__name__)

DEFAULT_CANDIDATES: dict[str, tuple[str, ...]] = {
    "h": ("seasonal_naive", "auto_ets", "daily_profile", "prophet"),
    "D": ("seasonal_naive", "auto_ets", "arima_fourier", "prophet", "count_glm"),
    "W": ("seasonal_naive", "auto_ets", "arima_fourier", "prophet"),
    "M": ("seasonal_naive", "auto_ets", "arima_fourier"),
}
"""Candidates per frequency when `candidates` is None. Left out by default, for
cost: gradient boosting (about ten times the others per fit inside the nested
validation, and the weakest non-baseline model in a pilot on Denver daily);
`count_glm` except daily (it costs a fifth of a Prophet fit; as a daily member
it lowered `auto`'s MASE and SQL on both daily files' `--dev` windows, 2026-12-04:
Denver 0.6707 to 0.6705 and 0.1464 to 0.1463, Chicago 0.7758 to 0.7751 and 0.1689
to 0.1687; weak hourly, untried weekly and monthly); and Prophet on
monthly series, whose inner-validation windows hold under two years: Prophet
warns its yearly seasonality is then under-identified, and below 100 points it
switches to a Newton optimiser costing about 10 CPU-seconds a fit (bench/RESULTS.md,
"Forecast speed"). Add any with `candidates=(..., "gbm")`."""
_HORIZON = {"h": 168, "D": 28, "W": 13, "M": 12}
_STEP = {"h": 168, "D": 28, "W": 13, "M": 1}


class AutoSelect(BaseForecaster):
    """Pick a model per series by inner rolling-origin validation, then refit it.

    The rule, applied at `fit` to the training data only (so the selection can
    itself be backtested without leakage):

    1. Backtest every candidate on the training frame: `n_windows` cutoffs,
       `horizon` periods each, `step` apart, ending at the last period (the
       first keeps two seasons for the seasonal members: `choice.inner_plan`).
    2. Per series, score each candidate's MASE (scaled per inner cutoff, as
       the protocol does) and its 80% coverage: the raw coverage, or with
       `calibrate` the leave-one-window-out coverage of its calibrated intervals.
    3. Guard: drop candidates whose coverage is below `min_cov80`, unless all
       are below it, or the best candidate it keeps scores an inner MASE more
       than `GUARD_MAX_MASE_RATIO` (1.10) times the best of all.
    4. Choose the lowest MASE, or the inverse-MASE weighted mean of the
       `top_k` best eligible candidates where it scores lower still.
    5. With `try_median`, score the choice with its point replaced by the
       median of a count distribution with its mean and 80% interval
       (`median_point`); keep it if its inner MASE is lower (MASE, an
       absolute error, is minimised by the median).
    6. Refit the choice on the whole training frame. With `calibrate`, its
       intervals are calibrated on the validation errors, split-conformally
       (`calibration.calibrate_choice` says how: per band of the horizon,
       averaged with the members' own, only widened with few errors). Past
       the inner horizon, `auto`'s bounds widen by the growth no backtest saw
       (`out_years`).

    With `strategy="combine"` (the default, `auto`) steps 3-4 are instead:
    members are the candidates whose inner MASE beats seasonal naive's (a
    candidate that loses to it on its own backtest is dropped) and is within
    `COMBINE_MAX_RATIO` (1.10) of the best; their weights are equal when
    their MASEs lie within `EQUAL_WEIGHT_SPREAD` (5 %) of each other (the
    backtest cannot tell them apart), else proportional to 1 / MASE. The
    point and every interval bound are the weighted means of the members'
    (quantile averaging), then calibrated as in step 6. Where no candidate
    beats seasonal naive, seasonal naive alone is used. First, a recent monthly
    level shift is taken out of the history (`level_shift.adjust_for_shift`).

    Series whose candidates all fail, or too short for a validation window,
    get `fallback`. The choice and the reason per series are in `choices_`.

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
        freq: Frequency (`h`, `D`, `W`, `M`); None infers it from `ds`.
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
        self._store_hyperparameters(locals())

    # -- fitting --

    def _shared(self) -> dict[str, Any]:
        """Return the settings every candidate gets (those it accepts)."""
        return {
            "country": self.country,
            "random_state": self.random_state,
            "freq": self.freq_,
            "season_length": self.season_length_,
        }

    def _member(self, alias: str) -> BaseForecaster:
        """Return candidate `alias` with the shared settings it accepts."""
        return model_for(alias, **self._shared())

    def _plan(self, shortest: int) -> tuple[int, int, int] | None:
        """Return `inner_plan`'s (horizon, step, n_windows), or None."""
        return inner_plan(
            shortest,
            self.season_length_,
            int(self.horizon or _HORIZON[self.freq_]),
            int(self.step or _STEP[self.freq_]),
            int(self.n_windows),
        )

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
        """Apply the selection rule to series `uid`; return its choice record."""
        rows = scores[scores["unique_id"] == uid].set_index("model")
        rows = rows[np.isfinite(rows["mase"])]
        record: dict[str, Any] = {"unique_id": uid}
        record |= {f"mase_{a}": rows["mase"].get(a, np.nan) for a in inner}
        if rows.empty:
            why = "every candidate failed inner validation"
            return record | fallback_choice(self.fallback, why)
        if self.strategy == "combine":
            members, weights, mase, reason = combination_rule(rows)
        else:

            def mase_of(members: tuple[str, ...], weights: tuple[float, ...]) -> float:
                combo = combine_inner(inner, uid, members, weights)
                return self._inner_mase(combo, series)

            members, weights, mase, reason = selection_rule(
                rows, self.min_cov80, self.top_k, mase_of
            )
        return self._finish(uid, series, inner, record, members, weights, mase, reason)

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
        """Complete a series' record: the median point, calibration errors."""
        name = members[0] if len(members) == 1 else "mean(" + "+".join(members) + ")"
        record |= {"model": name, "members": members, "weights": weights}
        chosen = combine_inner(inner, uid, members, weights)
        record["point"] = "mean"
        if self.try_median:
            median = as_median(chosen)
            median_mase = self._inner_mase(median, series)
            if median_mase < mase:
                reason += f"; median point (inner MASE {median_mase:.3f})"
                chosen, mase, record["point"] = median, median_mase, "median"
        record |= {"reason": reason, "inner_mase": mase}
        record["inner_cov80"] = (
            held_out_coverage(chosen, 80, conformal_weight(self.strategy))
            if self.calibrate
            else float("nan")
        )
        if len(members) > 1:  # the members' own scores: the combination's
            record["inner_mase"] = self._inner_mase(chosen, series)
        record["z"] = scaled_errors(chosen).to_numpy()
        record["z_bands"] = band_errors(chosen)
        return record

    def _inner_mase(self, backtests: pd.DataFrame, series: pd.DataFrame) -> float:
        """Return the MASE of one series' inner backtests."""
        scores = score_backtests(
            backtests, series, self.season_length_, None, self.freq_
        )
        return float(scores["mase"].iloc[0])

    def _score(
        self, series: pd.DataFrame, inner: dict[str, pd.DataFrame]
    ) -> pd.DataFrame:
        """Return MASE and the guard's coverage per (series, candidate)."""
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
        """Validate, choose per series, and refit the choices on all the data."""
        self.n_periods_ = series.groupby("unique_id", observed=True).size().to_dict()
        plan = self._plan(int(min(self.n_periods_.values())))
        window = plan[0] if plan and self.strategy == "combine" else 0
        series, self.shifts_ = adjust_for_shift(
            series, self.season_length_, window, self.freq_
        )
        with routine_fallbacks():  # short windows: the choice records the rest
            inner = self._validate(series, plan) if plan else {}
        scores = self._score(series, inner) if inner else None
        records = []
        for uid in sorted(series["unique_id"].unique()):
            if scores is not None:
                records.append(self._choose(uid, series, inner, scores))
                continue
            why = "history too short" if plan is None else "every candidate failed"
            why += " for inner validation"
            records.append({"unique_id": uid} | fallback_choice(self.fallback, why))
        self._refit(series, records)
        # `auto` widens its calibrated series' ranges past the inner horizon
        widen = self.calibrate and self.strategy == "combine"
        ids = [u for u, z in self.calibration_.items() if z is not None and widen]
        checked = series[series["unique_id"].isin(ids)]
        self.out_years_ = OutYears.of(checked, plan[0] if plan else 0, self.freq_)
        self.choices_["reason"] += self.choices_["unique_id"].map(self.out_years_.note)
        self.choices_["reason"] += self.choices_["unique_id"].map(self.shifts_.note)

    def _refit(self, series: pd.DataFrame, records: list[dict[str, Any]]) -> None:
        """Fit each chosen model on its series' whole history."""
        needed: dict[str, list[Hashable]] = {}
        for record in records:
            for alias in record["members"]:
                needed.setdefault(alias, []).append(record["unique_id"])
        self.models_ = {}
        errors: dict[str, Exception] = {}
        for alias, uids in needed.items():
            subset = series[series["unique_id"].isin(uids)]
            try:
                self.models_[alias] = fit_once(self._member(alias), subset)
            except Exception as exc:  # the series keep a forecast: the fallback
                errors[alias] = exc
        failed = [
            r for r in records if not all(a in self.models_ for a in r["members"])
        ]
        if failed:
            key = f"{self.fallback} (fallback)"
            uids = [r["unique_id"] for r in failed]
            self.models_[key] = fit_fallback(
                self.fallback,
                self.alias,
                series[series["unique_id"].isin(uids)],
                RuntimeError(
                    "; ".join(f"refitting {a} failed ({e})" for a, e in errors.items())
                ),
                **self._shared(),
            )
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
        """Combine each series' chosen forecasts and calibrate the intervals."""
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
            if self.calibrate and z is not None:
                bands = self.band_calibration_.get(uid)
                df = members_residual_df(self.n_periods_[uid], self.season_length_)
                calibrate_choice(frame, z, bands, level, self.strategy, df)
            self.out_years_.widen(frame, uid, level)  # calibrated `auto` series
            self.shifts_.widen(frame, uid, level)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


class AutoSelectOne(AutoSelect):
    """`auto` as it was before issue 16: select one model (or a weighted mean
    of the top candidates, when it validates better) per series.

    The same parameters as `AutoSelect`, with `strategy="select"` and the alias
    `auto_select`; kept to compare with the combination.
    """

    # AutoSelect's constructor with two other defaults: its signature (which
    # get_params and clone read) is AutoSelect's, so the two cannot drift apart.
    __init__ = functools.partialmethod(
        AutoSelect.__init__, strategy="select", alias="auto_select"
    )
