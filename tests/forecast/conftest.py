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
    streams: tuple[str, ...] = ("north", "south"),
    level: float = 40.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Return Poisson counts with a seasonal cycle: a frame satisfying `demand`."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2021-01-04", periods=n_periods, freq=_PANDAS_FREQ[freq])
    t = np.arange(n_periods)
    frames = []
    for i, uid in enumerate(streams):
        rate = level * (1 + i) * (1 + 0.3 * np.sin(2 * np.pi * t / _SEASON[freq]))
        y = rng.poisson(rate).astype(float)
        frames.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def make_demand() -> Callable[..., pd.DataFrame]:
    """Factory of synthetic `demand` frames (see `synthetic_demand`)."""
    return synthetic_demand
