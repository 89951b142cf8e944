"""The forecast stage: stored demand → forecasts, backtests, scores and saved models."""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from demand.config import ForecastConfig
from demand.forecast.artefacts import (
    ModelWriter,
    artefact_name,
    data_fingerprint,
    load_models,
    write_metadata,
)
from demand.forecast.events import events_for
from demand.forecast.fitting import (
    BacktestTask,
    SeriesResult,
    SeriesTask,
    backtest_series,
    fit_series,
    forecast_and_backtest,
)
from demand.forecast.parallel import Progress, iter_tasks
from demand.forecast.reconcile import reconcile, seasonal_residuals
from demand.forecast.stage_backtest import backtest_tables, backtest_tasks
from demand.forecast.stage_io import (
    ForecastGroup,
    read_forecast_groups,
    resolve_models,
    write_run_rows,
)
from demand.store import Store

__all__ = ["backtest_store", "run_forecast"]

logger = logging.getLogger(__name__)
R = TypeVar("R")


Task = SeriesTask | BacktestTask | tuple[SeriesTask, BacktestTask]
"""One unit of engine work: a series' forecast, its backtest, or both together."""


def _series_task(task: Task) -> SeriesTask | BacktestTask:
    return task[0] if isinstance(task, tuple) else task


def _label(task: Task) -> str:
    stream, freq, measure, _, uid = _series_task(task).key
    return f"{uid} {freq} {measure} {_series_task(task).alias}"


def _cost(task: Task) -> float:
    """A series' relative fitting cost for balancing engine batches: its periods."""
    return float(len(_series_task(task).series))


def _gather(
    func: Callable[[Any], R],
    tasks: Sequence[Task],
    section: ForecastConfig,
    progress: Progress | None,
    keep: Callable[[R], R],
    n_jobs: int | None = None,
) -> list[R]:
    """Run `func` over `tasks`, keeping of each result what `keep` returns.

    `keep` sees each result as its batch arrives (e.g. to save its fitted model
    and let it go), so what the run holds is only what `keep` leaves.
    """
    results: list[Any] = [None] * len(tasks)
    for finished in iter_tasks(
        func,
        tasks,
        n_jobs=section.n_jobs if n_jobs is None else n_jobs,
        engine=section.engine,
        progress=progress,
        label=_label,
        cost=_cost,
    ):
        for i, result in finished:
            results[i] = keep(result)
    return results


def _series_tasks(
    groups: list[ForecastGroup],
    aliases: tuple[str, ...],
    section: ForecastConfig,
    saved: dict | None,
) -> list[SeriesTask]:
    tasks = []
    for g in groups:
        events = events_for(section.events, g.stream)
        for alias in aliases:
            fitted = (saved or {}).get((g.stream, g.freq, g.measure, alias), {})
            for uid, series in g.frame.groupby("unique_id", sort=True):
                key = (g.stream, g.freq, g.measure, g.term, str(uid))
                tasks.append(
                    SeriesTask(
                        key,
                        alias,
                        section.fallback,
                        series.reset_index(drop=True),
                        g.h,
                        section.levels,
                        events,
                        section.max_growth_per_year,
                        fitted.get(uid) if saved is not None else None,
                    )
                )
                if saved is not None and uid not in fitted:
                    raise ValueError(f"No saved model for series {uid!r} ({alias}).")
    return tasks


def _reconcile(
    forecast: pd.DataFrame, history: pd.DataFrame, freq: str, method: str
) -> pd.DataFrame:
    """Make one group's forecasts coherent (areas sum to the force), keeping labels."""
    if method == "none" or forecast["unique_id"].nunique() < 2:
        return forecast
    labels = forecast[["unique_id", "ds", "model"]]
    bounds = [c for c in forecast.columns if c.startswith(("lo_", "hi_"))]
    base = forecast[["unique_id", "ds", "mean", *bounds]].assign(model="_")
    try:
        coherent = reconcile(base, method, seasonal_residuals(history, freq))
    except ValueError as exc:
        logger.warning("Forecasts not reconciled (%s); kept as fitted.", exc)
        return forecast
    return coherent.drop(columns="model").merge(labels, on=["unique_id", "ds"])


def _forecast_frame(
    results: list[SeriesResult], group: ForecastGroup, section: ForecastConfig
) -> pd.DataFrame:
    """Reconcile one group's forecasts per model and label them with the group."""
    by_alias: dict[str, list[pd.DataFrame]] = defaultdict(list)
    for r in results:
        by_alias[r.alias].append(r.forecast)
    frames = []
    for _alias, parts in sorted(by_alias.items()):
        forecast = pd.concat(parts, ignore_index=True)
        forecast = _reconcile(forecast, group.frame, group.freq, section.reconciliation)
        frames.append(
            forecast.assign(
                stream=group.stream,
                freq=group.freq,
                measure=group.measure,
                horizon=group.term,  # the store column keeps the older name
            )
        )
    return pd.concat(frames, ignore_index=True)


def _choices_frame(results: list[SeriesResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        stream, freq, measure, _, uid = r.key
        if r.failed or r.chosen != r.alias and "fallback" in r.reason:
            logger.warning("%s %s: %s", uid, freq, r.reason)
        for flag in r.flags:
            if flag.startswith("growth capped"):
                logger.warning("%s %s %s: %s", uid, freq, measure, flag)
        rows.append(
            {
                "unique_id": uid,
                "stream": stream,
                "freq": freq,
                "measure": measure,
                "model": r.alias,
                "chosen": r.chosen,
                "reason": r.reason,
                "flags": "; ".join(r.flags),
            }
        )
    return pd.DataFrame(rows)


def _backtest(
    groups: list[ForecastGroup],
    aliases: tuple[str, ...],
    section: ForecastConfig,
    progress: Progress | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rolling-origin backtests of every group and model, and their scores."""
    tasks, plans = backtest_tasks(groups, aliases, section)
    results = _gather(backtest_series, tasks, section, progress, lambda r: r)
    return backtest_tables(tasks, results, plans)


def backtest_store(
    store: Store,
    section: ForecastConfig,
    run_id: str,
    *,
    progress: Progress | None = None,
) -> int:
    """Backtest every stored series the section forecasts; write the scores.

    Each series is forecast from rolling origins exactly as `run_forecast` would
    (events, fallback, growth bound), with the benchmark protocol's horizon and
    step per frequency (`PROTOCOL`: D 28 days, M 12 months, H 168 hours) and
    `backtest_windows` cutoffs (0: the protocol's number).

    Args:
        store: The store holding `demand`.
        section: The forecast section.
        run_id: Recorded with every row; an earlier write of the same run is
            replaced.
        progress: Called after each series' backtest.

    Returns:
        Rows written to `backtests`; `model_scores` gets one row per series,
        frequency, measure and model (MASE, sMAPE %, RMSE, bias %, cov80, cov95).
    """
    groups = read_forecast_groups(store, section)
    backtests, scores = _backtest(groups, resolve_models(section), section, progress)
    tables = {"model_scores": scores, "backtests": backtests}
    return write_run_rows(store, tables, run_id)["backtests"]


def _saving(writer: ModelWriter | None) -> Callable[[SeriesResult], SeriesResult]:
    """Hand a result's fitted model to `writer` at once; keep the rest."""

    def keep(result: SeriesResult) -> SeriesResult:
        if writer is None or result.model is None:
            return result
        stream, freq, measure, _, uid = result.key
        writer.add((stream, freq, measure, result.alias), uid, result.model)
        return dataclasses.replace(result, model=None)

    return keep


def _run_groups(
    groups: list[ForecastGroup],
    aliases: tuple[str, ...],
    section: ForecastConfig,
    saved: dict | None,
    progress: Progress | None,
    writer: ModelWriter | None,
) -> list[tuple[list[SeriesResult], pd.DataFrame, pd.DataFrame]]:
    """Forecast, and with `backtest` on backtest once, every series of the groups.

    All the groups' series go to the engine together, so a cluster wider than
    one group (a force and its areas) is kept busy. Each series' fitted model
    goes to `writer` as its batch arrives (none with reused models), so the
    results are kept without their fits.

    Returns:
        Per group: its series' results (without models), backtests and scores
        (empty frames when `backtest` is off).
    """
    keep = _saving(writer)
    per_group = [_series_tasks([g], aliases, section, saved) for g in groups]
    ends = list(itertools.accumulate(len(t) for t in per_group))
    spans = list(zip([0, *ends[:-1]], ends, strict=True))
    tasks = [t for group_tasks in per_group for t in group_tasks]
    if not section.backtest:
        n_jobs = 1 if saved is not None else None
        results = _gather(fit_series, tasks, section, progress, keep, n_jobs)
        return [(results[a:b], pd.DataFrame(), pd.DataFrame()) for a, b in spans]
    planned = [backtest_tasks([g], aliases, section) for g in groups]
    backtests_to_run = [b for group_backtests, _ in planned for b in group_backtests]
    pairs = list(zip(tasks, backtests_to_run, strict=True))
    if any(t.key != b.key or t.alias != b.alias for t, b in pairs):
        raise RuntimeError("Forecast and backtest tasks are out of step.")
    # Each series is forecast and backtested in one task, so the fits the two
    # share (auto's inner validation) are made once; the backtest is this run's
    # only one (the stage does not call `backtest_store` again).
    both = _gather(
        forecast_and_backtest,
        pairs,
        section,
        progress,
        lambda pair: (keep(pair[0]), pair[1]),
    )
    out = []
    for (a, b), (group_backtests, plans) in zip(spans, planned, strict=True):
        frames = [frame for _, frame in both[a:b]]
        backtests, scores = backtest_tables(group_backtests, frames, plans)
        out.append(([r for r, _ in both[a:b]], backtests, scores))
    return out


def run_forecast(
    store: Store,
    section: ForecastConfig,
    run_id: str,
    *,
    progress: Progress | None = None,
) -> int:
    """Forecast every stored series at the operational and strategic horizons.

    Daily series are forecast `operational_days` ahead, hourly series of
    `hourly_streams` `operational_hours` ahead, monthly series
    `strategic_months` ahead; dated events adjust each history first; every
    series is fitted independently (in parallel, `n_jobs`), areas are reconciled
    to sum to the force, and forecasts are never negative nor grow faster than
    `max_growth_per_year`. With `backtest` on, each series is also backtested,
    once, in the same task as its forecast (the tables `backtest_store` would
    write). Every group's (stream, freq, measure) series go to the engine
    together; each series' fitted model goes to a `ModelWriter` as its engine
    batch arrives and is saved to `<models_dir>/<run_id>/` a part at a time, so
    the run holds no fits, only the forecasts and backtests that reconciliation
    (per group) and the final write need; with `reuse_models`, the saved models
    of that run forecast without refitting.

    Args:
        store: The store holding `demand` (written by the series stage).
        section: The forecast section.
        run_id: Recorded with every row and names the models folder.
        progress: Called with (done, total, label) after each series is fitted.

    Returns:
        Rows written to `forecasts`.

    Raises:
        ValueError: no series to forecast, or an unknown model alias.
        ArtefactError: `reuse_models` cannot be honoured (missing, other library
            versions, or changed data).
    """
    groups = read_forecast_groups(store, section)
    aliases = resolve_models(section)
    fingerprints = {
        (g.stream, g.freq, g.measure, alias): data_fingerprint(g.frame)
        for g in groups
        for alias in aliases
    }
    saved = None
    if section.reuse_models:
        saved = load_models(
            Path(section.models_dir) / section.reuse_models, fingerprints
        )
    total = sum(g.frame["unique_id"].nunique() for g in groups) * len(aliases)
    logger.info("Forecasting %d series-model pairs.", total)
    parts: dict[str, list[pd.DataFrame]] = defaultdict(list)
    entries: dict[str, dict] = {}
    folder = Path(section.models_dir) / run_id
    writer = ModelWriter(folder) if saved is None else None
    outcomes = _run_groups(groups, aliases, section, saved, progress, writer)
    for group, (results, backtests, scores) in zip(groups, outcomes, strict=True):
        choices = _choices_frame(results)
        parts["forecasts"].append(_forecast_frame(results, group, section))
        parts["model_choices"].append(choices)
        parts["backtests"].append(backtests)
        parts["model_scores"].append(scores)
        if writer is not None:
            entries |= _finish_group(
                writer, group, aliases, fingerprints, choices, scores
            )
    tables = {
        name: pd.concat([f for f in frames if not f.empty] or frames[:1])
        for name, frames in parts.items()
        if section.backtest or name in ("forecasts", "model_choices")
    }
    n = write_run_rows(store, tables, run_id)["forecasts"]
    if saved is None:
        write_metadata(folder, entries, run_id)
    logger.info("Wrote %d forecast rows for run %s.", n, run_id)
    return n


def _finish_group(
    writer: ModelWriter,
    group: ForecastGroup,
    aliases: tuple[str, ...],
    fingerprints: dict,
    choices: pd.DataFrame,
    scores: pd.DataFrame,
) -> dict[str, dict]:
    """Write one group's last model parts; return their metadata entries."""
    entries = {}
    for alias in aliases:
        key = (group.stream, group.freq, group.measure, alias)
        picked = choices[choices["model"] == alias]
        detail = {
            "choices": picked[["unique_id", "chosen", "reason"]].to_dict("records")
        }
        if not scores.empty:
            s = scores[scores["model"] == alias]
            detail["backtest_scores"] = s.drop(
                columns=["stream", "freq", "measure"]
            ).to_dict("records")
        entries[artefact_name(key)] = writer.finish(key, fingerprints[key], detail)
    return entries
