"""Hourly demand as a daily-total forecast split by a stable hour-of-week profile."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from demand.forecast.base import BaseForecaster, future_ds, intervals_around
from demand.forecast.count import count_quantile
from demand.forecast.registry import model_for

__all__ = ["DailyProfile"]

logger = logging.getLogger(__name__)


class DailyProfile(BaseForecaster):
    """Forecast each day's total, then split it into hours by the weekday's profile.

    What did best for hourly emergency arrivals in Calgary (Channouf et al.
    2007) and in Taylor (2008) beyond a few days: the daily totals (complete
    local days of the history) are forecast by the registered model
    `daily_model`; each hour gets its day's total times the share of that hour
    in the same weekday over the last `profile_weeks` weeks. Other frequencies
    have nothing to split: `daily_model` forecasts them directly.

    Intervals combine the daily model's uncertainty with the noise of the split:
    variance `p² σ_D² + φ D p` per hour, where σ_D comes from the daily model's
    95% interval, `p` is the hour's share, `D` the day's forecast and `φ` the
    over-dispersion of the actual hours around `share × actual day total` in the
    profile weeks; bounds are Gaussian around the mean.

    Args:
        daily_model: Alias of the registered model forecasting daily totals.
        country: Holiday country passed to `daily_model` when it takes one.
        profile_weeks: Weeks of history behind the hour-of-week shares (fewer
            when the history is shorter). A long window matters: at ~12 calls
            an hour, 8 weeks give each hour-of-week cell ~100 calls, so ~10%
            noise in its share.
        point: `"mean"`, or `"median"` for the median of a negative binomial
            with the hour's mean and variance (what minimises absolute errors
            of counts; a shade below the mean at a dozen calls an hour).
        random_state: Passed to `daily_model` when it takes one.
        season_length: Unused (the profile is a week of hours); kept for the
            fallback's season.
        freq: Frequency; must be hourly (`H`).
        fallback, alias: As for every model (`BaseForecaster`).
    """

    fit_series_with_ds = True

    def __init__(
        self,
        daily_model: str = "arima_fourier",
        country: str | None = "GB",
        profile_weeks: int = 52,
        point: str = "mean",
        random_state: int | None = 0,
        season_length: int | None = None,
        freq: str | None = None,
        fallback: str | None = "seasonal_naive",
        alias: str = "daily_profile",
    ):
        self._store_hyperparameters(locals())

    def _make_daily(self, freq: str = "D", season_length: int = 7) -> BaseForecaster:
        """Return the daily-total model with the shared settings it accepts."""
        return model_for(
            self.daily_model,
            country=self.country,
            random_state=self.random_state,
            freq=freq,
            season_length=season_length,
        )

    def _fit_series(self, y: np.ndarray, ds: pd.DatetimeIndex) -> dict[str, Any]:
        """Fit the daily model on complete days and the hour-of-week shares."""
        if self.freq_ != "h":  # nothing to split: the daily model forecasts directly
            direct = pd.DataFrame({"unique_id": "s", "ds": ds, "y": y})
            model = self._make_daily(self.freq_, self.season_length_)
            return {"direct": model.fit(direct)}
        hours = pd.Series(y, index=ds)
        day = hours.index.normalize()
        per_day = hours.groupby(day).agg(["sum", "size"])
        complete = per_day[per_day["size"] == 24]["sum"]  # DST days are skipped
        complete = complete[complete.index <= day[-1]]
        if hours.index[-1].hour != 23:
            complete = complete[complete.index < day[-1]]  # a partial last day
        weeks = int(self.profile_weeks)  # or as many whole weeks as there are
        if complete.size < 21:
            raise ValueError(
                f"{complete.size} complete day(s); daily_profile needs 21."
            )
        daily = pd.DataFrame(
            {"unique_id": "d", "ds": complete.index.as_unit("ns"), "y": complete}
        ).reset_index(drop=True)
        full = pd.date_range(daily["ds"].iloc[0], daily["ds"].iloc[-1], freq="D")
        if len(full) != len(daily):  # a gap of skipped days: fill by weekday means
            filled = complete.reindex(full)
            by_dow = filled.groupby(full.day_of_week).transform("mean")
            daily = pd.DataFrame(
                {"unique_id": "d", "ds": full, "y": filled.fillna(by_dow).to_numpy()}
            )
        model = self._make_daily().fit(daily)

        recent = hours[hours.index > hours.index[-1] - pd.Timedelta(weeks=weeks)]
        recent_day = recent.index.normalize()
        totals = recent.groupby(recent_day).transform("sum").to_numpy()
        key = recent.index.day_of_week * 24 + recent.index.hour
        frame = pd.DataFrame({"y": recent.to_numpy(), "total": totals, "key": key})
        sums = frame.groupby("key")[["y", "total"]].sum()
        share = (sums["y"] / sums["total"].where(sums["total"] > 0)).reindex(range(168))
        share = share.fillna(1.0 / 24.0).to_numpy()
        expected = totals * share[key]
        dispersion = np.sum((frame["y"] - expected) ** 2) / max(np.sum(expected), 1e-9)
        return {
            "daily": model,
            "share": share,
            "dispersion": max(float(dispersion), 1.0),
            "last": hours.index[-1],
            "last_day": complete.index[-1],
        }

    def _predict_series(
        self, state: dict[str, Any], h: int, level: tuple[float, ...]
    ) -> dict[str, np.ndarray]:
        """Split the daily forecasts into the h next hours."""
        from scipy.stats import norm

        if "direct" in state:
            forecast = state["direct"].predict(h, level)
            return {c: forecast[c].to_numpy() for c in forecast.columns[3:]}
        future = future_ds(state["last"], h, "h")
        future_day = future.normalize()
        n_days = int((future_day[-1] - state["last_day"]) / pd.Timedelta(days=1))
        daily = state["daily"].predict(n_days, level=(95,)).set_index("ds")
        total = daily["mean"].reindex(future_day).to_numpy()
        sd_total = (daily["hi_95"] - daily["lo_95"]).reindex(
            future_day
        ).to_numpy() / 3.92
        share = state["share"][future.day_of_week * 24 + future.hour]
        mean = total * share
        sd = np.sqrt((share * sd_total) ** 2 + state["dispersion"] * mean)
        point = mean
        if self.point == "median":
            alpha = np.maximum(sd**2 - mean, 0.0) / np.maximum(mean, 1e-9) ** 2
            point = np.where(mean > 0, count_quantile(mean, alpha, 0.5, False), 0.0)

        def bounds(lv: float) -> tuple[np.ndarray, np.ndarray]:
            z = norm.ppf(0.5 + lv / 200.0)
            return mean - z * sd, mean + z * sd

        return intervals_around(point, level, bounds)
