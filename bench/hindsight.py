"""Hindsight bounds: the MASE of fits that have seen the protocol's test windows.

Not a forecast and never a candidate: each "oracle" below uses the periods it
is scored on, which the protocol forbids. It answers one question for the
accuracy target (`auto`'s MASE at most 0.95 x the best reference's): how low can
MASE go on these series with the structure our models have, even knowing the
test periods? If a fit that has seen them cannot reach the bound, no honest
forecast will.

Daily files: a Poisson regression on the calendar every calendar model here uses
(`harmonic_exog`: weekday and yearly Fourier terms, weekday x season, named
holidays and special days) plus a piecewise-linear trend with a knot every K days
(365, 91 or 28: the last one knows each test window's level), fitted on the
four years before the first cutoff through the last day. Also the Poisson part
alone: `E|Y - mu| / s` with the fitted mu taken as the truth.

Hourly file: the actual total of each test week (or day), split into hours by an
hour-of-week profile of the last 52 weeks, test weeks included.

MASE is scored as the protocol scores it (`s_k`: the seasonal-naive MAE of
cutoff k's training window), and averaged over each file's series.

Example:
    .venv/bin/python bench/hindsight.py > bench/out/hindsight.md
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from demand.forecast.backtest import protocol_cutoffs
from demand.forecast.harmonic import harmonic_exog
from demand.forecast.metrics import seasonal_naive_mae

SERIES_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "series"
DAILY = {"denver_daily": "US", "chicago_daily": "US"}
KNOT_DAYS = (365, 91, 28)
TRAIN_DAYS = 1461


def _poisson_abs_error(mu: np.ndarray) -> np.ndarray:
    """Return E|Y - mu| for Y ~ Poisson(mu), elementwise."""
    k = np.arange(int(mu.max() * 2 + 60))[:, None]
    return (np.abs(k - mu[None, :]) * stats.poisson.pmf(k, mu[None, :])).sum(axis=0)


def _scores(oracle: str, actual: np.ndarray, mu: np.ndarray, s: float) -> dict:
    """Return one oracle's MASE with mean and Poisson-median points, and the
    Poisson part of its error, each scaled by `s`."""
    median = stats.poisson.ppf(0.5, mu)
    return {
        "oracle": oracle,
        "mase": np.mean(np.abs(actual - mu)) / s,
        "mase_median": np.mean(np.abs(actual - median)) / s,
        "poisson_part": np.mean(_poisson_abs_error(mu)) / s,
    }


def _scale(y: pd.Series, cutoff: pd.Timestamp, m: int, window: int | None) -> float:
    """Return the protocol's MASE scale for `cutoff` (seasonal-naive MAE)."""
    train = y[y.index <= cutoff]
    return seasonal_naive_mae(train.to_numpy()[-window:] if window else train, m)


def daily_hindsight(y: pd.Series, country: str, cutoffs: list) -> list[dict]:
    """Score the hindsight calendar regressions on one daily stream."""
    span = y[y.index > cutoffs[0] - pd.Timedelta(days=TRAIN_DAYS)]
    calendar = harmonic_exog(span.index, "D", 7, country, None, 6)
    calendar = calendar.loc[:, calendar.std() > 1e-9].to_numpy()
    t = np.arange(span.size, dtype=float)
    rows = []
    for days in KNOT_DAYS:
        trend = [t] + [np.maximum(t - k, 0.0) for k in range(days, span.size, days)]
        x = np.column_stack([np.ones(span.size), *trend, calendar])
        with warnings.catch_warnings():
            # Some holiday flags coincide (a named holiday is also a special
            # day): the coefficients are not unique, the fitted mu is.
            warnings.simplefilter(
                "ignore", sm.tools.sm_exceptions.SingularMatrixWarning
            )
            fit = sm.GLM(span.to_numpy(), x, family=sm.families.Poisson()).fit()
        mu = pd.Series(fit.predict(x), index=span.index)
        for cutoff in cutoffs:
            s = _scale(y, cutoff, 7, TRAIN_DAYS)
            test = y[(y.index > cutoff) & (y.index <= cutoff + pd.Timedelta(days=28))]
            m = mu.reindex(test.index).to_numpy()
            oracle = f"calendar + trend knot every {days} days"
            rows.append(_scores(oracle, test.to_numpy(), m, s))
    return rows


def hourly_hindsight(y: pd.Series, cutoffs: list) -> list[dict]:
    """Score the split-known-totals oracles on the hourly stream."""
    recent = y[y.index > y.index[-1] - pd.Timedelta(weeks=52)]
    hour_of_week = recent.index.day_of_week * 24 + recent.index.hour
    day_total = recent.groupby(recent.index.normalize()).transform("sum")
    week_total = recent.groupby(recent.index.to_period("W")).transform("sum")
    of_day = (recent / day_total).groupby(hour_of_week).mean()  # 1 a day
    of_week = (recent / week_total).groupby(hour_of_week).mean()  # 1 a week
    rows = []
    for cutoff in cutoffs:
        s = _scale(y, cutoff, 168, None)
        test = y[(y.index > cutoff) & (y.index <= cutoff + pd.Timedelta(hours=168))]
        how = test.index.day_of_week * 24 + test.index.hour
        days = test.groupby(test.index.normalize()).transform("sum").to_numpy()
        for oracle, mu in (
            (
                "actual week total x hour-of-week profile",
                test.sum() * of_week.reindex(how).to_numpy(),
            ),
            (
                "actual day totals x hour-of-day profile",
                days * of_day.reindex(how).to_numpy(),
            ),
        ):
            rows.append(_scores(oracle, test.to_numpy(), mu, s))
    return rows


def run(series_dir: Path) -> pd.DataFrame:
    """Return the mean hindsight MASE per (file, oracle), averaged over streams."""
    out = []
    for name, country in [*DAILY.items(), ("denver_hourly", None)]:
        frame = pd.read_csv(series_dir / f"{name}.csv", parse_dates=["ds"])
        freq = "h" if country is None else "D"
        cutoffs = list(protocol_cutoffs(frame, freq).cutoffs)
        for uid, stream in frame.groupby("unique_id"):
            y = stream.set_index("ds")["y"].astype(float)
            rows = (
                hourly_hindsight(y, cutoffs)
                if country is None
                else daily_hindsight(y, country, cutoffs)
            )
            out += [r | {"file": name, "unique_id": uid} for r in rows]
    per_stream = pd.DataFrame(out).groupby(["file", "oracle", "unique_id"], sort=False)
    per_stream = per_stream.mean()
    return per_stream.groupby(["file", "oracle"], sort=False).mean().reset_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series-dir", type=Path, default=SERIES_DIR)
    args = parser.parse_args()
    table = run(args.series_dir)
    lines = [
        "| file | hindsight fit | MASE, mean point | MASE, median point "
        "| Poisson part |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.file} | {r.oracle} | {r.mase:.3f} | {r.mase_median:.3f} "
        f"| {r.poisson_part:.3f} |"
        for r in table.itertuples()
    ]
    print("\n".join(lines))  # noqa: T201 - the table is the output


if __name__ == "__main__":
    main()
