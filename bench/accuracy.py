"""Forecast accuracy benchmark: the shared rolling-origin protocol on the shared series.

Runs `bench/protocol.md` (cutoffs, horizons, training windows, metrics) for each
registered model on each series file, and writes a markdown table of the scores per
series, the unweighted mean per file, and the wall time of fit + predict over all
cutoffs and series (one process, one thread, imports and a warm-up excluded).

Example:
    .venv/bin/python bench/accuracy.py --files denver_daily \
        --models seasonal_naive auto_ets --out bench/out/accuracy.md
"""

from __future__ import annotations

import os

# One thread, as the protocol asks; must be set before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from demand.forecast import MODELS, make_model  # noqa: E402
from demand.forecast.backtest import (  # noqa: E402
    protocol_cutoffs,
    run_protocol,
    score_backtests,
)

SERIES_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "series"
FILES = {
    "denver_daily": "D",
    "denver_hourly": "H",
    "chicago_daily": "D",
    "london_monthly": "M",
}
METRICS = ["mase", "smape", "rmse", "bias", "cov80", "cov95"]


def _machine() -> str:
    """Describe the machine: CPU model, cores, Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _warm_up(alias: str, series: pd.DataFrame, freq: str) -> None:
    """Fit once on one stream's tail so first-call costs stay out of the timing."""
    first = series[series["unique_id"] == series["unique_id"].iloc[0]].tail(400)
    make_model(alias, freq=freq).fit(first).predict(2)


def run_file(
    name: str, freq: str, aliases: list[str], series_dir: Path
) -> pd.DataFrame:
    """Backtest each model on one file; return scores with `seconds` per model."""
    series = pd.read_csv(series_dir / f"{name}.csv", dtype={"unique_id": str})
    plan = protocol_cutoffs(series, freq)
    print(
        f"{name}: {series['unique_id'].nunique()} series, {len(plan.cutoffs)} cutoffs "
        f"{plan.cutoffs[0]} .. {plan.cutoffs[-1]}, h={plan.h}",
        file=sys.stderr,
    )
    frames = []
    for alias in aliases:
        _warm_up(alias, series, plan.freq)
        started = time.perf_counter()
        backtests = run_protocol(make_model(alias), series, plan.freq)
        seconds = time.perf_counter() - started
        n_fallback = int((backtests["model"] != alias).sum())
        scores = score_backtests(
            backtests.assign(model=alias),
            series,
            plan.season_length,
            plan.train_window,
            plan.freq,
        )
        frames.append(
            scores.assign(file=name, seconds=seconds, fallback_rows=n_fallback)
        )
        print(f"  {alias}: {seconds:.1f} s", file=sys.stderr)
    return pd.concat(frames, ignore_index=True)


def to_markdown(scores: pd.DataFrame, command: str) -> str:
    """Render per-series scores and per-file means as markdown tables."""
    fmt = {"mase": "{:.3f}", "smape": "{:.2f}", "rmse": "{:.2f}", "bias": "{:+.2f}"}
    fmt |= {"cov80": "{:.3f}", "cov95": "{:.3f}", "seconds": "{:.1f}"}

    def table(frame: pd.DataFrame, keys: list[str]) -> list[str]:
        cols = [*keys, *METRICS, *(["seconds"] if "seconds" in frame else [])]
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for row in frame[cols].itertuples(index=False):
            cells = [
                fmt[c].format(v) if c in fmt else str(v)
                for c, v in zip(cols, row, strict=True)
            ]
            lines.append("| " + " | ".join(cells) + " |")
        return lines

    per_file = (
        scores.groupby(["file", "model"], sort=False)
        .agg({**dict.fromkeys(METRICS, "mean"), "seconds": "first"})
        .reset_index()
    )
    lines = [
        "# Forecast accuracy: rolling-origin protocol (`bench/protocol.md`)",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {_machine()}; one process, one thread",
        f"- command: `{command}`",
        "- sMAPE and bias in %; coverage as a share (nominal 0.80 / 0.95); seconds =",
        "  wall time of fit + predict over all cutoffs and series of the file.",
        "",
        "## Per file (unweighted mean over its series)",
        "",
        *table(per_file, ["file", "model"]),
        "",
        "## Per series",
        "",
        *table(scores.drop(columns="seconds"), ["file", "unique_id", "model"]),
    ]
    fallbacks = scores[scores["fallback_rows"] > 0]
    if not fallbacks.empty:
        lines += ["", "Forecasts from a fallback model (rows, scored under the model):"]
        lines += [
            f"- {r.file} {r.model}: {r.fallback_rows}"
            for r in fallbacks.drop_duplicates(["file", "model"]).itertuples()
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="+", choices=list(FILES), default=list(FILES))
    parser.add_argument(
        "--models", nargs="+", choices=list(MODELS), default=list(MODELS)
    )
    parser.add_argument("--series-dir", type=Path, default=SERIES_DIR)
    parser.add_argument("--out", type=Path, default=Path("bench/out/accuracy.md"))
    args = parser.parse_args(argv)
    scores = pd.concat(
        [
            run_file(name, FILES[name], args.models, args.series_dir)
            for name in args.files
        ],
        ignore_index=True,
    )
    command = " ".join(["python", "bench/accuracy.py", *(argv or sys.argv[1:])])
    markdown = to_markdown(scores, command)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown)
    scores.to_csv(args.out.with_suffix(".csv"), index=False)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
