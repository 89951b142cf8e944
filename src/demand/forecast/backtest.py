"""Rolling-origin backtests of any forecaster, the benchmark protocol, and scores."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone

from demand.forecast.base import (
    SEASON_LENGTHS,
    BaseForecaster,
    interval_columns,
    normalise_freq,
    period_offset,
    validate_demand,
)
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
from demand.forecast.registry import MODELS, model_for
from demand.forecast.reuse import fit_once

__all__ = [
    "PROTOCOL",
    "SCORE_COLUMNS",
    "BacktestPlan",
    "backtest_file",
    "cross_validate",
    "make_cutoffs",
    "protocol_cutoffs",
    "run_protocol",
    "score_backtests",
]

logger = logging.getLogger(__name__)

PROTOCOL: dict[str, dict[str, int | None]] = {
    "D": {"h": 28, "n_windows": 12, "step": 28, "train_window": 1461},
    "M": {"h": 12, "n_windows": 12, "step": 1, "train_window": None},
    "H": {"h": 168, "n_windows": 8, "step": 168, "train_window": None},
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
        freq: Frequency family (`H`, `D`, `W`, `M`).
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
    offset = period_offset(freq)
    return [
        last - offset * (h + step * (n_windows - k)) for k in range(1, n_windows + 1)
    ]


def protocol_cutoffs(series: pd.DataFrame, freq: str) -> BacktestPlan:
    """Return the benchmark protocol's plan for `series` (`bench/protocol.md`).

    Daily: 12 cutoffs `L - 28·(13 - k)` days, h 28, the last 1,461 days of
    training. Monthly: 12 cutoffs `L - (24 - k)` months, h 12, all history.
    Hourly: 8 cutoffs `L - 168·(9 - k)` hours, h 168, all history. `L` is the
    last `ds` of the whole frame.

    Args:
        series: A frame satisfying `demand`.
        freq: `D`, `M` or `H` (pandas aliases accepted).

    Raises:
        ValueError: the protocol has no plan for `freq`, or `series` is invalid.
    """
    family = normalise_freq(freq)
    if family not in PROTOCOL:
        raise ValueError(f"The protocol covers D, M and H series, not {freq!r}.")
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
        `lo_<level>, hi_<level>`; one row per stream, cutoff and forecast period
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
    offset = period_offset(family)
    params = {"freq": family} if "freq" in forecaster.get_params() else {}
    frames = []
    for k, cutoff in enumerate(cutoffs, start=1):
        start = (
            cutoff - offset * train_window
            if train_window
            else data["ds"].min() - offset
        )
        train = data[(data["ds"] > start) & (data["ds"] <= cutoff)]
        model = clone(forecaster).set_params(**params)
        forecast = fit_once(model, train).predict(h, level)
        end = cutoff + offset * h
        actual = data.loc[
            (data["ds"] > cutoff) & (data["ds"] <= end), ["unique_id", "ds", "y"]
        ]
        window = forecast.merge(actual, on=["unique_id", "ds"], how="inner")
        window.insert(1, "cutoff", cutoff)
        frames.append(window)
        logger.debug("Cutoff %d/%d (%s) done.", k, len(cutoffs), cutoff)
    columns = [
        "unique_id",
        "cutoff",
        "ds",
        "y",
        "model",
        "mean",
        *interval_columns(level),
    ]
    return pd.concat(frames, ignore_index=True)[columns]


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
    streams = {
        uid: (g["ds"].to_numpy(), g["y"].to_numpy(dtype=float))
        for uid, g in series.groupby("unique_id", sort=False, observed=True)
    }
    scales = []
    for uid, cutoff in keys[["unique_id", "cutoff"]].itertuples(index=False):
        ds, y = streams[uid]
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
        the backtests lack that level), `sql` (scaled quantile loss over the
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


def _read_demand(path: Path) -> pd.DataFrame:
    """Read a long-format `unique_id, ds, y` CSV or Parquet file."""
    if not path.is_file():
        raise FileNotFoundError(
            f"No such file: {path}; give a CSV or Parquet demand file."
        )
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype={"unique_id": str})
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    raise ValueError(
        f"Cannot read {path}: use a .csv or .parquet file of unique_id, ds, y."
    )


def _reconciled(
    backtests: pd.DataFrame,
    series: pd.DataFrame,
    total: str,
    plan: BacktestPlan,
) -> pd.DataFrame:
    """Reconcile each cutoff's backtest forecasts so the parts sum to `total`.

    As the forecast stage does (`wls_struct`, intervals correlated as the
    seasonal differences are), using at each cutoff only its training window.
    """
    from demand.forecast.reconcile import reconcile_total, seasonal_residuals

    offset = period_offset(plan.freq)
    value_columns = [c for c in backtests.columns if c not in ("y", "cutoff")]
    frames = []
    for cutoff, window in backtests.groupby("cutoff", sort=True):
        train = series[series["ds"] <= cutoff]
        if plan.train_window:
            train = train[train["ds"] > cutoff - offset * plan.train_window]
        residuals = seasonal_residuals(train, plan.freq)
        coherent = reconcile_total(
            window[value_columns], total, "wls_struct", residuals
        )
        actual = window[["unique_id", "ds", "y"]]
        frames.append(
            coherent.merge(actual, on=["unique_id", "ds"]).assign(cutoff=cutoff)
        )
    return pd.concat(frames, ignore_index=True)[backtests.columns]


def _hierarchy_total(series: pd.DataFrame, hierarchy: str | None) -> str | None:
    """Return the total to reconcile to: `hierarchy` "detect" finds it
    (`find_total`), None or "none" means no reconciliation, any other value
    names the total's id, which must be the sum of the others."""
    from demand.forecast.reconcile import find_total

    if hierarchy is None or hierarchy == "none":
        return None
    found = find_total(series)
    if hierarchy == "detect":
        if found is None:
            logger.warning(
                "No hierarchy found: no series is the sum of the others; "
                "forecasts are scored unreconciled."
            )
        else:
            logger.warning(
                "Series %r is the sum of the others: backtests are reconciled to "
                "it (wls_struct), as the forecast stage would.",
                found,
            )
        return found
    if hierarchy not in set(series["unique_id"]):
        raise ValueError(
            f"--hierarchy names {hierarchy!r}, which is not a unique_id in the "
            "file; give the total's id, detect or none."
        )
    if found != hierarchy:
        raise ValueError(
            f"Series {hierarchy!r} is not the sum of the other series at every "
            "period; give a file of a total and all its parts, or --hierarchy none."
        )
    return hierarchy


def backtest_file(
    path: str | Path,
    freq: str,
    models: Sequence[str] | None = None,
    *,
    country: str | None = "GB",
    hierarchy: str | None = "detect",
) -> pd.DataFrame:
    """Run the benchmark protocol on a demand file for each model and score it.

    Args:
        path: A CSV or Parquet file of `unique_id, ds, y` (a `demand` frame).
        freq: `D`, `M` or `H`: picks the protocol's cutoffs, horizon and window.
        models: Aliases of registered models; None means every registered model.
        country: Holiday country of the data (ISO 3166, optionally with a
            subdivision, e.g. "US", "GB-SCT"; "GB" is England and Wales), for
            the models that use bank holidays; None for none.
        hierarchy: "detect" reconciles each cutoff's forecasts when one series
            is the sum of all the others (`find_total`), saying which; a
            unique_id names that total (an error if it is not the sum); None or
            "none" scores the forecasts unreconciled.

    Returns:
        Scores, one row per (unique_id, model) (see `score_backtests`). Where a
        stream fell back at some cutoff, its row still carries the requested
        model's alias, and a WARNING says how many forecasts came from the fallback.

    Raises:
        FileNotFoundError: `path` does not exist.
        ValueError: the file is not a valid `demand` frame, `freq` is not D, M
            or H, a model alias or the country is unknown, or the named total
            is not the sum of the other series.
    """
    from demand.forecast.calendar import holiday_names

    series = _read_demand(Path(path))
    plan = protocol_cutoffs(series, freq)
    if country:
        holiday_names(country, range(2020, 2021))  # fail fast on a bad country
    aliases = list(models) if models is not None else list(MODELS)
    # fail fast on a bad alias; the country reaches every model that takes one
    forecasters = [model_for(alias, country=country) for alias in aliases]
    data, _ = validate_demand(series, plan.freq)
    total = _hierarchy_total(data, hierarchy)
    scores = []
    for alias, forecaster in zip(aliases, forecasters, strict=True):
        started = time.perf_counter()
        backtests = run_protocol(forecaster, series, plan.freq)
        n_fallback = int((backtests["model"] != alias).sum())
        if n_fallback:
            logger.warning(
                "%s: %d of %d backtest forecasts came from a fallback model; they are "
                "scored as %s.",
                alias,
                n_fallback,
                len(backtests),
                alias,
            )
        backtests = backtests.assign(model=alias)
        if total is not None:
            backtests = _reconciled(backtests, data, total, plan)
        scores.append(
            score_backtests(
                backtests,
                series,
                plan.season_length,
                plan.train_window,
                plan.freq,
            )
        )
        logger.info("%s backtested in %.1f s.", alias, time.perf_counter() - started)
    return pd.concat(scores, ignore_index=True)
