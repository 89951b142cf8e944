"""Forecasting: the forecaster interface, the registered models and backtesting."""

from __future__ import annotations

from typing import Any

from demand.forecast.base import BaseForecaster, NotFittedError, check_demand
from demand.forecast.baselines import Naive, SeasonalNaive
from demand.forecast.count import CountRegression
from demand.forecast.ensemble import Ensemble
from demand.forecast.harmonic import HarmonicRegression
from demand.forecast.ml import GradientBoosting
from demand.forecast.profile import DailyProfile
from demand.forecast.prophet import ProphetModel
from demand.forecast.select import AutoSelect, AutoSelectOne
from demand.forecast.statistical import AutoETS

__all__ = [
    "MODELS",
    "AutoETS",
    "AutoSelect",
    "AutoSelectOne",
    "BaseForecaster",
    "CountRegression",
    "DailyProfile",
    "Ensemble",
    "GradientBoosting",
    "HarmonicRegression",
    "Naive",
    "NotFittedError",
    "ProphetModel",
    "SeasonalNaive",
    "check_demand",
    "make_model",
]

MODELS: dict[str, type[BaseForecaster]] = {
    "seasonal_naive": SeasonalNaive,
    "naive": Naive,
    "auto_ets": AutoETS,
    "prophet": ProphetModel,
    "arima_fourier": HarmonicRegression,
    "count_glm": CountRegression,
    "gbm": GradientBoosting,
    "daily_profile": DailyProfile,
    "ensemble": Ensemble,
    "auto": AutoSelect,
    "auto_select": AutoSelectOne,
}
"""Registered forecasters by alias (snake_case); the contract test runs over each."""


def make_model(alias: str, **params: Any) -> BaseForecaster:
    """Return a new forecaster of the registered model `alias`.

    Args:
        alias: A key of `MODELS`, e.g. "seasonal_naive" or "auto_ets".
        **params: Hyper-parameters for the model's constructor.

    Raises:
        ValueError: `alias` is not registered, or a parameter is unknown.
    """
    try:
        cls = MODELS[alias]
    except KeyError:
        known = ", ".join(MODELS)
        raise ValueError(f"Unknown model {alias!r}; choose one of: {known}.") from None
    valid = cls._get_param_names()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(
            f"Model {alias!r} has no parameter(s) {', '.join(unknown)}; "
            f"its parameters are: {', '.join(valid)}."
        )
    return cls(**params)
