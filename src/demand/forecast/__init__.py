"""Forecasting: the forecaster interface, the registered models and backtesting."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from demand.forecast.base import BaseForecaster, NotFittedError, check_demand
from demand.forecast.registry import MODELS, make_model, model_for

if TYPE_CHECKING:
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
    "model_for",
]

_MODEL_MODULES = {
    "Naive": "baselines",
    "SeasonalNaive": "baselines",
    "AutoETS": "statistical",
    "ProphetModel": "prophet",
    "HarmonicRegression": "harmonic",
    "CountRegression": "count",
    "GradientBoosting": "ml",
    "DailyProfile": "profile",
    "Ensemble": "ensemble",
    "AutoSelect": "select",
    "AutoSelectOne": "select",
}


def __getattr__(name: str) -> Any:
    """Import a model class on first use, as the registry does (PEP 562)."""
    if name in _MODEL_MODULES:
        module = importlib.import_module(f"demand.forecast.{_MODEL_MODULES[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
