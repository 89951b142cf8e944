"""Scale: the forecast stage's fits over 1 to 43 forces, in-process, on local
processes and on a Dask LocalCluster; series per second and peak memory.

Each force is 60 daily series (`bench/speed.py`'s deterministic Poisson series,
seeded by the force's number, `--years` years each), forecast 91 days ahead and
backtested (`--backtest-windows` cutoffs, 28 days apart) in one task per series
(`forecast_and_backtest`, as the stage does with `backtest = true`), through the
engine (`demand.engine.run_tasks` inside `open_engine`). Forces run one after
another, as the stage runs its groups: the driver holds one force's series and
results at a time. Store reads and writes and reconciliation are not timed.

Each (engine, forces) runs in a fresh process, so peak memory (ru_maxrss) is that
configuration's alone: the driver's, and the largest worker's (Dask: asked of
each worker at the end; local: the loky processes, after they are shut down).

CPU is measured, not inferred from wall time (the machine is shared): the CPU
seconds (user + system) the driver and its workers spent between the end of the
warm-up and the end of the last force — Dask: the driver's own rusage (which
includes a LocalCluster's scheduler) plus each worker's, asked of the workers by
`client.run` before and after; local: the driver's plus the loky processes'
(psutil); in-process: the process's own.

Example:
    nice -n 10 .venv/bin/python bench/scale.py --forces 1 4 16 43 \
        --engines in_process local dask --workers 2 --out bench/RESULTS.md
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demand.config import EngineConfig  # noqa: E402
from demand.engine import active_client, open_engine, run_tasks  # noqa: E402
from demand.forecast.fitting import (  # noqa: E402
    BacktestTask,
    SeriesTask,
    forecast_and_backtest,
)
from speed import make_series  # noqa: E402

SERIES_PER_FORCE = 60
LEVELS = (80, 95)
NATIONAL_SERIES = 43 * SERIES_PER_FORCE


def _pairs(force: int, args: argparse.Namespace) -> list[tuple]:
    """One force's (forecast, backtest) tasks, one pair per series."""
    frame = make_series(SERIES_PER_FORCE, args.years, seed=1000 + force)
    pairs = []
    for uid, series in frame.groupby("unique_id", sort=True):
        series = series.reset_index(drop=True).assign(unique_id=f"f{force}/{uid}")
        key = ("incidents", "D", "count", "operational", f"f{force}/{uid}")
        forecast = SeriesTask(key, args.model, "seasonal_naive", series, 91, LEVELS)
        backtest = BacktestTask(
            key,
            args.model,
            "seasonal_naive",
            series,
            28,
            args.backtest_windows,
            28,
            1461,
            LEVELS,
            (),
            0.25,
            series["ds"].max(),
        )
        pairs.append((forecast, backtest))
    return pairs


def _peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def _worker_peak_mib() -> float:
    return _peak_mib()


def _cpu_seconds() -> float:
    """User + system CPU seconds this process has spent (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu_seconds() -> dict[int, float]:
    """CPU seconds of each live child process (the loky workers), by pid."""
    import psutil

    out = {}
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        out[child.pid] = times.user + times.system
    return out


def _workers_cpu_seconds(engine: str) -> dict:
    """CPU seconds so far of each worker, by its name (Dask) or pid (local)."""
    if engine == "dask":
        return active_client().run(_cpu_seconds)
    if engine == "local":
        return _children_cpu_seconds()
    return {}


def _spent(before: dict, after: dict) -> float:
    """CPU seconds spent between two readings; a new worker counts in full."""
    return sum(after[k] - before.get(k, 0.0) for k in after)


def measure_one(engine: str, forces: int, args: argparse.Namespace) -> dict:
    """Fit `forces` forces on `engine`; return seconds, series and peak memory."""
    if engine == "dask":
        config = EngineConfig(kind="dask", workers=args.workers)
    else:
        config = EngineConfig(workers=1 if engine == "in_process" else args.workers)
    worker_peak = 0.0
    with open_engine(config):
        if engine == "dask":  # start-up excluded: warm the workers' imports
            run_tasks(forecast_and_backtest, _pairs(999, args)[: 2 * args.workers])
        elif engine == "local":
            run_tasks(forecast_and_backtest, _pairs(999, args)[: 2 * args.workers])
        import psutil

        driver_rss = []
        workers_before = _workers_cpu_seconds(engine)
        driver_before = _cpu_seconds()
        started = time.perf_counter()
        for force in range(forces):
            results = run_tasks(forecast_and_backtest, _pairs(force, args))
            del results  # the stage writes a group's results, then lets them go
            driver_rss.append(psutil.Process().memory_info().rss / 2**20)
        seconds = time.perf_counter() - started
        driver_cpu = _cpu_seconds() - driver_before
        workers_cpu = _spent(workers_before, _workers_cpu_seconds(engine))
        if engine == "dask":
            client = active_client()
            worker_peak = max(client.run(_worker_peak_mib).values())
    if engine == "local":
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)
        worker_peak = _peak_mib(resource.RUSAGE_CHILDREN)
    series = forces * SERIES_PER_FORCE
    return {
        "engine": engine,
        "forces": forces,
        "series": series,
        "seconds": seconds,
        "series_per_second": series / seconds,
        "driver_cpu_seconds": driver_cpu,
        "workers_cpu_seconds": workers_cpu,
        "cpu_seconds_per_series": (driver_cpu + workers_cpu) / series,
        "driver_rss_mib_first_last": [driver_rss[0], driver_rss[-1]],
        "driver_peak_mib": _peak_mib(),
        "worker_peak_mib": worker_peak,
    }


def _table(rows: list[dict]) -> str:
    frame = pd.DataFrame(rows)
    lines = [
        "| engine | forces | series | wall s | series/s | driver CPU-s "
        "| workers CPU-s | CPU-s/series | driver peak MiB | worker peak MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in frame.itertuples():
        lines.append(
            f"| {r.engine} | {r.forces} | {r.series:,} | {r.seconds:,.1f} | "
            f"{r.series_per_second:.2f} | {r.driver_cpu_seconds:,.1f} | "
            f"{r.workers_cpu_seconds:,.1f} | {r.cpu_seconds_per_series:.3f} | "
            f"{r.driver_peak_mib:,.0f} | {r.worker_peak_mib:,.0f} |"
        )
    dask = frame[frame["engine"] == "dask"]
    if not dask.empty:
        cost = dask.sort_values("series")["cpu_seconds_per_series"].iloc[-1]
        lines += [
            "",
            f"Cost per series on Dask (largest run): {cost:.3f} CPU-seconds. "
            f"Projected for {NATIONAL_SERIES:,} series (43 forces), the CPU "
            "shared evenly by the workers: "
            + ", ".join(
                f"{w} workers ≈ {cost * NATIONAL_SERIES / w / 60:.1f} min"
                for w in (2, 16, 64)
            )
            + " (linear, ignoring start-up and the driver's writes).",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forces", type=int, nargs="+", default=[1, 4, 16, 43])
    parser.add_argument("--engines", nargs="+", default=["in_process", "local", "dask"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", default="auto_ets")
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--backtest-windows", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--one", nargs=2, metavar=("ENGINE", "FORCES"))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one[0], int(args.one[1]), args)))  # noqa: T201
        return
    rows = []
    for forces in args.forces:
        for engine in args.engines:
            command = [
                sys.executable,
                __file__,
                "--one",
                engine,
                str(forces),
                "--workers",
                str(args.workers),
                "--model",
                args.model,
                "--years",
                str(args.years),
                "--backtest-windows",
                str(args.backtest_windows),
            ]
            out = subprocess.run(  # noqa: S603
                command, check=True, capture_output=True, text=True
            ).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
            print(rows[-1], flush=True)  # noqa: T201
    text = (
        f"\n## Scale (issue 18), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"Machine: {platform.node()}, {os.cpu_count()} CPUs "
        "(shared with other jobs), "
        f"Python {platform.python_version()}. Model `{args.model}`, "
        f"{args.years} years of daily history, {args.backtest_windows} backtest "
        f"windows, {SERIES_PER_FORCE} series a force.\n\n"
        f"Command: `python bench/scale.py --forces "
        f"{' '.join(map(str, args.forces))} --engines {' '.join(args.engines)} "
        f"--workers {args.workers} --model {args.model}`\n\n" + _table(rows) + "\n"
    )
    print(text)  # noqa: T201
    if args.out:
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
