"""The model registry: aliases to forecaster classes, and the one model set-up."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

from demand.periods import normalise_freq

if TYPE_CHECKING:
    from demand.forecast.base import BaseForecaster

__all__ = ["MODELS", "ModelRegistry", "make_model", "model_for"]

_MODEL_PATHS: dict[str, str] = {
    "seasonal_naive": "demand.forecast.baselines:SeasonalNaive",
    "naive": "demand.forecast.baselines:Naive",
    "auto_ets": "demand.forecast.statistical:AutoETS",
    "prophet": "demand.forecast.prophet:ProphetModel",
    "arima_fourier": "demand.forecast.harmonic:HarmonicRegression",
    "count_glm": "demand.forecast.count:CountRegression",
    "gbm": "demand.forecast.ml:GradientBoosting",
    "daily_profile": "demand.forecast.profile:DailyProfile",
    "ensemble": "demand.forecast.ensemble:Ensemble",
    "auto": "demand.forecast.select:AutoSelect",
    "auto_select": "demand.forecast.select:AutoSelectOne",
}


class ModelRegistry(MutableMapping[str, "type[BaseForecaster]"]):
    """Forecaster classes by alias, each class's module imported on first look-up.

    Entries are `"module:Class"` paths until asked for, so importing
    `demand.forecast` imports no model library (statsmodels, Prophet, the
    gradient booster); a class may also be registered directly (tests do).
    """

    def __init__(self, paths: dict[str, str]):
        self._entries: dict[str, Any] = dict(paths)

    def __getitem__(self, alias: str) -> type[BaseForecaster]:
        entry = self._entries[alias]
        if isinstance(entry, str):
            module, name = entry.split(":")
            entry = getattr(importlib.import_module(module), name)
            self._entries[alias] = entry
        return entry  # type: ignore[no-any-return]

    def __setitem__(self, alias: str, cls: type[BaseForecaster]) -> None:
        self._entries[alias] = cls

    def __delitem__(self, alias: str) -> None:
        del self._entries[alias]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"ModelRegistry({', '.join(self._entries)})"


MODELS = ModelRegistry(_MODEL_PATHS)
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


def model_for(alias: str, **shared: Any) -> BaseForecaster:
    """Return the registered model `alias` set up with the `shared` settings it takes.

    The one place a model is set up for a run: settings a model has no
    parameter for (e.g. `country` for seasonal naive) are skipped, so one set
    of settings configures any mix of models. ETS on hourly data (`freq` "h")
    gets heuristic initial states: estimating 168 seasonal states takes
    minutes per fit.

    Args:
        alias: A key of `MODELS`.
        **shared: Settings such as `freq` (`h`, `D`, `W`, `M` or a pandas alias;
            see `normalise_freq`), `season_length`, `country`,
            `random_state`.

    Raises:
        ValueError: `alias` is not registered.
    """
    if shared.get("freq") is not None:
        shared["freq"] = normalise_freq(shared["freq"])
    model = make_model(alias)
    valid = model.get_params()
    model.set_params(**{k: v for k, v in shared.items() if k in valid})
    if "initialization_method" in valid and shared.get("freq") == "h":
        model.set_params(initialization_method="heuristic")
    return model
