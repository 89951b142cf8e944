"""Gradient boosting on calendar features and a lagged level, with count loss."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from demand.forecast.base import BaseForecaster, future_ds, intervals_around
from demand.forecast.calendar import calendar_features

__all__ = ["GradientBoosting", "lagged_level"]

logger = logging.getLogger(__name__)

DEFAULT_HORIZON = {"h": 168, "D": 28, "W": 13, "M": 12}
"""Lag (periods) of the level feature when `horizon` is None: the protocol's h."""
DEFAULT_LEVEL_WINDOW = {"h": 672, "D": 28, "W": 13, "M": 12}
"""Periods averaged into the level: 4 weeks (hourly, daily), a quarter, a year."""
DEFAULT_CALIBRATION = {"h": 672, "D": 84, "W": 26, "M": 12}
"""Periods held out to measure out-of-sample errors for the intervals."""


def lagged_level(y: np.ndarray, lag: int, window: int, n_out: int) -> np.ndarray:
    """Return, for targets t = 0..n_out-1, the mean of `y` over the `window`
    periods ending at `min(t - lag, len(y) - 1)`; NaN where that window starts
    before `y`.

    The level of target t uses no value later than t - lag (or than the last
    observation, for targets beyond `len(y) + lag - 1`), so it never sees t.
    """
    csum = np.concatenate([[0.0], np.cumsum(y)])
    end = np.minimum(np.arange(n_out) - lag, y.size - 1)  # last index averaged
    start = end - window + 1
    out = np.full(n_out, np.nan)
    ok = start >= 0
    out[ok] = (csum[end[ok] + 1] - csum[start[ok]]) / window
    return out


class GradientBoosting(BaseForecaster):
    """Histogram gradient boosting of demand relative to a lagged level.

    A direct strategy that cannot leak: the target of period t is
    `y_t / L_t`, where the level `L_t` is the mean of the `level_window` periods
    ending `horizon` periods before t, so every forecast step up to `horizon`
    has its level from data up to the cutoff (steps beyond `horizon` reuse the
    last window). The ratio is regressed on deterministic calendar features
    (weekday, hour, month, day of month, yearly Fourier terms, bank holidays
    and their neighbours, Christmas, New Year, year end) by scikit-learn's
    `HistGradientBoostingRegressor` with the Poisson loss and weights `L_t`,
    which is a Poisson count model with offset `log L_t`. The forecast is
    `L · ratio`.

    Intervals are split-conformal: the model is first fitted without the last
    `calibration_periods` periods, which it then forecasts out of sample; the
    central quantiles of those errors on the square-root scale (counts' variance
    stabiliser) give the bounds `(sqrt(mean) + q)²` around the refit's forecast.

    Args:
        country: Holiday country ("GB" = England and Wales, "US", ...; None).
        horizon: Lag of the level, periods; None means the protocol's h (H 168,
            D 28, W 13, M 12).
        level_window: Periods averaged into the level; None: 672 hourly, 28
            daily, 13 weekly, 12 monthly.
        calibration_periods: Periods held out for the intervals; None: 672
            hourly, 84 daily, 26 weekly, 12 monthly (at most a third of the rows).
        max_iter: Boosting iterations.
        learning_rate: Shrinkage per iteration.
        max_leaf_nodes: Leaves per tree.
        min_samples_leaf: Fewest periods per leaf.
        l2_regularization: L2 penalty on leaf values.
        random_state: Seed of the booster.
        season_length, freq, fallback, alias: As for every model (`BaseForecaster`).
    """

    fit_series_with_ds = True

    def __init__(
        self,
        country: str | None = "GB",
        horizon: int | None = None,
        level_window: int | None = None,
        calibration_periods: int | None = None,
        max_iter: int = 300,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 20,
        l2_regularization: float = 1.0,
        random_state: int | None = 0,
        season_length: int | None = None,
        freq: str | None = None,
        fallback: str | None = "seasonal_naive",
        alias: str = "gbm",
    ):
        self._store_hyperparameters(locals())

    def _settings(self) -> tuple[int, int, int]:
        """Return (lag, level window, calibration periods) for the fitted freq."""
        family = self.freq_
        lag = self.horizon or DEFAULT_HORIZON[family]
        window = self.level_window or DEFAULT_LEVEL_WINDOW[family]
        calibration = self.calibration_periods or DEFAULT_CALIBRATION[family]
        return int(lag), int(window), int(calibration)

    def _booster(self) -> Any:
        """Return an unfitted HistGradientBoostingRegressor with Poisson loss."""
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(
            loss="poisson",
            max_iter=int(self.max_iter),
            learning_rate=float(self.learning_rate),
            max_leaf_nodes=int(self.max_leaf_nodes),
            min_samples_leaf=int(self.min_samples_leaf),
            l2_regularization=float(self.l2_regularization),
            early_stopping=False,  # deterministic, and no random validation split
            random_state=self.random_state,
        )

    def _features(self, ds: pd.DatetimeIndex) -> np.ndarray:
        """Return the calendar feature matrix for period starts `ds`."""
        frame = calendar_features(ds, self.freq_, self.country)
        frame["week_hour"] = frame["dow"] * 24 + frame["hour"]
        return frame.to_numpy(dtype=float)

    def _fit_series(self, y: np.ndarray, ds: pd.DatetimeIndex) -> dict[str, Any]:
        """Fit the booster twice: without the calibration tail, then on all."""
        lag, window, calibration = self._settings()
        level = lagged_level(y, lag, window, y.size)
        rows = np.flatnonzero(np.isfinite(level))
        if rows.size < 3 * max(self.season_length_, 8):
            raise ValueError(
                f"{rows.size} period(s) have a lagged level; gradient boosting "
                f"needs at least {3 * max(self.season_length_, 8)}."
            )
        if y.sum() <= 0:
            raise ValueError("The stream is all zeros.")
        floor = max(1e-3 * float(np.mean(y)), 1e-6)  # an all-zero window
        level = np.maximum(level, floor)
        features = self._features(ds)
        ratio = y / level
        n_cal = min(calibration, rows.size // 3)
        inner, held = rows[:-n_cal], rows[-n_cal:]
        from threadpoolctl import threadpool_limits

        # One OpenMP thread: small fits gain nothing from more, and spinning
        # threads stall badly on a shared machine.
        with threadpool_limits(limits=1, user_api="openmp"):
            booster = self._booster()
            booster.fit(features[inner], ratio[inner], sample_weight=level[inner])
            guess = level[held] * booster.predict(features[held])
            errors = np.sqrt(y[held]) - np.sqrt(np.maximum(guess, 0.0))
            booster = self._booster()
            booster.fit(features[rows], ratio[rows], sample_weight=level[rows])
        return {
            "booster": booster,
            "y": y.copy(),
            "last": ds[-1],
            "errors": errors,
            "floor": floor,
        }

    def _predict_series(
        self, state: dict[str, Any], h: int, level: tuple[float, ...]
    ) -> dict[str, np.ndarray]:
        """Forecast h periods: lagged level times the boosted ratio."""
        lag, window, _ = self._settings()
        y = state["y"]
        full = lagged_level(y, lag, window, y.size + h)[y.size :]
        if not np.isfinite(full).all():
            raise ValueError("The level window starts before the history.")
        full = np.maximum(full, state["floor"])
        future = future_ds(state["last"], h, self.freq_)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):
            mean = full * state["booster"].predict(self._features(future))
        root = np.sqrt(np.maximum(mean, 0.0))

        def bounds(lv: float) -> tuple[np.ndarray, np.ndarray]:
            p = lv / 100.0
            q_lo, q_hi = np.quantile(state["errors"], [(1 - p) / 2, (1 + p) / 2])
            return np.maximum(root + q_lo, 0.0) ** 2, np.maximum(root + q_hi, 0.0) ** 2

        return intervals_around(mean, level, bounds)
