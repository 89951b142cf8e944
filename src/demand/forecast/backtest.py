"""Rolling-origin backtests: the one loop, the benchmark protocol, and scores."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from demand.forecast.base import BaseForecaster, interval_columns, validate_demand
from demand.forecast.metrics import (
    QUANTILE_LEVELS,
    bias,
    coverage,
    mase,
    msis,
    rmse,
    scaled_quantile_loss,
    seasonal_naive_mae,
    smape,
)
from demand.forecast.reuse import fit_once
from demand.periods import SEASON_LENGTHS, normalise_freq, period_step

__all__ = [
    "PROTOCOL",
    "SCORE_COLUMNS",
    "BacktestPlan",
    "cross_validate",
    "make_cutoffs",
    "protocol_cutoffs",
    "rolling_origin",
    "run_protocol",
    "score_backtests",
    "training_window",
]

logger = logging.getLogger(__name__)

PROTOCOL: dict[str, dict[str, int | None]] = {
    "D": {"h": 28, "n_windows": 12, "step": 28, "train_window": 1461},
    "M": {"h": 12, "n_windows": 12, "step": 1, "train_window": None},
    "h": {"h": 168, "n_windows": 8, "step": 168, "train_window": None},
}
"""The benchmark protocol (`bench/protocol.md`) per frequency family: horizon h,
number of cutoffs, periods between cutoffs, and training window in periods
(None: everything up to the cutoff)."""

SCORE_COLUMNS = [
    "unique_id",
    "model",
    "mase",
    "smape",
    "rmse",
    "bias",
    "cov80",
    "cov95",
    "sql",
    "msis",
]
"""Columns of a score row. The first eight are read by outside checks and stay as
they are; probabilistic scores are appended."""


@dataclass(frozen=True)
class BacktestPlan:
    """Cutoffs, horizon and training window of one rolling-origin backtest.

    Attributes:
        freq: Frequency code (`h`, `D`, `W`, `M`).
        h: Horizon, periods forecast after each cutoff.
        n_windows: Number of cutoffs.
        step: Periods between consecutive cutoffs.
        train_window: Periods of history up to each cutoff a model may see
            (None: all of it).
        season_length: m, periods, for MASE's scale.
        cutoffs: Last period start a model sees, oldest first.
    """

    freq: str
    h: int
    n_windows: int
    step: int
    train_window: int | None
    season_length: int
    cutoffs: tuple[pd.Timestamp, ...]


def make_cutoffs(
    last: pd.Timestamp, h: int, n_windows: int, step: int, freq: str
) -> list[pd.Timestamp]:
    """Return cutoffs `c_k = last - (h + step·(n_windows - k))` periods, k = 1..n.

    The last cutoff leaves exactly `h` periods up to `last`.
    """
    if h < 1 or n_windows < 1 or step < 1:
        raise ValueError("h, n_windows and step must each be at least 1 period.")
    return [
        period_step(last, -(h + step * (n_windows - k)), freq)
        for k in range(1, n_windows + 1)
    ]


def training_window(
    data: pd.DataFrame, cutoff: pd.Timestamp, train_window: int | None, freq: str
) -> pd.DataFrame:
    """Return the rows a model may see at `cutoff`: `ds ≤ cutoff`, and with
    `train_window` only the last `train_window` periods of them (rows keep their
    index and order)."""
    train = data[data["ds"] <= cutoff]
    if train_window:
        train = train[train["ds"] > period_step(cutoff, -train_window, freq)]
    return train


def rolling_origin(
    data: pd.DataFrame,
    cutoffs: Sequence[pd.Timestamp],
    h: int,
    freq: str,
    forecast_at: Callable[[pd.DataFrame], pd.DataFrame],
    train_window: int | None = None,
    level: Iterable[float] = (80, 95),
    *,
    min_train: int = 0,
) -> pd.DataFrame:
    """Forecast from each cutoff with only its training window; keep the actuals.

    The one rolling-origin loop: `cross_validate` (any forecaster) and the
    forecast stage's `backtest_series` (a series exactly as it is forecast) both
    run it. Nothing after a cutoff reaches `forecast_at`.

    Args:
        data: A frame satisfying `demand`, sorted by (unique_id, ds).
        cutoffs: Last period start each forecast sees, oldest first.
        h: Horizon, periods forecast after each cutoff.
        freq: Frequency code of `data`.
        forecast_at: Called with a cutoff's training rows (`training_window`);
            returns `h` periods per series in the `forecasts` shape.
        train_window: Periods of history per cutoff; None means all.
        level: Interval coverages in percent, as `forecast_at` returns them.
        min_train: A cutoff with fewer training rows is skipped.

    Returns:
        The `backtests` shape: `unique_id, cutoff, ds, y, model, mean`, then
        `lo_<level>, hi_<level>`; one row per series, cutoff and forecast period
        that has an actual (no rows when every cutoff was skipped).
    """
    columns = ["unique_id", "cutoff", "ds", "y", "model", "mean"]
    columns += interval_columns(level)
    frames = []
    for k, cutoff in enumerate(cutoffs, start=1):
        train = training_window(data, cutoff, train_window, freq)
        if len(train) < min_train:
            continue
        forecast = forecast_at(train)
        end = period_step(cutoff, h, freq)
        actual = data.loc[
            (data["ds"] > cutoff) & (data["ds"] <= end), ["unique_id", "ds", "y"]
        ]
        window = forecast.merge(actual, on=["unique_id", "ds"], how="inner")
        window.insert(1, "cutoff", cutoff)
        frames.append(window)
        logger.debug("Cutoff %d/%d (%s) done.", k, len(cutoffs), cutoff)
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def protocol_cutoffs(series: pd.DataFrame, freq: str) -> BacktestPlan:
    """Return the benchmark protocol's plan for `series` (`bench/protocol.md`).

    Daily: 12 cutoffs `L - 28·(13 - k)` days, h 28, the last 1,461 days of
    training. Monthly: 12 cutoffs `L - (24 - k)` months, h 12, all history.
    Hourly: 8 cutoffs `L - 168·(9 - k)` hours, h 168, all history. `L` is the
    last `ds` of the whole frame.

    Args:
        series: A frame satisfying `demand`.
        freq: `D`, `M` or `h` (`H` and pandas aliases accepted).

    Raises:
        ValueError: the protocol has no plan for `freq`, or `series` is invalid.
    """
    family = normalise_freq(freq)
    if family not in PROTOCOL:
        raise ValueError(f"The protocol covers D, M and h series, not {freq!r}.")
    spec = PROTOCOL[family]
    data, family = validate_demand(series, family)
    h, n_windows, step = (int(spec[k] or 0) for k in ("h", "n_windows", "step"))
    cutoffs = make_cutoffs(data["ds"].max(), h, n_windows, step, family)
    return BacktestPlan(
        family,
        h,
        n_windows,
        step,
        spec["train_window"],
        SEASON_LENGTHS[family],
        tuple(cutoffs),
    )


def cross_validate(
    forecaster: BaseForecaster,
    series: pd.DataFrame,
    h: int,
    n_windows: int,
    step: int,
    train_window: int | None = None,
    *,
    level: Iterable[float] = (80, 95),
) -> pd.DataFrame:
    """Backtest `forecaster` from rolling origins, refitting a clone at each cutoff.

    Cutoffs are `make_cutoffs(L, h, n_windows, step)` with `L` the last `ds` of
    the frame. At each cutoff a fresh clone sees only rows with `ds ≤ cutoff`
    (and, with `train_window`, only the last `train_window` periods of them),
    then forecasts `h` periods; nothing after the cutoff reaches the model.

    Args:
        forecaster: Any forecaster; it is cloned, never fitted itself.
        series: A frame satisfying `demand`.
        h: Horizon, periods.
        n_windows: Number of cutoffs.
        step: Periods between cutoffs.
        train_window: Periods of history per cutoff; None means all.
        level: Interval coverages in percent.

    Returns:
        The `backtests` shape: `unique_id, cutoff, ds, y, model, mean`, then
        `lo_<level>, hi_<level>`; one row per series, cutoff and forecast period
        that has an actual.

    Raises:
        ValueError: `series` is invalid, or the first cutoff leaves no history.
    """
    data, family = validate_demand(series, getattr(forecaster, "freq", None))
    level = tuple(level)
    cutoffs = make_cutoffs(data["ds"].max(), h, n_windows, step, family)
    if cutoffs[0] < data["ds"].min():
        raise ValueError(
            f"The first cutoff {cutoffs[0]} is before the first period "
            f"{data['ds'].min()}; use fewer windows, a smaller step or a longer series."
        )
    params = {"freq": family} if "freq" in forecaster.get_params() else {}

    def forecast_at(train: pd.DataFrame) -> pd.DataFrame:
        model = clone(forecaster).set_params(**params)
        return fit_once(model, train).predict(h, level)

    return rolling_origin(data, cutoffs, h, family, forecast_at, train_window, level)


def run_protocol(
    forecaster: BaseForecaster,
    series: pd.DataFrame,
    freq: str,
    level: Iterable[float] = (80, 95),
) -> pd.DataFrame:
    """Backtest `forecaster` on `series` exactly per the benchmark protocol.

    Returns:
        The `backtests` shape (see `cross_validate`).
    """
    plan = protocol_cutoffs(series, freq)
    if "freq" in forecaster.get_params():
        forecaster = clone(forecaster).set_params(
            freq=plan.freq
        )  # never mutate the argument
    return cross_validate(
        forecaster,
        series,
        plan.h,
        plan.n_windows,
        plan.step,
        plan.train_window,
        level=level,
    )


def _cutoff_scales(
    series: pd.DataFrame,
    keys: pd.DataFrame,
    season_length: int,
    train_window: int | None,
) -> pd.Series:
    """Return MASE's scale for each (unique_id, cutoff) row of `keys`.

    The scale is the seasonal-naive MAE of the training window the model saw at
    that cutoff: rows with `ds ≤ cutoff`, the last `train_window` of them.
    """
    series_by_uid = {
        uid: (g["ds"].to_numpy(), g["y"].to_numpy(dtype=float))
        for uid, g in series.groupby("unique_id", sort=False, observed=True)
    }
    scales = []
    for uid, cutoff in keys[["unique_id", "cutoff"]].itertuples(index=False):
        ds, y = series_by_uid[uid]
        end = int(np.searchsorted(ds, np.datetime64(cutoff, "ns"), side="right"))
        start = max(0, end - train_window) if train_window else 0
        scales.append(seasonal_naive_mae(y[start:end], season_length))
    return pd.Series(scales, index=keys.index, dtype=float)


def _probabilistic_scores(scored: pd.DataFrame) -> dict[str, float]:
    """Return `sql` and `msis` of one (unique_id, model)'s scored backtests.

    NaN where the backtests lack the 80 % or 95 % interval.
    """
    if not set(QUANTILE_LEVELS.values()) <= set(scored.columns):
        return {"sql": float("nan"), "msis": float("nan")}
    quantiles = {q: scored[col] for q, col in QUANTILE_LEVELS.items()}
    return {
        "sql": scaled_quantile_loss(scored["y"], quantiles, scored["scale"]),
        "msis": msis(scored["y"], scored["lo_95"], scored["hi_95"], scored["scale"]),
    }


def score_backtests(
    backtests: pd.DataFrame,
    series: pd.DataFrame,
    season_length: int | None = None,
    train_window: int | None = None,
    freq: str | None = None,
) -> pd.DataFrame:
    """Score backtests per (unique_id, model) with the protocol's metrics.

    Args:
        backtests: The `backtests` shape (e.g. from `cross_validate`).
        series: The `demand` frame that was backtested (for MASE's scales).
        season_length: m for MASE; None means the default for the frequency.
        train_window: The training window used, in periods (None: all history);
            MASE's scale for cutoff k comes from that same window.
        freq: Frequency of `series`; None infers it.

    Returns:
        One row per (unique_id, model): `unique_id, model, mase, smape` (%),
        `rmse` (units of y), `bias` (%), `cov80, cov95` (shares 0-1; NaN when
        the backtests lack that coverage), `sql` (scaled quantile loss over the
        quantiles 0.025, 0.1, 0.5, 0.9, 0.975: the 95 % and 80 % bounds and the
        point) and `msis` (M4's mean scaled interval score at 95 %); both are
        scaled like MASE and NaN without the 80 % and 95 % intervals.
    """
    data, family = validate_demand(series, freq)
    m = int(season_length) if season_length else SEASON_LENGTHS[family]
    keys = backtests[["unique_id", "cutoff"]].drop_duplicates()
    keys = keys.assign(scale=_cutoff_scales(data, keys, m, train_window))
    scored = backtests.merge(keys, on=["unique_id", "cutoff"], how="left")
    rows = []
    for (uid, model), g in scored.groupby(
        ["unique_id", "model"], sort=True, observed=True
    ):
        y, f = g["y"], g["mean"]
        row = {"unique_id": uid, "model": model, "mase": mase(y, f, g["scale"])}
        row |= {"smape": smape(y, f), "rmse": rmse(y, f), "bias": bias(y, f)}
        for lv in (80, 95):
            has_level = f"lo_{lv}" in g and f"hi_{lv}" in g
            row[f"cov{lv}"] = (
                coverage(y, g[f"lo_{lv}"], g[f"hi_{lv}"]) if has_level else float("nan")
            )
        row |= _probabilistic_scores(g)
        rows.append(row)
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)
