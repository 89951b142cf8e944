"""Forecast demand × unit time → workload hours and FTE, with intervals carried."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from demand.capacity.assumptions import Assumptions
from demand.capacity.call_handling import HOURS_PER_WEEK, erlang_hours
from demand.capacity.demand_lines import QUANTILES, demand_lines
from demand.periods import (
    FINANCIAL_YEAR_START_MONTH,
    financial_year,
    financial_year_start,
)
from demand.series_ids import parse_unique_id

__all__ = [
    "HOURS_PER_WEEK",
    "QUANTILES",
    "available_hours_per_fte",
    "demand_lines",
    "department_workload",
    "fte_per_post",
    "line_hours",
    "parse_unique_id",
    "productive_hours_per_fte",
    "required_fte",
]

_Z = {"80": float(norm.ppf(0.90)), "95": float(norm.ppf(0.975))}


def productive_hours_per_fte(assumptions: Assumptions) -> float:
    """Hours a year one FTE spends on demand: contracted × (1 − abstractions) ×
    on-duty productive fraction (2,080 × 0.8 × 0.875 = 1,456 h, Crest's 70 %)."""
    return available_hours_per_fte(assumptions) * (
        assumptions.workforce.on_duty_productive_fraction
    )


def available_hours_per_fte(assumptions: Assumptions) -> float:
    """Hours a year one FTE is on duty: contracted × (1 − abstractions) + overtime."""
    w, a = assumptions.workforce, assumptions.abstractions
    on_duty = w.contracted_hours_per_fte_per_year * (1.0 - a.total_fraction)
    return on_duty + w.overtime_hours_per_fte_per_year


def fte_per_post(
    post_hours_per_year: float = 8760.0,
    contracted_hours_per_fte_per_year: float = 2080.0,
    available_fraction: float = 0.8,
) -> float:
    """FTE needed to fill one post: post hours ÷ (contracted × available fraction).

    A 24/7 post (8,760 h) needs 8,760 / (2,080 × 0.8) = 5.26 FTE (domain notes §8.4).
    """
    return post_hours_per_year / (
        contracted_hours_per_fte_per_year * available_fraction
    )


def required_fte(workload_hours: float, productive_hours_per_fte: float) -> float:
    """FTE to carry a workload: hours ÷ productive hours per FTE over the same span.

    E.g. 29,000 h a month at 111.5 productive h per officer-month is 260 officers
    (Crest, Nottinghamshire; domain notes §3.1).
    """
    if productive_hours_per_fte <= 0:
        raise ValueError("productive_hours_per_fte must be > 0.")
    return workload_hours / productive_hours_per_fte


def _period_hours(ds: pd.Series) -> pd.Series:
    """Length of each period in hours: calendar months if ds are month starts."""
    ds = pd.to_datetime(ds)
    monthly = bool((ds.dt.day == 1).all() and (ds.dt.hour == 0).all())
    if monthly:
        return ds.dt.days_in_month.astype(float) * 24.0
    steps = ds.drop_duplicates().sort_values().diff().dropna()
    step = steps.min() if len(steps) else pd.Timedelta(days=1)
    return pd.Series(step.total_seconds() / 3600.0, index=ds.index)


def line_hours(
    lines: pd.DataFrame,
    assumptions: Assumptions,
    call_profiles: Mapping[str, Sequence[float]] | None = None,
) -> pd.DataFrame:
    """Add workload hours at the mean and each bound of every line-period.

    Linear lines: hours = count × unit_hours. Erlang lines: each period's calls
    are spread over the 168 hours of the week by the line's profile, each hour is
    sized (Erlang C, or A with a patience) to the line's answer target, and agent
    hours are summed. Both maps rise with demand, so a bound of demand maps to
    the same bound of hours (quantile mapping).

    Args:
        lines: Output of `demand_lines`.
        assumptions: The force's assumptions (call lines).
        call_profiles: Share of a week's calls in each hour of the week (168
            values, Monday 00:00 first) by line; flat where not given.

    Returns:
        ``lines`` with ``hours_mean, hours_lo_80, hours_hi_80, hours_lo_95,
        hours_hi_95`` (hours per period) and ``period_hours``.
    """
    out = lines.copy()
    out["period_hours"] = _period_hours(out["ds"]).to_numpy()
    linear = out["method"].eq("linear")
    for q in QUANTILES:
        out[f"hours_{q}"] = np.where(linear, out[q] * out["unit_hours"], np.nan)
    profiles = call_profiles or {}
    for key, idx in out[~linear].groupby("key").groups.items():
        profile = np.asarray(profiles.get(key, np.full(HOURS_PER_WEEK, 1 / 168)))
        profile = profile / profile.sum()
        line = assumptions.call_lines[key]
        rows = out.loc[idx]
        for q in QUANTILES:
            out.loc[idx, f"hours_{q}"] = erlang_hours(
                rows[q].to_numpy(), rows["period_hours"].to_numpy(), profile, line
            )
    return out


def _sd(frame: pd.DataFrame, side: str) -> pd.Series:
    """Normal sd of hours below (side "lo") or above ("hi") the mean."""
    estimates = []
    for level, z in _Z.items():
        bound = frame[f"hours_{side}_{level}"]
        gap = (
            frame["hours_mean"] - bound if side == "lo" else bound - frame["hours_mean"]
        )
        estimates.append(gap.clip(lower=0) / z)
    return pd.concat(estimates, axis=1).mean(axis=1).fillna(0.0)


def _combine(sd: pd.Series, correlation: float) -> float:
    """Sd of a sum whose terms have pairwise correlation `correlation`."""
    s = sd.to_numpy()
    return float(np.sqrt((1 - correlation) * np.sum(s**2) + correlation * s.sum() ** 2))


def department_workload(
    hours: pd.DataFrame,
    assumptions: Assumptions,
    time_correlation: float = 1.0,
    series_correlation: float = 0.5,
    start_month: int = FINANCIAL_YEAR_START_MONTH,
) -> pd.DataFrame:
    """Sum line hours to department and financial year, with FTE and intervals.

    Each line-period's hours are read as a two-piece normal: the sd below the mean
    from its lower bounds, above from its upper (each averaged over the 80 % and
    95 % bounds), so skewed forecast intervals stay skewed. Sums over periods of a
    line use ``time_correlation`` between periods (1.0 by default: a strategic
    forecast's error in level persists over the horizon, the cautious choice);
    lines split from one forecast by fixed shares (same ``source_line``) add at
    correlation 1, as they are one forecast's error; sums over forecasts of a
    department use ``series_correlation`` (0.5: streams share drivers such as
    population and the night-time economy). Bounds are then mean
    ∓ z·sd, floored at 0.

    Args:
        hours: Output of `line_hours`.
        assumptions: The force's assumptions (productive hours).
        time_correlation: Correlation (0-1) of a line's errors between periods.
        series_correlation: Correlation (0-1) of errors between lines.
        start_month: Month (1-12) financial years start in (4: the UK's April).

    Returns:
        One row per ``department, financial_year`` with ``periods``,
        ``year_fraction`` (share of the year the periods cover), ``hours_mean``,
        ``hours_lo_80 .. hours_hi_95``, ``hours_sd_lo, hours_sd_hi`` (hours in the
        covered part of the year), ``productive_hours_per_fte`` (a full year) and
        ``fte_mean, fte_lo_80 .. fte_hi_95`` (FTE over the covered part).
    """
    fys = financial_year(hours["ds"], start_month).to_numpy()
    frame = hours.assign(financial_year=fys)
    frame["sd_lo"], frame["sd_hi"] = _sd(frame, "lo"), _sd(frame, "hi")
    productive = productive_hours_per_fte(assumptions)
    rows = []
    source_line = frame.get("source_line", frame["line"])
    frame["source_line"] = source_line.fillna(frame["line"])
    for (dept, fy), group in frame.groupby(["department", "financial_year"], sort=True):
        per_line = group.groupby("line")
        sd = {
            side: per_line[f"sd_{side}"].apply(lambda s: _combine(s, time_correlation))
            for side in ("lo", "hi")
        }
        # Lines split from one forecast by fixed shares are one error, not
        # several: their sds add (correlation 1) before forecasts are combined.
        source = per_line["source_line"].first()
        sd = {side: values.groupby(source).sum() for side, values in sd.items()}
        sd_lo = _combine(sd["lo"], series_correlation)
        sd_hi = _combine(sd["hi"], series_correlation)
        covered = group.drop_duplicates("ds")["period_hours"].sum()
        start = financial_year_start(fy, start_month)
        year_hours = (start + pd.DateOffset(years=1) - start).days * 24
        mean = float(group["hours_mean"].sum())
        row = {
            "department": dept,
            "financial_year": fy,
            "periods": int(group["ds"].nunique()),
            "year_fraction": covered / year_hours,
            "hours_mean": mean,
        }
        for level, z in _Z.items():
            row[f"hours_lo_{level}"] = max(mean - z * sd_lo, 0.0)
            row[f"hours_hi_{level}"] = mean + z * sd_hi
        row |= {
            "hours_sd_lo": sd_lo,
            "hours_sd_hi": sd_hi,
            "productive_hours_per_fte": productive,
        }
        rows.append(row)
    out = pd.DataFrame(rows)
    capacity_hours = out["productive_hours_per_fte"] * out["year_fraction"]
    for q in QUANTILES:
        out[f"fte_{q}"] = out[f"hours_{q}"] / capacity_hours
    return out
