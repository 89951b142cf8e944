"""Ensembles: a weighted mean of member forecasts and of their interval bounds."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from demand.forecast.base import BaseForecaster
from demand.forecast.registry import model_for

__all__ = ["Ensemble", "combine_forecasts"]

logger = logging.getLogger(__name__)


def combine_forecasts(
    forecasts: Sequence[pd.DataFrame], weights: Sequence[float], alias: str
) -> pd.DataFrame:
    """Return the weighted mean of forecasts of the same series and periods.

    Every value column (`mean`, `lo_*`, `hi_*`) is averaged with the same
    weights, so `lo ≤ mean ≤ hi` holds for the result whenever it holds for each
    member (a weighted mean keeps inequalities). Averaging quantiles across
    members is Vincentization, the usual way to pool interval forecasts.

    Args:
        forecasts: Frames in the `forecasts` shape (without `run_id`), same keys.
        weights: One non-negative weight per forecast; they are normalised.
        alias: Value written to the `model` column.
    """
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    keys = ["unique_id", "ds"]
    base = forecasts[0].sort_values(keys, kind="stable").reset_index(drop=True)
    values = [c for c in base.columns if c not in ("unique_id", "ds", "model")]
    total = np.zeros((len(base), len(values)))
    for weight, frame in zip(w, forecasts, strict=True):
        aligned = base[keys].merge(frame, on=keys, how="left", validate="1:1")
        total += weight * aligned[values].to_numpy(dtype=float)
    out = base[keys].copy()
    out["model"] = alias
    out[values] = total
    return out


class Ensemble(BaseForecaster):
    """The weighted mean of several registered models' forecasts.

    Each member is fitted on the whole frame with the shared settings it
    accepts (`country`, `random_state`, `freq`, `season_length`); the point
    forecasts and every interval bound are averaged with `weights` (equal when
    None), see `combine_forecasts`. A member that fails outright is left out
    with a WARNING; a series a member cannot fit uses that member's fallback.

    Args:
        members: Aliases of registered models.
        weights: One weight per member; None means equal weights.
        country: Holiday country for members that take one.
        random_state: Seed for members that take one.
        season_length: Periods per season; None means the frequency's default.
        freq: Frequency (`H`, `D`, `W`, `M`); None infers it from `ds`.
        alias: Value written to the `model` column.
    """

    def __init__(
        self,
        members: tuple[str, ...] = ("auto_ets", "arima_fourier", "prophet"),
        weights: tuple[float, ...] | None = None,
        country: str | None = "GB",
        random_state: int | None = 0,
        season_length: int | None = None,
        freq: str | None = None,
        alias: str = "ensemble",
    ):
        self._store_hyperparameters(locals())

    def _fit(self, series: pd.DataFrame) -> None:
        """Fit every member on the whole frame; keep those that fit."""
        weights = self.weights or (1.0,) * len(self.members)
        if len(weights) != len(self.members):
            raise ValueError(
                f"{len(weights)} weight(s) for {len(self.members)} member(s)."
            )
        shared = {
            "country": self.country,
            "random_state": self.random_state,
            "freq": self.freq_,
            "season_length": self.season_length_,
        }
        self.fitted_members_ = []
        self.member_weights_ = []
        for alias, weight in zip(self.members, weights, strict=True):
            try:
                model = model_for(alias, **shared).fit(series)
            except Exception as exc:  # a failed member is dropped, not fatal
                logger.warning("Ensemble member %s failed to fit: %s", alias, exc)
                continue
            self.fitted_members_.append(model)
            self.member_weights_.append(float(weight))
        if not self.fitted_members_:
            raise ValueError(f"No member of the ensemble {self.members} could fit.")

    def _predict(self, h: int, level: tuple[float, ...]) -> pd.DataFrame:
        """Average the members' forecasts."""
        forecasts = [model.predict(h, level) for model in self.fitted_members_]
        return combine_forecasts(forecasts, self.member_weights_, self.alias)
