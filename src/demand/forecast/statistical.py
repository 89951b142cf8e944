"""Statistical forecasters: damped additive ETS through statsmodels."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from demand.forecast.base import BaseForecaster, intervals_around

__all__ = ["AutoETS"]

logger = logging.getLogger(__name__)


class AutoETS(BaseForecaster):
    """Additive-error, damped additive-trend, additive-seasonal ETS, per series.

    The protocol's reference model: statsmodels
    `ETSModel(error="add", trend="add", damped_trend=True, seasonal="add",
    seasonal_periods=m)` fitted by maximum likelihood, with its analytic
    ("exact") prediction intervals. With `season_length` 1 the seasonal
    component is dropped. A series whose fit fails or gives non-finite values
    goes to `fallback`.

    Args:
        initialization_method: statsmodels' initial-state method; "estimated"
            (the protocol) or "heuristic" (much faster for long seasons such as
            168 hours; needs at least two full seasons).
        maxiter: Most optimiser iterations per series.
        season_length, freq, fallback, alias: As for every model (`BaseForecaster`).
    """

    def __init__(
        self,
        season_length: int | None = None,
        freq: str | None = None,
        initialization_method: str = "estimated",
        maxiter: int = 1000,
        fallback: str | None = "seasonal_naive",
        alias: str = "auto_ets",
    ):
        self._store_hyperparameters(locals())

    def _fit_series(self, y: np.ndarray) -> Any:
        """Fit ETS to one series and return the statsmodels results."""
        from statsmodels.tools.sm_exceptions import ConvergenceWarning
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        m = self.season_length_
        seasonal = m > 1
        # A RangeIndex Series: statsmodels' prediction results need an index.
        model = ETSModel(
            pd.Series(y, dtype=float),
            error="add",
            trend="add",
            damped_trend=True,
            seasonal="add" if seasonal else None,
            seasonal_periods=m if seasonal else None,
            initialization_method=self.initialization_method,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            result = model.fit(disp=False, maxiter=self.maxiter)
        for caught_warning in caught:
            # Kept, as the protocol fits it; a non-converged estimate is usually
            # still usable, and a bad one is caught by the finiteness check below.
            converging = issubclass(caught_warning.category, ConvergenceWarning)
            logger.log(
                logging.INFO if converging else logging.DEBUG,
                "ETS on a series of %d periods: %s",
                y.size,
                caught_warning.message,
            )
        if not (
            np.isfinite(result.params).all() and np.isfinite(result.fittedvalues).all()
        ):
            raise ValueError("ETS fit gave non-finite parameters or fitted values.")
        return result

    def _predict_series(self, state: Any, h: int, level: tuple[float, ...]) -> dict:
        """Forecast h steps with analytic intervals for each level."""
        n = int(state.nobs)
        prediction = state.get_prediction(start=n, end=n + h - 1)
        mean = np.asarray(prediction.predicted_mean, dtype=float)
        if not np.isfinite(mean).all():
            raise ValueError("ETS forecast is not finite.")

        def bounds(lv: float) -> tuple[np.ndarray, np.ndarray]:
            both = np.asarray(prediction.pred_int(alpha=1.0 - lv / 100.0), dtype=float)
            return both[:, 0], both[:, 1]

        return intervals_around(mean, level, bounds)
