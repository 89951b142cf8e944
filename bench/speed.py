"""Forecast speed: series per second per model, and the whole backtest-and-select.

Builds `--series` daily series of `--years` years (deterministic: Poisson counts
with a weekly and a yearly cycle, a slow trend, bank-holiday dips and levels from
about 1 to 300 a day, like a force's streams from small areas to the whole force),
then times (wall seconds, and CPU seconds of the bench and its workers, which
the load of other jobs does not inflate), on every core (`--n-jobs`, default
-1) through the stage's own task runner (`run_tasks`, loky processes, one BLAS
thread each):

1. fit + predict (`fit_series`: fallback and growth bound included) of each model
   in `--models`, `--horizon` days ahead; slow models may run on the first
   `--model-series` series only (the table says how many);
2. backtest-and-select: per series, `auto` (its inner validation over its
   candidates) forecasting `--horizon` days, plus the protocol's daily backtest
   of `auto` itself (h 28, step 28, `--backtest-windows` cutoffs, 1,461-day
   window), as the forecast stage runs them with `backtest = true`
   (`forecast_and_backtest`). With `--baseline-series N`, the same work without
   reusing shared fits (fit and backtest apart, as before) on the first N
   series, in the same run, for comparison.

Worker start-up and imports are excluded by a warm-up of each model on a few
series. With `--demo-db` (a copy of the store after `make demo`), also times the
forecast stage with `models = ["auto"]` and backtest on (`run_forecast`) on that
copy, which it writes to.

Example:
    /usr/bin/time -v .venv/bin/python bench/speed.py --series 500 \
        --demo-db /tmp/demo.duckdb --out bench/out/speed.md
"""

from __future__ import annotations

import os

# One BLAS thread per process: many small fits in parallel processes, and
# threaded BLAS on tiny matrices only adds contention (set before numpy loads).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import UTC, date, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from demand.forecast.fitting import (  # noqa: E402
    BacktestTask,
    SeriesTask,
    _backtest_windows,
    fit_series,
    forecast_and_backtest,
)
from demand.forecast.parallel import run_tasks  # noqa: E402
from demand.synth.calendar import bank_holidays  # noqa: E402

MODELS = (
    "seasonal_naive",
    "auto_ets",
    "arima_fourier",
    "prophet",
    "gbm",
    "ensemble",
    "auto",
)
"""Models timed one by one (`daily_profile` is hourly-only: these series are daily)."""
LEVELS = (80, 95)
FIRST_DAY = date(2022, 1, 1)


def make_series(n: int, years: int, seed: int = 2026) -> pd.DataFrame:
    """Return `n` daily series of `years` years, a frame satisfying `demand`."""
    rng = np.random.default_rng(seed)
    days = 365 * years + years // 4
    ds = pd.date_range(FIRST_DAY, periods=days, freq="D")
    t = np.arange(days)
    holidays = bank_holidays(FIRST_DAY.year, FIRST_DAY.year + years)
    is_holiday = np.isin(ds.date, list(holidays))
    frames = []
    for i in range(n):
        level = float(np.exp(rng.uniform(np.log(1.0), np.log(300.0))))
        weekly = 1 + rng.uniform(0.05, 0.3) * np.cos(
            2 * np.pi * (ds.day_of_week.to_numpy() - rng.integers(7)) / 7
        )
        yearly = 1 + rng.uniform(0.0, 0.2) * np.sin(
            2 * np.pi * (t / 365.25 + rng.uniform())
        )
        trend = (1 + rng.uniform(-0.05, 0.08)) ** (t / 365.25)
        rate = level * weekly * yearly * trend * np.where(is_holiday, 0.8, 1.0)
        frames.append(
            pd.DataFrame({"unique_id": f"s{i:04d}", "ds": ds, "y": rng.poisson(rate)})
        )
    out = pd.concat(frames, ignore_index=True)
    out["y"] = out["y"].astype(float)
    return out


class PeakMemory:
    """Sample the RSS of this process and all its descendants (Linux /proc)."""

    def __init__(self, every_seconds: float = 0.5):
        self.peak_mib = 0.0
        self._every = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.peak_mib = max(self.peak_mib, _tree_rss_mib(os.getpid()))

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _tree_rss_mib(pid: int) -> float:
    """Return the summed RSS of `pid` and its descendants, MiB."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        rss = [line for line in status.splitlines() if line.startswith("VmRSS:")]
        total += int(rss[0].split()[1]) / 1024 if rss else 0.0
        todo += [int(c) for c in children]
    return total


def _streams(series: pd.DataFrame, n: int) -> list[pd.DataFrame]:
    groups = series.groupby("unique_id", sort=True)
    return [g.reset_index(drop=True) for _, g in list(groups)[:n]]


def _forecast_task(stream: pd.DataFrame, alias: str, h: int) -> SeriesTask:
    uid = str(stream["unique_id"].iat[0])
    key = ("bench", "D", "count", "operational", uid)
    return SeriesTask(key, alias, "seasonal_naive", stream, h, LEVELS)


def _backtest_task(stream: pd.DataFrame, alias: str, windows: int) -> BacktestTask:
    task = _forecast_task(stream, alias, 28)
    return BacktestTask(
        task.key,
        alias,
        task.fallback,
        stream,
        28,
        windows,
        28,
        1461,
        LEVELS,
        (),
        task.max_growth_per_year,
        stream["ds"].max(),
    )


def _apart(tasks: tuple[SeriesTask, BacktestTask]) -> tuple:
    """The work of `forecast_and_backtest` with no fit reused (the old stage)."""
    return fit_series(tasks[0]), _backtest_windows(tasks[1])


def _tree_cpu_seconds(pid: int) -> float:
    """Return the CPU seconds (user + system) of `pid`, its live descendants and
    the children it has reaped (Linux /proc): the work of the bench and its
    workers, whichever process did it."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # utime, stime, cutime, cstime: fields 14-17 of proc(5), 12-15 here
        total += sum(int(f) for f in fields[11:15]) / tick
        todo += [int(c) for c in children]
    return total


def _timed(func, tasks: list, n_jobs: int) -> tuple[float, float, list]:
    """Run the tasks; return wall seconds, CPU seconds (bench + workers), results."""
    cpu, started = _tree_cpu_seconds(os.getpid()), time.perf_counter()
    results = run_tasks(func, tasks, n_jobs=n_jobs)
    wall = time.perf_counter() - started
    return wall, _tree_cpu_seconds(os.getpid()) - cpu, results


def time_models(
    streams: list[pd.DataFrame], models: list[str], args: argparse.Namespace
) -> list[dict]:
    """Time fit + predict per model; return one row per model."""
    rows = []
    for alias in models:
        n = len(streams) if alias in args.all_series_models else args.model_series
        tasks = [_forecast_task(s, alias, args.horizon) for s in streams[:n]]
        run_tasks(fit_series, tasks[:2], n_jobs=args.n_jobs)  # warm-up
        seconds, cpu, results = _timed(fit_series, tasks, args.n_jobs)
        fallbacks = sum(r.failed or r.chosen == "seasonal_naive" for r in results)
        rows.append(
            {
                "model": alias,
                "series": n,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "cpu_per_series": cpu / n,
                "per_second": n / seconds,
                "fallbacks": fallbacks if alias != "seasonal_naive" else 0,
            }
        )
        print(rows[-1], flush=True)  # noqa: T201 - progress of a long run
    return rows


def time_select(streams: list[pd.DataFrame], args: argparse.Namespace) -> list[dict]:
    """Time backtest-and-select with fit reuse, and without it on a subsample."""
    pairs = [
        (
            _forecast_task(s, "auto", args.horizon),
            _backtest_task(s, "auto", args.backtest_windows),
        )
        for s in streams
    ]
    rows = []
    plans = [("reused fits (the stage now)", forecast_and_backtest, pairs)]
    if args.baseline_series:
        subset = pairs[: args.baseline_series]
        plans.insert(0, ("no reuse (before)", _apart, subset))
        plans.insert(1, ("reused fits, same subsample", forecast_and_backtest, subset))
    outputs = {}
    for name, func, tasks in plans:
        seconds, cpu, results = _timed(func, tasks, args.n_jobs)
        outputs[name] = results
        rows.append(
            {
                "run": name,
                "series": len(tasks),
                "seconds": seconds,
                "cpu_seconds": cpu,
                "cpu_per_series": cpu / len(tasks),
                "per_second": len(tasks) / seconds,
            }
        )
        print(rows[-1], flush=True)  # noqa: T201
    if args.baseline_series:
        before, after = outputs["no reuse (before)"], outputs[plans[1][0]]
        for (r0, b0), (r1, b1) in zip(before, after, strict=True):
            pd.testing.assert_frame_equal(r0.forecast, r1.forecast)
            pd.testing.assert_frame_equal(b0, b1)
        print("reused fits give identical forecasts and backtests")  # noqa: T201
    return rows


def time_demo(db: Path, pipeline: Path, args: argparse.Namespace) -> dict:
    """Time the forecast stage with `auto` and backtest on a copy of the demo store."""
    from demand.config import load_pipeline
    from demand.forecast.stage import run_forecast
    from demand.store import Store

    section = dataclasses.replace(
        load_pipeline(pipeline).forecast,
        models=("auto",),
        backtest=True,
        n_jobs=args.n_jobs,
        models_dir=str(args.models_dir),
    )
    started = time.perf_counter()
    with Store(db) as store:
        rows = run_forecast(store, section, "bench-speed")
        series = store.con.execute(
            "SELECT count(DISTINCT (stream, freq, measure, unique_id)) "
            "FROM forecasts WHERE run_id = 'bench-speed'"
        ).fetchone()[0]
    return {
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "series": series,
        "windows": section.backtest_windows,
    }


def _table(rows: list[dict], columns: list[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for c in columns:
            v = row[c]
            cells.append(f"{v:,.2f}" if isinstance(v, float) else f"{v}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=500)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--horizon", type=int, default=91, help="days")
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument(
        "--all-series-models",
        nargs="*",
        default=["seasonal_naive", "auto_ets", "arima_fourier", "prophet"],
        help="models timed on every series; the others on --model-series",
    )
    parser.add_argument("--model-series", type=int, default=100)
    parser.add_argument(
        "--select-series", type=int, default=None, help="default all; 0 skips"
    )
    parser.add_argument("--backtest-windows", type=int, default=2)
    parser.add_argument("--baseline-series", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--demo-db", type=Path, default=None)
    parser.add_argument("--pipeline", type=Path, default=Path("pipelines/demo.toml"))
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    args.models_dir = args.models_dir or Path(tempfile.mkdtemp(prefix="bench-"))

    series = make_series(args.series, args.years)
    streams = _streams(series, args.series)
    with PeakMemory() as memory:
        model_rows = time_models(streams, args.models, args) if args.models else []
        n_select = len(streams) if args.select_series is None else args.select_series
        select_rows = time_select(streams[:n_select], args) if n_select else []
    demo = None
    if args.demo_db:
        with PeakMemory() as demo_memory:
            demo = time_demo(args.demo_db, args.pipeline, args)

    lines = [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        f"- series: {args.series} daily, {args.years} years "
        f"({series.groupby('unique_id').size().iat[0]} days each); "
        f"horizon {args.horizon} days; n_jobs {args.n_jobs}",
        "",
        *_table(
            model_rows,
            [
                "model",
                "series",
                "seconds",
                "cpu_seconds",
                "cpu_per_series",
                "per_second",
                "fallbacks",
            ],
        ),
        "",
        *_table(
            select_rows,
            ["run", "series", "seconds", "cpu_seconds", "cpu_per_series", "per_second"],
        ),
    ]
    if demo:
        lines += [
            "",
            f"demo force, forecast stage with auto + backtest "
            f"({demo['windows']} windows): {demo['series']} series, "
            f"{demo['seconds']:.1f} s ({demo['seconds'] / 60:.1f} min)",
        ]
    lines.append(
        f"peak memory (RSS of this process and its workers, summed): synthetic "
        f"series {memory.peak_mib:,.0f} MiB"
        + (f", demo force {demo_memory.peak_mib:,.0f} MiB" if demo else "")
    )
    text = "\n".join(lines)
    print(text)  # noqa: T201
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
