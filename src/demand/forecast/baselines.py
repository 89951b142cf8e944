"""Baseline forecasters: seasonal naive (the protocol's reference) and naive."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demand.forecast.base import BaseForecaster, intervals_around

__all__ = ["Naive", "SeasonalNaive"]


class SeasonalNaive(BaseForecaster):
    """Repeat each series' last observed season.

    Intervals follow the benchmark protocol: the empirical quantiles (numpy's
    default, linear) of the in-sample seasonal differences `y_t - y_{t-m}`, the
    central `level`% (quantiles (1 - p)/2 and (1 + p)/2), scaled by
    `sqrt(ceil(step / m))` for forecast step 1..h. Where a strong trend puts both
    quantiles on one side of zero, the bound is moved to the point forecast so
    that lo ≤ mean ≤ hi always holds.

    A series needs more than one season (n > m) of history; a shorter one goes to
    `fallback`.

    Args:
        season_length, freq, fallback, alias: As for every model (`BaseForecaster`).
    """

    def __init__(
        self,
        season_length: int | None = None,
        freq: str | None = None,
        fallback: str | None = "naive",
        alias: str = "seasonal_naive",
    ):
        self._store_hyperparameters(locals())

    def _fit_series(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the last season and the in-sample seasonal differences."""
        m = self.season_length_
        if y.size <= m:
            raise ValueError(
                f"{y.size} period(s) of history; seasonal naive needs more than one "
                f"season ({m} periods)."
            )
        return y[-m:].copy(), y[m:] - y[:-m]

    def _predict_series(
        self, state: tuple[np.ndarray, np.ndarray], h: int, level: tuple[float, ...]
    ) -> dict[str, np.ndarray]:
        """Tile the last season over h periods; widen by sqrt(seasons ahead)."""
        last_season, differences = state
        m = last_season.size
        mean = np.resize(last_season, h)
        scale = np.sqrt(np.ceil(np.arange(1, h + 1) / m))

        def bounds(lv: float) -> tuple[np.ndarray, np.ndarray]:
            p = lv / 100.0
            q_lo, q_hi = np.quantile(differences, [(1.0 - p) / 2.0, (1.0 + p) / 2.0])
            return mean + q_lo * scale, mean + q_hi * scale

        return intervals_around(mean, level, bounds)


class Naive(SeasonalNaive):
    """Repeat each series' last value: seasonal naive with a season of one period.

    The default fallback of `SeasonalNaive` for series shorter than one season.
    A series needs at least two periods (one difference for the intervals).

    Args:
        freq, fallback, alias: As for every model (`BaseForecaster`).
    """

    def __init__(
        self, freq: str | None = None, fallback: str | None = None, alias: str = "naive"
    ):
        self._store_hyperparameters(locals())

    def _fit(self, series: pd.DataFrame) -> None:
        """Fit with a season of one period whatever the frequency."""
        self.season_length_ = 1
        super()._fit(series)
