"""`demand backtest`: every model scored by the benchmark protocol on a demand file."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from demand.forecast.backtest import (
    BacktestPlan,
    protocol_cutoffs,
    run_protocol,
    score_backtests,
    training_window,
)
from demand.forecast.base import validate_demand
from demand.forecast.registry import MODELS, model_for

__all__ = ["backtest_file"]

logger = logging.getLogger(__name__)


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

    value_columns = [c for c in backtests.columns if c not in ("y", "cutoff")]
    frames = []
    for cutoff, window in backtests.groupby("cutoff", sort=True):
        train = training_window(series, cutoff, plan.train_window, plan.freq)
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
    progress: Callable[[str, int, int], None] | None = None,
) -> pd.DataFrame:
    """Run the benchmark protocol on a demand file for each model and score it.

    Args:
        path: A CSV or Parquet file of `unique_id, ds, y` (a `demand` frame).
        freq: `D`, `M` or `h` (`H` too): the protocol's cutoffs, horizon, window.
        models: Aliases of registered models; None means every registered model.
        country: Holiday country of the data (ISO 3166, optionally with a
            subdivision, e.g. "US", "GB-SCT"; "GB" is England and Wales), for
            the models that use bank holidays; None for none.
        hierarchy: "detect" reconciles each cutoff's forecasts when one series
            is the sum of all the others (`find_total`), saying which; a
            unique_id names that total (an error if it is not the sum); None or
            "none" scores the forecasts unreconciled.
        progress: Called as `progress(alias, done, total)` before each model
            is backtested (done = models finished), for a progress line.

    Returns:
        Scores, one row per (unique_id, model) (see `score_backtests`). Where a
        series fell back at some cutoff, its row still carries the requested
        model's alias, and a WARNING says how many forecasts came from the fallback.

    Raises:
        FileNotFoundError: `path` does not exist.
        ValueError: the file is not a valid `demand` frame, `freq` is not D, M
            or h, a model alias or the country is unknown, or the named total
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
    for done, (alias, forecaster) in enumerate(zip(aliases, forecasters, strict=True)):
        if progress is not None:
            progress(alias, done, len(aliases))
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
