"""Out-year honesty: 48-month monthly forecasts from short histories, scored by year.

A strategic forecast (the FMS's four years) is made from 3-5 years of monthly
history; the accuracy protocol checks only 12 months ahead. This bench forecasts
48 months from the first 36, 48 (and 60) months of long monthly series and scores
each forecast year: the share of months inside the 80 % and 95 % ranges, the share
of annual totals inside the ranges the FMS table shows (monthly bounds summed, as
`demand.report.fms` sums them), the annual total's bias and mean absolute error,
the 80 % range's width, and the annual totals' mean quantile loss at the five
quantiles of `sql` (0.025, 0.1, 0.5, 0.9, 0.975), in % of the actual total.

Sets: `chicago` and `denver` are the shared bench files (`../shared/bench/series`)
summed to calendar months (full months only; 6 series from 2010, 1 from 2011);
`synthetic` is `demand synth --years 8 --seed 77` run through ingest and series
(25 monthly series, force and areas, from April 2018). These are not the accuracy
protocol's windows: they test what that protocol cannot reach.

Example:
    nice -n 10 .venv/bin/python bench/out_years.py --out bench/out/out_years.md
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import logging  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from demand.forecast import make_model  # noqa: E402

HORIZON = 48
SERIES = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "series"
QUANTILES = {"lo_95": 0.025, "lo_80": 0.1, "mean": 0.5, "hi_80": 0.9, "hi_95": 0.975}
SERIES_STAGES = """[pipeline]
name = "outyears"
stages = ["ingest", "series"]
[ingest]
paths = ["raw"]
adapter = "northshire"
[series]
streams = ["calls", "incidents", "mental_health", "missing_persons", "crimes"]
freqs = ["M"]
levels = [[], ["area"]]
measures = ["count"]
timezone = "Europe/London"
"""


def monthly_sums(path: Path) -> pd.DataFrame:
    """Return a daily bench file summed to calendar months it covers in full."""
    daily = pd.read_csv(path, dtype={"unique_id": str}, parse_dates=["ds"])
    daily["month"] = daily["ds"].dt.to_period("M").dt.to_timestamp()
    grouped = daily.groupby(["unique_id", "month"])
    out = grouped["y"].sum().rename("y").to_frame().join(grouped.size().rename("n"))
    out = out.reset_index().rename(columns={"month": "ds"})
    return out[out["n"] == out["ds"].dt.days_in_month][["unique_id", "ds", "y"]]


def synthetic_force(workdir: Path) -> pd.DataFrame:
    """Return the 8-year synthetic force's monthly counts (force and areas)."""
    demand = str(Path(sys.executable).with_name("demand"))
    subprocess.run(
        [demand, "synth", "--out", "raw", "--years", "8", "--seed", "77"],
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    (workdir / "p.toml").write_text(SERIES_STAGES, encoding="utf-8")
    subprocess.run(
        [demand, "run", "p.toml", "--db", "s.duckdb"],
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    with duckdb.connect(str(workdir / "s.duckdb"), read_only=True) as con:
        frame = con.execute(
            "SELECT unique_id, ds, y FROM demand WHERE freq = 'M' "
            "AND measure = 'count' ORDER BY unique_id, ds"
        ).df()
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.tz_localize(None)
    return frame


def forecast_years(
    model_alias: str, data: pd.DataFrame, country: str, lengths: tuple[int, ...]
) -> pd.DataFrame:
    """Forecast `HORIZON` months from each history length; return matched rows."""
    start = data["ds"].min()
    out = []
    for months in lengths:
        cutoff = start + pd.DateOffset(months=months - 1)
        model = make_model(model_alias)
        params = {"country": country, "freq": "M"}
        model.set_params(**{k: v for k, v in params.items() if k in model.get_params()})
        model.fit(data[data["ds"] <= cutoff])
        fc = model.predict(HORIZON, level=(80, 95)).merge(data, on=["unique_id", "ds"])
        step = (fc["ds"].dt.year - cutoff.year) * 12 + fc["ds"].dt.month - cutoff.month
        out.append(fc.assign(history=months, year=(step - 1) // 12 + 1))
    return pd.concat(out, ignore_index=True)


def score_years(fc: pd.DataFrame) -> pd.DataFrame:
    """Return the scores of each forecast year (see the module docstring)."""
    months = fc.assign(
        cov80=(fc["y"] >= fc["lo_80"]) & (fc["y"] <= fc["hi_80"]),
        cov95=(fc["y"] >= fc["lo_95"]) & (fc["y"] <= fc["hi_95"]),
    )
    keys = ["history", "unique_id", "year"]
    annual = months.groupby(keys)[["y", *QUANTILES]].sum()
    annual = annual[months.groupby(keys).size() == 12]
    y = annual["y"]
    loss = sum(
        np.maximum(q * (y - annual[c]), (q - 1) * (y - annual[c]))
        for c, q in QUANTILES.items()
    )
    annual = annual.assign(
        annual80=(y >= annual["lo_80"]) & (y <= annual["hi_80"]),
        annual95=(y >= annual["lo_95"]) & (y <= annual["hi_95"]),
        bias_pct=100 * (annual["mean"] / y - 1),
        abs_err_pct=100 * (annual["mean"] / y - 1).abs(),
        width80_pct=100 * (annual["hi_80"] - annual["lo_80"]) / annual["mean"],
        loss_pct=100 * loss / len(QUANTILES) / y,
    )
    per_year = months.groupby("year")[["cov80", "cov95"]].mean()
    columns = ["annual80", "annual95", "bias_pct", "abs_err_pct", "width80_pct"]
    per_year = per_year.join(annual.groupby("year")[[*columns, "loss_pct"]].mean())
    return per_year.assign(series_years=annual.groupby("year").size())


def markdown(table: pd.DataFrame) -> str:
    """Render a per-year score table as a markdown table."""
    cols = ["year", *table.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for year, row in table.iterrows():
        cells = [
            f"{v:.3f}" if c.startswith(("cov", "annual")) else f"{v:.2f}"
            for c, v in row.items()
        ]
        lines.append(
            f"| {year} | " + " | ".join(cells[:-1]) + f" | {int(row.iloc[-1])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["synthetic", "chicago", "denver"])
    parser.add_argument("--models", nargs="+", default=["auto", "auto_ets"])
    parser.add_argument("--out", type=Path, help="write the tables here (markdown)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(argv or sys.argv[1:])
    lines = [f"Out-year scores, {stamp}; `bench/out_years.py {command}`"]
    with tempfile.TemporaryDirectory() as tmp:
        sets = {
            "synthetic": (lambda: synthetic_force(Path(tmp)), "GB", (36, 48)),
            "chicago": (
                lambda: monthly_sums(SERIES / "chicago_daily.csv"),
                "US",
                (36, 48, 60),
            ),
            "denver": (
                lambda: monthly_sums(SERIES / "denver_daily.csv"),
                "US",
                (36, 48),
            ),
        }
        for name in args.sets:
            load, country, lengths = sets[name]
            data = load()
            for alias in args.models:
                started = time.process_time()
                table = score_years(forecast_years(alias, data, country, lengths))
                cpu = time.process_time() - started
                head = f"{name}, {alias} (histories {lengths} months; CPU {cpu:.0f} s)"
                print(head, flush=True)
                print(table.round(3).to_string(), flush=True)
                lines += ["", f"**{head}**", "", markdown(table)]
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
