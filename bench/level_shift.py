"""Forecasts after a level shift: does `auto` follow the new level as its members do?

Real police series shift level (a recording-practice change, a new command-and-control
system, a boundary change, a lockdown). This injects one shift into long monthly
series at month `--at` of their history (`--factor` 0.7: each later count thinned
binomially to 70 %; 1.3: 30 % more, Poisson), then forecasts 12 months from cutoffs
`--after` months after it (the model sees the shift in its last months) and scores
each model: MASE (scaled by the training window's in-sample seasonal-naive MAE, as
the accuracy protocol scales it) and 80 % / 95 % coverage.

Sets: `synthetic` (`demand synth --years 8 --seed 77`, 25 monthly series, force and
areas) and `chicago` (../shared/data/chicago_aggravated_assaults, the 22 districts
with a count in every month of 2010-01..2019-11). Nothing here tunes a model: it
measures. Read the figures as a pattern; each cell is one set, one cutoff.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from demand.forecast import make_model  # noqa: E402
from demand.forecast.metrics import coverage, mase, seasonal_naive_mae  # noqa: E402
from out_years import synthetic_force  # noqa: E402

HORIZON = 12
CHICAGO = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "chicago_aggravated_assaults"
    / "chicago_aggravated_assaults.csv.gz"
)


def chicago_districts() -> pd.DataFrame:
    """Return Chicago's district monthly counts (districts counted every month)."""
    raw = pd.read_csv(CHICAGO, usecols=["date", "district"], parse_dates=["date"])
    raw = raw[raw["date"] < "2019-12-01"]
    raw["ds"] = raw["date"].dt.to_period("M").dt.to_timestamp()
    wide = raw.groupby(["ds", "district"]).size().unstack("district", fill_value=0)
    wide = wide.loc[:, wide.min() > 0]
    wide.columns = [f"chicago/district_{int(d):02d}" for d in wide.columns]
    long = wide.stack().rename("y").reset_index()
    return long.rename(columns={"level_1": "unique_id"})[["unique_id", "ds", "y"]]


def shift_level(
    data: pd.DataFrame, at: int, factor: float, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Return `data` with every count from month `at` on shifted by `factor`."""
    start = data["ds"].min() + pd.DateOffset(months=at)
    later = data["ds"] >= start
    y = data.loc[later, "y"].to_numpy().astype(int)
    moved = rng.binomial(y, factor) if factor < 1 else y + rng.poisson(y * (factor - 1))
    out = data.assign(y=data["y"].astype(float))
    out.loc[later, "y"] = moved
    return out, start


def score_after(
    alias: str, data: pd.DataFrame, country: str, cutoff: pd.Timestamp
) -> dict[str, float]:
    """Fit `alias` up to `cutoff`, forecast `HORIZON` months and score them."""
    train = data[data["ds"] <= cutoff]
    model = make_model(alias)
    params = {"country": country, "freq": "M"}
    model.set_params(**{k: v for k, v in params.items() if k in model.get_params()})
    started = time.process_time()
    model.fit(train)
    fc = model.predict(HORIZON, level=(80, 95)).merge(data, on=["unique_id", "ds"])
    cpu = time.process_time() - started
    scales = train.groupby("unique_id")["y"].apply(seasonal_naive_mae, 12)
    y = fc["y"]
    return {
        "mase": mase(y, fc["mean"], fc["unique_id"].map(scales)),
        "cov80": coverage(y, fc["lo_80"], fc["hi_80"]),
        "cov95": coverage(y, fc["lo_95"], fc["hi_95"]),
        "cpu": cpu,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["synthetic", "chicago"])
    parser.add_argument(
        "--models",
        nargs="+",
        default=["auto", "auto_ets", "arima_fourier", "naive", "seasonal_naive"],
    )
    parser.add_argument("--at", type=int, default=60, help="shift month (index)")
    parser.add_argument("--factor", type=float, default=0.7)
    parser.add_argument("--after", type=int, nargs="+", default=[2, 5, 8, 11])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, help="write the scores here (CSV)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"level shift x{args.factor} at month {args.at}, {stamp}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        loaders = {
            "synthetic": (lambda: synthetic_force(Path(tmp)), "GB"),
            "chicago": (chicago_districts, "US"),
        }
        for name in args.sets:
            load, country = loaders[name]
            data = load().sort_values(["unique_id", "ds"], ignore_index=True)
            rng = np.random.default_rng(args.seed)
            shifted, start = shift_level(data, args.at, args.factor, rng)
            for after in args.after:
                cutoff = start + pd.DateOffset(months=after)
                for alias in args.models:
                    score = score_after(alias, shifted, country, cutoff)
                    rows.append({"set": name, "after": after, "model": alias} | score)
                    print(
                        f"{name}, {after} months after, {alias}: MASE "
                        f"{score['mase']:.3f}, cov {score['cov80']:.2f} / "
                        f"{score['cov95']:.2f}",
                        file=sys.stderr,
                        flush=True,
                    )
    scores = pd.DataFrame(rows)
    if args.out:
        scores.to_csv(args.out, index=False)
    mean = scores.groupby(["set", "model"], sort=False)[["mase", "cov80", "cov95"]]
    print(mean.mean().round(3).to_string())
    print(scores.pivot_table("mase", ["set", "after"], "model", sort=False).round(3))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
