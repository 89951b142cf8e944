"""The forecast stage's backtests: a task per series and model, gathered and scored."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from demand.config import ForecastConfig
from demand.forecast.backtest import PROTOCOL, score_backtests
from demand.forecast.events import events_for
from demand.forecast.fitting import BacktestTask
from demand.forecast.stage_io import ForecastGroup
from demand.periods import normalise_freq

__all__ = ["backtest_tables", "backtest_tasks"]


def backtest_tasks(
    groups: list[ForecastGroup], aliases: tuple[str, ...], section: ForecastConfig
) -> tuple[list[BacktestTask], dict[tuple, tuple]]:
    """Return the rolling-origin backtest tasks of every group and model, in the
    order the stage's forecast tasks have, and each group's (training window,
    history) for scoring.

    Each group gets the benchmark protocol's horizon and step for its frequency
    (`PROTOCOL`) and `backtest_windows` cutoffs (0: the protocol's number); hourly
    series train on their last `hourly_history_weeks`, as they are forecast.
    """
    tasks, plans = [], {}
    for g in groups:
        family = normalise_freq(g.freq)
        spec = PROTOCOL[family]
        h, step = int(spec["h"] or 1), int(spec["step"] or 1)
        windows = section.backtest_windows or int(spec["n_windows"] or 1)
        train_window = spec["train_window"]
        if family == "h" and section.hourly_history_weeks:
            train_window = section.hourly_history_weeks * 168  # hours a week
        plans[(g.stream, g.freq, g.measure)] = (train_window, g.frame)
        events = events_for(section.events, g.stream)
        for alias in aliases:
            for uid, series in g.frame.groupby("unique_id", sort=True):
                tasks.append(
                    BacktestTask(
                        (g.stream, g.freq, g.measure, g.term, str(uid)),
                        alias,
                        section.fallback,
                        series.reset_index(drop=True),
                        h,
                        windows,
                        step,
                        train_window,
                        section.levels,
                        events,
                        section.max_growth_per_year,
                        g.frame["ds"].max(),
                    )
                )
    return tasks, plans


def backtest_tables(
    tasks: list[BacktestTask], results: list[pd.DataFrame], plans: dict[tuple, tuple]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gather the backtests of every task and score them per group and model.

    Returns:
        The `backtests` and `model_scores` rows, labelled with stream, freq and
        measure (empty frames when no task had a cutoff with history).
    """
    backtests, scores = [], []
    grouped: dict[tuple, list[pd.DataFrame]] = defaultdict(list)
    for task, frame in zip(tasks, results, strict=True):
        grouped[(*task.key[:3], task.alias)].append(frame)
    for (stream, freq, measure, alias), parts in sorted(grouped.items()):
        bt = pd.concat([p for p in parts if len(p)] or parts, ignore_index=True)
        if bt.empty:
            continue
        train_window, history = plans[(stream, freq, measure)]
        score = score_backtests(
            bt.assign(model=alias), history, None, train_window, normalise_freq(freq)
        )
        keys = {"stream": stream, "freq": freq, "measure": measure}
        backtests.append(bt.assign(**keys))
        scores.append(score.assign(**keys))
    if not backtests:
        return pd.DataFrame(), pd.DataFrame()
    return pd.concat(backtests, ignore_index=True), pd.concat(scores, ignore_index=True)
