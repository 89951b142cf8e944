"""Dynamic harmonic regression: Fourier terms and special days with ARIMA errors."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from demand.forecast.base import BaseForecaster, future_ds, intervals_around
from demand.forecast.calendar import calendar_features, fourier_terms, holiday_names

__all__ = [
    "HarmonicRegression",
    "harmonic_exog",
    "informative_columns",
    "model_calendar",
]

logger = logging.getLogger(__name__)

_EPOCH = pd.Timestamp("2000-01-03")  # a Monday: weekly terms line up with weekdays
_SPECIAL_DAYS = [
    "holiday",
    "holiday_before",
    "holiday_after",
    "christmas",
    "new_year",
    "year_end",
]
_DEFAULT_HISTORY = {"h": 24 * 7 * 12, "D": 1461, "W": 520, "M": 240}
"""Most recent periods fitted by default: 12 weeks of hours (the yearly cycle is
left to the errors there), 4 years of days, 10 years of weeks, 20 of months."""


def _position(ds: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Return the periods elapsed since a fixed Monday (months for monthly)."""
    if freq == "M":
        return ((ds.year - 2000) * 12 + ds.month - 1).to_numpy(dtype=float)
    unit = pd.Timedelta(hours=1) if freq == "h" else pd.Timedelta(days=1)
    return ((ds - _EPOCH) / unit).to_numpy(dtype=float)


def model_calendar(
    model: Any, ds: pd.DatetimeIndex, columns: list[str] | None = None
) -> pd.DataFrame:
    """`harmonic_exog` with a fitted model's settings (`freq_`, `season_length_`,
    `country`, `season_terms`, `year_terms`): one calendar for every model on it.

    With `columns` (those the model was fitted on), exactly those, in that order:
    a one-off holiday of the training years that `ds` lacks is a column of zeros.
    """
    calendar = harmonic_exog(
        ds,
        model.freq_,
        model.season_length_,
        model.country,
        model.season_terms,
        int(model.year_terms),
    )
    if columns is None:
        return calendar
    return calendar.reindex(columns=columns, fill_value=0.0)


def informative_columns(exog: pd.DataFrame, ds: pd.DatetimeIndex) -> list[str]:
    """Regressors worth fitting on history `ds`: not constant there, and no yearly
    terms on under 18 months of history (they would wander)."""
    short = (ds[-1] - ds[0]) < pd.Timedelta(days=548)
    return [
        c
        for c in exog
        if exog[c].std() > 1e-9 and not (short and c.startswith("year_"))
    ]


def _holiday_key(name: str) -> str:
    """Return a holiday's name without "(observed)" and the like."""
    return name.split("(")[0].split(";")[0].strip().lower()


def harmonic_exog(
    ds: pd.DatetimeIndex,
    freq: str,
    season_length: int,
    country: str | None,
    season_terms: int | None,
    year_terms: int,
) -> pd.DataFrame:
    """Return the regressors of the harmonic regression for period starts `ds`.

    Fourier terms of the season (`season_length` periods; `season_terms`
    harmonics, None for 3 weekly, 4 monthly, 6 hourly), of the day for
    hourly data (24 h, 8 harmonics), of the year for daily and hourly data, and
    the special-day flags of `calendar_features` (daily and hourly only). All are
    deterministic, so future rows are known at any cutoff.
    """
    if season_terms is None:
        season_terms = {7: 3, 12: 4, 168: 6}.get(season_length, 6)
    season_terms = min(int(season_terms), season_length // 2)
    position = _position(ds, freq)
    blocks = {"season": fourier_terms(position, season_length, season_terms)}
    if freq == "h":
        blocks["day"] = fourier_terms(position, 24.0, 8)
    if freq in ("h", "D"):
        calendar = calendar_features(ds, freq, country, year_terms)
        year = [c for c in calendar if c.startswith("year_")]
        blocks["year"] = calendar[year].to_numpy()
        blocks["special"] = calendar[_SPECIAL_DAYS].to_numpy()
        # Weekday effects that change over the year: weekday x first harmonic.
        weekday = (calendar["dow"].to_numpy()[:, None] == np.arange(6)).astype(float)
        first = (
            calendar[["year_sin_1", "year_cos_1"]].to_numpy() if year_terms else None
        )
        if first is not None:
            blocks["dow_year"] = np.hstack(
                [weekday * first[:, [0]], weekday * first[:, [1]]]
            )
        # Each named holiday its own effect (4 July is not Thanksgiving).
        years = range(int(ds.year.min()) - 1, int(ds.year.max()) + 2)
        names = holiday_names(country, years)
        day = ds.normalize()
        labels = sorted({_holiday_key(n) for n in names.values()})
        by_day = pd.Series({d: _holiday_key(n) for d, n in names.items()})
        on = by_day.reindex(day).to_numpy()
        # Keyed by the holiday's name, not its position: a forecast window sees
        # other years' holidays than the training window (a one-off state
        # funeral), so positions would not line up.
        named = {f"named_{label}": (on == label).astype(float) for label in labels}
    else:
        named = {}
    columns = {
        f"{name}_{j}": block[:, j]
        for name, block in blocks.items()
        for j in range(block.shape[1])
    }
    return pd.DataFrame(columns | named, index=ds)


def _arma_filter(
    values: np.ndarray, d: int, ar: np.ndarray, ma: np.ndarray
) -> np.ndarray:
    """Apply the inverse ARIMA filter `(1-B)^d φ(B) / θ(B)` along axis 0.

    Turns ARIMA(p, d, q) errors into white noise, so least squares on the
    filtered data is generalised least squares (Cochrane-Orcutt for ARIMA).
    """
    from scipy.signal import lfilter

    out = np.diff(values, n=d, axis=0) if d else values - values.mean(axis=0)
    return lfilter(np.r_[1.0, -ar], np.r_[1.0, ma], out, axis=0)


def _gls(
    y: np.ndarray, x: np.ndarray, d: int, ar: np.ndarray, ma: np.ndarray
) -> np.ndarray:
    """Return the GLS coefficients of `y` on `x` under ARIMA errors."""
    fy, fx = _arma_filter(y, d, ar, ma), _arma_filter(x, d, ar, ma)
    return np.linalg.lstsq(fx, fy, rcond=None)[0]


class HarmonicRegression(BaseForecaster):
    """Regression on Fourier terms and special days with ARIMA(p, d, q) errors.

    Dynamic harmonic regression (Hyndman & Athanasopoulos, FPP3 §10.5):
    `y = X β + u` with u an ARIMA(p, d, q) process, where X holds Fourier terms
    of the season (and of the day and year where the data resolve them) and
    bank-holiday and Christmas/New Year flags. Fitted by iterated GLS for speed
    (a joint SARIMAX likelihood with ~25 regressors takes tens of seconds a
    series): β by least squares on the differenced data, the ARIMA errors by
    statsmodels `SARIMAX(y - X β, order=order)`, then β again by least squares
    on data passed through the errors' inverse filter, and the errors refitted;
    forecasts add X β back to the errors' forecast and interval. The default
    errors ARIMA(1,1,1) carry a stochastic level without drift, so long-horizon
    forecasts stay bounded (level + seasonality) instead of extrapolating a
    trend. Intervals are SARIMAX's analytic (Gaussian) ones. Regressors that
    are constant over the training window (e.g. a flag that never fires) are
    dropped. Only the last `max_history` periods are fitted, which keeps hourly
    fits to seconds.

    Args:
        country: Holiday country ("GB" = England and Wales, "US", ...; None
            for no holidays).
        order: ARIMA (p, d, q) order of the errors.
        season_terms: Fourier harmonics of the season; None picks 3 for a
            7-day week, 4 for 12 months, 6 for a 168-hour week.
        year_terms: Fourier harmonics of the year (daily and hourly data).
        max_history: Most recent periods to fit; None means 12 weeks hourly,
            4 years daily, 20 years monthly.
        maxiter: Most optimiser iterations.
        season_length, freq, fallback, alias: As for every model (`BaseForecaster`).
    """

    fit_series_with_ds = True

    def __init__(
        self,
        country: str | None = "GB",
        order: tuple[int, int, int] = (1, 1, 1),
        season_terms: int | None = None,
        year_terms: int = 6,
        max_history: int | None = None,
        maxiter: int = 200,
        season_length: int | None = None,
        freq: str | None = None,
        fallback: str | None = "seasonal_naive",
        alias: str = "arima_fourier",
    ):
        self._store_hyperparameters(locals())

    def _errors_model(self, errors: np.ndarray) -> Any:
        """Return statsmodels' SARIMAX for the ARIMA(p, d, q) errors."""
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        return SARIMAX(errors, order=tuple(self.order), trend="n")

    def _fit_errors(self, errors: np.ndarray) -> Any:
        """Fit the ARIMA(p, d, q) errors."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter; checked below
            return self._errors_model(errors).fit(disp=False, maxiter=int(self.maxiter))

    def _fit_series(self, y: np.ndarray, ds: pd.DatetimeIndex) -> dict[str, Any]:
        """Fit the harmonic regression with ARIMA errors to one series."""
        history = self.max_history or _DEFAULT_HISTORY[self.freq_]
        y, ds = y[-int(history) :], ds[-int(history) :]
        exog = model_calendar(self, ds)
        keep = informative_columns(exog, ds)
        n_params = len(keep) + sum(self.order) + 1
        if y.size < n_params + 10:
            raise ValueError(
                f"{y.size} period(s) are too few for {n_params} parameters."
            )
        x = exog[keep].to_numpy()
        p, d, q = (int(v) for v in self.order)
        beta = _gls(y, x, d, np.zeros(0), np.zeros(0)) if keep else np.zeros(0)
        for _ in range(2 if keep else 1):  # OLS, then one GLS step with its errors
            result = self._fit_errors(y - x @ beta if keep else y)
            if keep:
                ar = np.asarray(result.arparams if p else [], dtype=float)
                ma = np.asarray(result.maparams if q else [], dtype=float)
                beta = _gls(y, x, d, ar, ma)
        errors = y - x @ beta if keep else y
        if keep:
            result = self._fit_errors(errors)
        if not np.isfinite(result.params).all() or not np.isfinite(result.llf):
            raise ValueError("SARIMAX gave non-finite parameters.")
        # The errors and parameters, not statsmodels' results (3 MB a daily
        # series, in memory for all of a run): refiltering at predict
        # time gives the same forecast.
        return {
            "errors": errors,
            "params": np.asarray(result.params, dtype=float),
            "columns": keep,
            "beta": beta,
            "last": ds[-1],
        }

    def _predict_series(
        self, state: dict[str, Any], h: int, level: tuple[float, ...]
    ) -> dict[str, np.ndarray]:
        """Forecast h periods with the future regressors and analytic intervals."""
        future = future_ds(state["last"], h, self.freq_)
        columns = state["columns"]
        exog = model_calendar(self, future, columns)
        regression = exog.to_numpy() @ state["beta"]
        filtered = self._errors_model(state["errors"]).filter(state["params"])
        forecast = filtered.get_forecast(h)
        shift = regression if columns else np.zeros(h)
        mean = np.asarray(forecast.predicted_mean, dtype=float) + shift
        if not np.isfinite(mean).all():
            raise ValueError("SARIMAX forecast is not finite.")

        def bounds(lv: float) -> tuple[np.ndarray, np.ndarray]:
            both = np.asarray(forecast.conf_int(alpha=1.0 - lv / 100.0))
            both = both + shift[:, None]
            return both[:, 0], both[:, 1]

        return intervals_around(mean, level, bounds)
