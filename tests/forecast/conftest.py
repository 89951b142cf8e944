"""Synthetic demand for the forecasting tests: small, seasonal, fixed seed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

_PANDAS_FREQ = {"H": "h", "D": "D", "W": "W-MON", "M": "MS"}
_SEASON = {"H": 24, "D": 7, "W": 52, "M": 12}


def synthetic_demand(
    n_periods: int = 120,
    freq: str = "D",
    unique_ids: tuple[str, ...] = ("north", "south"),
    level: float = 40.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Return Poisson counts with a seasonal cycle: a frame satisfying `demand`."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2021-01-04", periods=n_periods, freq=_PANDAS_FREQ[freq])
    t = np.arange(n_periods)
    frames = []
    for i, uid in enumerate(unique_ids):
        rate = level * (1 + i) * (1 + 0.3 * np.sin(2 * np.pi * t / _SEASON[freq]))
        y = rng.poisson(rate).astype(float)
        frames.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def make_demand() -> Callable[..., pd.DataFrame]:
    """Factory of synthetic `demand` frames (see `synthetic_demand`)."""
    return synthetic_demand


CHEAP_SETTINGS: dict[str, dict] = {
    "prophet": {"n_samples": 200},
    "gbm": {"max_iter": 30},
    "arima_fourier": {"maxiter": 25, "year_terms": 2},
    "daily_profile": {"daily_model": "auto_ets"},
    "ensemble": {"members": ("seasonal_naive", "auto_ets")},
    "auto": {
        "candidates": ("seasonal_naive", "auto_ets", "count_glm"),
        "n_windows": 2,
    },
    "auto_select": {
        "candidates": ("seasonal_naive", "auto_ets", "gbm"),
        "n_windows": 2,
    },
}
"""Settings that keep the heavier models to a second or two in the shared tests."""


def cheap_model(alias: str, **params):
    """Return registered model `alias` with cheap settings, seeded if it can be."""
    from demand.forecast import make_model

    model = make_model(alias, **(CHEAP_SETTINGS.get(alias, {}) | params))
    if "random_state" in model.get_params():
        model.set_params(random_state=0)
    return model


@pytest.fixture
def make_cheap_model() -> Callable[..., object]:
    """Factory of registered models with cheap test settings (`cheap_model`)."""
    return cheap_model
