"""Prophet with yearly and weekly seasonality and country bank holidays."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from demand.forecast.base import BaseForecaster, future_ds, intervals_around
from demand.forecast.calendar import holiday_frame

__all__ = ["ProphetModel", "make_prophet"]

logger = logging.getLogger(__name__)
# Prophet's plotting needs plotly, which `demand` never uses; prophet logs an
# ERROR when it is imported without it, also when a fitted model is unpickled.
logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)


class _ShortHistoryNote(logging.Filter):
    """Prophet warns at every fit on under two years of history that yearly
    seasonality may be under-identified. Hourly windows (16 weeks) and
    validation windows make that routine: the record goes on at INFO (the run's
    log file keeps it; the console does not repeat it per fit)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Yearly seasonality is enabled with less"):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def _quiet_prophet_logs() -> None:
    """Silence cmdstanpy's and prophet's per-fit chatter."""
    from cmdstanpy.utils import get_logger

    get_logger()  # makes cmdstanpy's logger (level DEBUG) on first use: then quiet it
    for name in ("cmdstanpy", "prophet"):
        logging.getLogger(name).setLevel(logging.WARNING)
    forecaster = logging.getLogger("prophet")
    if not any(isinstance(f, _ShortHistoryNote) for f in forecaster.filters):
        forecaster.addFilter(_ShortHistoryNote())


def make_prophet(
    country: str | None,
    years: range,
    uncertainty_samples: int,
    **prophet_params: Any,
) -> Any:
    """Return an unfitted `prophet.Prophet` with yearly and weekly seasonality.

    Holidays come from the `holidays` package for `country` (see
    `demand.forecast.calendar.holiday_names`), so "GB" means England and Wales.
    The oracle test builds Prophet through this same function's arguments.

    Args:
        country: Holiday country, or None for no holidays.
        years: Calendar years the holidays must cover (history and horizon).
        uncertainty_samples: Predictive samples Prophet draws per forecast.
        **prophet_params: Further `Prophet` arguments.
    """
    _quiet_prophet_logs()
    from prophet import Prophet

    holidays = holiday_frame(country, years)
    params = {"yearly_seasonality": True, "weekly_seasonality": True}
    return Prophet(
        holidays=holidays if not holidays.empty else None,
        uncertainty_samples=uncertainty_samples,
        **(params | prophet_params),
    )


class ProphetModel(BaseForecaster):
    """Prophet per series: yearly + weekly seasonality and country holidays.

    The protocol's "Prophet defaults" reference model: Prophet's defaults
    (linear trend, additive seasonality, daily seasonality only for sub-daily
    data) plus yearly and weekly seasonality and the bank holidays of
    `country`. Intervals at every coverage asked are the central quantiles of one
    set of `n_samples` predictive samples (trend and observation noise), so one
    fit serves every coverage; `random_state` seeds the sampling. Weekly
    seasonality is dropped for monthly data (it cannot be identified).

    Args:
        country: Holiday country as an ISO 3166 code: "GB" (England and Wales
            bank holidays, the default), "GB-SCT", "US", ...; None for none.
        n_samples: Predictive samples per forecast (Prophet's
            `uncertainty_samples`); intervals need at least a few hundred.
        random_state: Seed of the predictive sampling (and Stan's optimiser).
        freq: Frequency (`H`, `D`, `W`, `M`); None infers it from `ds`.
        season_length: Unused by Prophet; kept for the fallback's season.
        fallback, alias: As for every model (`BaseForecaster`).
    """

    fit_series_with_ds = True

    def __init__(
        self,
        country: str | None = "GB",
        n_samples: int = 1000,
        random_state: int | None = 0,
        freq: str | None = None,
        season_length: int | None = None,
        fallback: str | None = "seasonal_naive",
        alias: str = "prophet",
    ):
        self._store_hyperparameters(locals())

    def _fit_series(self, y: np.ndarray, ds: pd.DatetimeIndex) -> dict[str, Any]:
        """Fit Prophet to one series; return the model and its last period."""
        # Holidays must cover the horizon too: two years past the last period.
        years = range(int(ds[0].year), int(ds[-1].year) + 3)
        extra = {"weekly_seasonality": False} if self.freq_ in ("M", "W") else {}
        model = make_prophet(self.country, years, int(self.n_samples), **extra)
        seed = {} if self.random_state is None else {"seed": int(self.random_state)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # prophet vs pandas 3
            warnings.simplefilter("ignore", DeprecationWarning)
            model.fit(pd.DataFrame({"ds": ds, "y": y}), **seed)
        return {"model": model, "last": ds[-1]}

    def _predict_series(
        self, state: dict[str, Any], h: int, level: tuple[float, ...]
    ) -> dict[str, np.ndarray]:
        """Return Prophet's mean and sample quantiles for the h next periods."""
        model = state["model"]
        future = pd.DataFrame({"ds": future_ds(state["last"], h, self.freq_)})
        # Prophet's own intervals are not used (ours come from `_samples`), and
        # drawing them would double the cost of a forecast: skip them.
        samples_per_forecast = model.uncertainty_samples
        try:
            model.uncertainty_samples = 0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # prophet vs pandas 3
                warnings.simplefilter("ignore", DeprecationWarning)
                mean = model.predict(future)["yhat"].to_numpy(dtype=float)
        finally:
            model.uncertainty_samples = samples_per_forecast
        # One set of samples serves every coverage; none are drawn for none.
        samples = self._samples(model, future) if level else np.empty((h, 0))

        def bounds(lv: float) -> tuple[np.ndarray, np.ndarray]:
            p = lv / 100.0
            lo, hi = np.quantile(samples, [(1 - p) / 2, (1 + p) / 2], axis=1)
            return lo, hi

        return intervals_around(mean, level, bounds)

    def _samples(self, model: Any, future: pd.DataFrame) -> np.ndarray:
        """Draw predictive samples, seeded by `random_state`.

        Prophet draws from numpy's global generator; it is seeded here and
        restored afterwards so the caller's random state is left as it was.
        """
        saved = np.random.get_state()
        try:
            if self.random_state is not None:
                np.random.seed(int(self.random_state))
            return np.asarray(model.predictive_samples(future)["yhat"], dtype=float)
        finally:
            np.random.set_state(saved)
