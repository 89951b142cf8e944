"""Fit, forecast and backtest one series: pure functions of (series, settings)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from demand.config import EventConfig
from demand.forecast.backtest import make_cutoffs, rolling_origin
from demand.forecast.base import BaseForecaster, normalise_freq
from demand.forecast.events import adjust_history
from demand.forecast.fallback import fit_fallback
from demand.forecast.registry import model_for
from demand.forecast.reuse import reusing_fits

__all__ = [
    "BASE_PERIODS",
    "BacktestTask",
    "SeriesResult",
    "SeriesTask",
    "backtest_series",
    "bound_growth",
    "fit_series",
    "forecast_and_backtest",
]

logger = logging.getLogger(__name__)

BASE_PERIODS: dict[str, int] = {"h": 4 * 168, "D": 364, "W": 52, "M": 12}
"""Recent history (periods) whose mean is the base the growth check compares with:
four weeks of hours, 52 weeks of days or weeks, a year of months."""

_BLOCK = {"h": 168, "D": 7, "W": 1, "M": 1}
"""Forecast periods compared with the base as one block (a whole weekly cycle),
so the peaks of a cycle are not mistaken for growth."""


@dataclass(frozen=True)
class SeriesTask:
    """Everything needed to forecast one series, and nothing shared.

    Attributes:
        key: (stream, freq, measure, term, unique_id) of the series; the term
            (operational or strategic) is what `forecasts.horizon` stores.
        alias: Configured model alias (a key of `MODELS`).
        fallback: Alias used when the model cannot fit the series at all.
        series: The series' history, `unique_id, ds, y`, sorted by `ds`.
        h: Horizon, periods.
        coverages: Interval coverages, percent (`[forecast] levels`).
        events: Events affecting this series.
        max_growth_per_year: Growth cap, fraction per year.
        fitted: A model fitted on this series earlier (reuse: no refit).
    """

    key: tuple[str, str, str, str, str]
    alias: str
    fallback: str
    series: pd.DataFrame
    h: int
    coverages: tuple[int, ...]
    events: tuple[EventConfig, ...] = ()
    max_growth_per_year: float = 0.25
    fitted: BaseForecaster | None = None


@dataclass
class SeriesResult:
    """One series' forecast and how it was made.

    Attributes:
        key: As in the task.
        alias: Configured model alias.
        forecast: `unique_id, ds, model, mean, lo_*, hi_*` (h rows).
        model: The fitted forecaster (saved as an artefact; None once the
            stage has handed it to its writer).
        chosen: The model that made the forecast (auto's pick, or a fallback).
        reason: Why it was chosen, in a sentence.
        flags: Event notes and safety flags ("; "-separated).
        failed: The configured model could not fit and the fallback was used.
    """

    key: tuple[str, str, str, str, str]
    alias: str
    forecast: pd.DataFrame
    model: BaseForecaster | None
    chosen: str
    reason: str
    flags: list[str] = field(default_factory=list)
    failed: bool = False


def _chosen(model: BaseForecaster, uid: str, alias: str) -> tuple[str, str]:
    """Return (chosen model, reason) from a fitted model's own record."""
    choices = getattr(model, "choices_", None)
    if choices is not None:
        if isinstance(choices, pd.DataFrame) and "unique_id" in choices:
            rows = choices[choices["unique_id"] == uid]
            if len(rows):
                row = rows.iloc[0]
                choice = row.get("model", row.get("chosen", alias))
                return str(choice), str(row.get("reason", "selected by validation"))
        elif isinstance(choices, dict) and uid in choices:
            choice = choices[uid]
            if isinstance(choice, dict):
                chosen = choice.get("model", choice.get("chosen", alias))
                return str(chosen), str(choice.get("reason", "selected by validation"))
            return str(choice), "selected by inner validation"
    fallbacks = getattr(model, "fallbacks_", {}) or {}
    if uid in fallbacks:
        chosen = getattr(fallbacks[uid], "alias", type(fallbacks[uid]).__name__)
        return str(chosen), f"{alias} could not fit this series; fallback {chosen}"
    return alias, "configured model"


def bound_growth(
    forecast: pd.DataFrame,
    history: pd.DataFrame,
    freq: str,
    max_growth_per_year: float,
) -> tuple[pd.DataFrame, str | None]:
    """Cap a forecast whose growth over recent history is not believable.

    The base is the mean of the last `BASE_PERIODS` of history; forecast periods
    are taken in whole weekly cycles (hourly, daily) or one by one (weekly,
    monthly). A block whose mean exceeds the base by more than
    `(1 + max_growth_per_year) ** max(years, 1)`, years counted from the middle
    of the base to the block's end, is scaled down to that bound (mean and
    intervals). Falls are never capped: a level shift can be real, and counts
    are already truncated at 0.

    Returns:
        The forecast (unchanged when within bounds, never modified in place) and
        a flag describing the cap, or None.
    """
    family = normalise_freq(freq)
    y = history["y"].to_numpy(dtype=float)
    base = float(y[-BASE_PERIODS[family] :].mean()) if y.size else 0.0
    if base <= 0 or forecast.empty:
        return forecast, None
    mean = forecast["mean"].to_numpy(dtype=float)
    block = _BLOCK[family]
    n_base = min(y.size, BASE_PERIODS[family])
    base_middle = (
        history["ds"].iloc[-n_base // 2 - 1] if n_base > 1 else history["ds"].iloc[-1]
    )
    ends = forecast["ds"].reset_index(drop=True)
    scale = np.ones(mean.size)
    worst = 0.0
    for start in range(0, mean.size, block):
        stop = min(start + block, mean.size)
        years = (ends.iat[stop - 1] - base_middle) / pd.Timedelta(days=365.25)
        # At least a year's growth is allowed at any horizon: a short horizon
        # differs from the base by season and noise, not by a believable trend.
        years = max(years, 1.0)
        allowed = (1.0 + max_growth_per_year) ** years
        ratio = mean[start:stop].mean() / base
        if ratio > allowed:
            scale[start:stop] = allowed / ratio
            worst = max(worst, ratio ** (1 / years) - 1)
    if (scale == 1.0).all():
        return forecast, None
    out = forecast.copy()
    columns = ["mean", *[c for c in out.columns if c.startswith(("lo_", "hi_"))]]
    out[columns] = out[columns].mul(scale, axis=0)
    flag = (
        f"growth capped: forecast grew {100 * worst:.0f} %/yr over recent history, "
        f"above the {100 * max_growth_per_year:.0f} %/yr bound"
    )
    return out, flag


def fit_series(task: SeriesTask) -> SeriesResult:
    """Fit (or reuse) one series' model and forecast it, safely.

    Events adjust the history first (`adjust_history`); a model that raises is
    replaced by the task's fallback; the forecast is never negative (the
    forecaster interface truncates at 0) and its growth is bounded
    (`bound_growth`).

    Returns:
        The forecast and its provenance; `failed` says the fallback was used.
    """
    stream, freq, _measure, _term, uid = task.key
    adjusted = adjust_history(task.series, task.events, freq)
    flags = list(adjusted.notes)
    failed = False
    if task.fitted is not None:
        model = task.fitted
        forecast = model.predict(task.h, task.coverages)
        chosen, reason = _chosen(model, uid, task.alias)
        reason = f"{reason} (saved model reused)"
    else:
        family = normalise_freq(freq)
        try:
            model = model_for(task.alias, freq=family).fit(adjusted.frame)
            forecast = model.predict(task.h, task.coverages)
            chosen, reason = _chosen(model, uid, task.alias)
        except Exception as exc:  # noqa: BLE001 - any failure goes to the fallback
            failed = True
            model = fit_fallback(
                task.fallback, task.alias, adjusted.frame, exc, freq=family
            )
            forecast = model.predict(task.h, task.coverages)
            chosen = task.fallback
            reason = f"{task.alias} failed ({type(exc).__name__}: {exc}); fallback"
    forecast, flag = bound_growth(
        forecast, adjusted.frame, freq, task.max_growth_per_year
    )
    if flag:
        flags.append(flag)
    return SeriesResult(
        task.key, task.alias, forecast, model, chosen, reason, flags, failed
    )


@dataclass(frozen=True)
class BacktestTask:
    """One series' rolling-origin backtest.

    Attributes:
        key: (stream, freq, measure, term, unique_id) of the series; the term
            (operational or strategic) is what `forecasts.horizon` stores.
        alias: Model alias.
        fallback: Alias used where the model cannot fit a training window.
        series: The whole history, `unique_id, ds, y`, sorted by `ds`.
        h: Horizon per cutoff, periods.
        n_windows: Number of cutoffs.
        step: Periods between cutoffs.
        train_window: Periods of history per cutoff (None: all).
        coverages: Interval coverages, percent (`[forecast] levels`).
        events: Events affecting this series.
        max_growth_per_year: Growth cap, fraction per year.
        last: Last period of the whole frame (cutoffs count back from it).
    """

    key: tuple[str, str, str, str, str]
    alias: str
    fallback: str
    series: pd.DataFrame
    h: int
    n_windows: int
    step: int
    train_window: int | None
    coverages: tuple[int, ...]
    events: tuple[EventConfig, ...]
    max_growth_per_year: float
    last: pd.Timestamp


def backtest_series(task: BacktestTask) -> pd.DataFrame:
    """Backtest one series exactly as it is forecast, from rolling origins.

    At each cutoff (`make_cutoffs`) the model sees only the rows up to it (the
    last `train_window` of them), with events applied to that window alone, and
    goes through `fit_series` (fallback, growth bound) like a live forecast.

    Returns:
        The `backtests` shape: `unique_id, cutoff, ds, y, model, mean, lo_*,
        hi_*`; cutoffs that leave no history are skipped.
    """
    with reusing_fits():  # later windows revalidate earlier windows' cutoffs
        return _backtest_windows(task)


def _backtest_windows(task: BacktestTask) -> pd.DataFrame:
    _stream, freq, *_ = task.key
    cutoffs = make_cutoffs(task.last, task.h, task.n_windows, task.step, freq)

    def forecast_at(train: pd.DataFrame) -> pd.DataFrame:
        settings = (task.h, task.coverages, task.events, task.max_growth_per_year)
        rows = train.reset_index(drop=True)
        return fit_series(
            SeriesTask(task.key, task.alias, task.fallback, rows, *settings)
        ).forecast

    return rolling_origin(
        task.series,
        cutoffs,
        task.h,
        freq,
        forecast_at,
        task.train_window,
        task.coverages,
        min_train=2,
    )


def forecast_and_backtest(
    tasks: tuple[SeriesTask, BacktestTask],
) -> tuple[SeriesResult, pd.DataFrame]:
    """Forecast one series and backtest it in one unit of work.

    Done together so that fits the two share are made once (`reusing_fits`):
    with `auto`, the backtest's windows validate candidates at the cutoffs the
    forecast's own selection validated. The results equal `fit_series` and
    `backtest_series` run apart.
    """
    forecast_task, backtest_task = tasks
    with reusing_fits():
        return fit_series(forecast_task), backtest_series(backtest_task)
