"""Hours returned by RCRP: recorded police hours against pre-go-live practice.

Practice is officer hours per mental-health incident (attendance share × hours per
attended incident) fitted on whole months of a window. Its uncertainty comes
from resampling those months (bootstrap); the month-to-month noise of recorded
hours from the spread of monthly residuals scaled by the month's incidents.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

__all__ = ["Practice", "fit_practice", "hours_returned", "project_phase"]

log = logging.getLogger(__name__)

_Z80 = 1.2815515655446004  # standard normal 90th percentile


@dataclass(frozen=True)
class Practice:
    """Police practice on mental-health incidents over a window of months.

    Attributes:
        start: First month fitted.
        end: Last month fitted.
        months: Months fitted.
        incidents: Incidents in them.
        hours_per_incident: Officer hours per incident (attended or not).
        attendance_fraction: Share (0-1) of incidents police attended.
        hours_per_attended_incident: Officer hours per attended incident.
        hours_per_incident_draws: Bootstrap draws of `hours_per_incident`
            (months resampled with replacement).
        noise_hours2_per_incident: Variance of a month's hours about
            incidents × hours per incident, per incident (hours²).
    """

    start: date
    end: date
    months: int
    incidents: float
    hours_per_incident: float
    attendance_fraction: float
    hours_per_attended_incident: float
    hours_per_incident_draws: np.ndarray
    noise_hours2_per_incident: float

    def interval(self) -> tuple[float, float]:
        """80 % interval of hours per incident (10th and 90th percentiles)."""
        lo, hi = np.quantile(self.hours_per_incident_draws, [0.1, 0.9])
        return float(lo), float(hi)


def _noise(incidents: np.ndarray, hours: np.ndarray, rate: float) -> float:
    """Per-incident variance of monthly hours about incidents × rate."""
    if incidents.size < 2:
        return 0.0
    residual = (hours - incidents * rate) / np.sqrt(incidents)
    return float(np.sum(residual**2) / (incidents.size - 1))


def fit_practice(
    months: pd.DataFrame, draws: int = 2000, random_state: int = 0
) -> Practice:
    """Fit practice on months of force-wide mental-health figures.

    Args:
        months: ``month, incidents, attended, hours_recorded`` (one row a month,
            at least two months with incidents).
        draws: Bootstrap resamples of the months.
        random_state: Seed of the resampling.

    Returns:
        The fitted `Practice`.

    Raises:
        ValueError: fewer than two months with incidents.
    """
    rows = months[months["incidents"] > 0].sort_values("month")
    if len(rows) < 2:
        raise ValueError(
            f"{len(rows)} month(s) with mental-health incidents; practice needs two."
        )
    n = rows["incidents"].to_numpy(float)
    hours = rows["hours_recorded"].to_numpy(float)
    attended = rows["attended"].to_numpy(float)
    rate = hours.sum() / n.sum()
    rng = np.random.default_rng(random_state)
    pick = rng.integers(0, n.size, size=(draws, n.size))
    boot = hours[pick].sum(axis=1) / n[pick].sum(axis=1)
    return Practice(
        start=rows["month"].iloc[0].date(),
        end=rows["month"].iloc[-1].date(),
        months=int(n.size),
        incidents=float(n.sum()),
        hours_per_incident=float(rate),
        attendance_fraction=float(attended.sum() / n.sum()),
        hours_per_attended_incident=float(hours.sum() / max(attended.sum(), 1.0)),
        hours_per_incident_draws=boot,
        noise_hours2_per_incident=_noise(n, hours, rate),
    )


def hours_returned(
    months: pd.DataFrame,
    before: Practice,
    productive_hours_per_fte: float,
    random_state: int = 0,
) -> pd.DataFrame:
    """Hours returned each month: the month's incidents at `before` practice
    minus the hours recorded, with 80 % intervals, cumulated, and in FTE.

    The interval allows for the uncertainty of `before` (its bootstrap draws,
    shared by all months, so the cumulative interval widens as it should) and for
    the month's own luck in the recorded hours (the after-period's monthly
    noise, independent between months).

    Args:
        months: Months after go-live: ``month, incidents, hours_recorded``.
        before: Practice fitted before go-live.
        productive_hours_per_fte: Productive hours one FTE gives a year.
        random_state: Seed of the month-noise draws.

    Returns:
        ``month, incidents, counterfactual_hours, hours_recorded, hours_returned,
        hours_returned_lo_80, hours_returned_hi_80, cumulative_hours_returned,
        cumulative_lo_80, cumulative_hi_80, fte_returned`` (FTE: the month's hours
        over a month of one FTE's productive hours).
    """
    rows = months.sort_values("month").reset_index(drop=True)
    n = rows["incidents"].to_numpy(float)
    recorded = rows["hours_recorded"].to_numpy(float)
    rate_after = recorded.sum() / n.sum() if n.sum() else 0.0
    noise = _noise(n[n > 0], recorded[n > 0], rate_after)
    rng = np.random.default_rng(random_state)
    draws = before.hours_per_incident_draws
    luck = rng.standard_normal((draws.size, n.size)) * np.sqrt(noise * n)
    sims = draws[:, None] * n[None, :] - recorded[None, :] + luck
    cumulative = np.cumsum(sims, axis=1)
    point = n * before.hours_per_incident - recorded
    out = rows[["month", "incidents"]].copy()
    out["counterfactual_hours"] = n * before.hours_per_incident
    out["hours_recorded"] = recorded
    out["hours_returned"] = point
    out["hours_returned_lo_80"] = np.quantile(sims, 0.1, axis=0)
    out["hours_returned_hi_80"] = np.quantile(sims, 0.9, axis=0)
    out["cumulative_hours_returned"] = np.cumsum(point)
    out["cumulative_lo_80"] = np.quantile(cumulative, 0.1, axis=0)
    out["cumulative_hi_80"] = np.quantile(cumulative, 0.9, axis=0)
    out["fte_returned"] = point / (productive_hours_per_fte / 12.0)
    return out


def project_phase(
    volumes: pd.DataFrame,
    now: Practice,
    fraction: float,
    start: date,
    productive_hours_per_fte: float,
    random_state: int = 0,
) -> pd.DataFrame:
    """Hours a planned phase would return: a `fraction` of forecast incidents
    from `start` no longer taking police time at today's practice.

    Args:
        volumes: Forecast mental-health incidents: ``month, mean, lo_80, hi_80``.
        now: Practice fitted on recent months (after go-live).
        fraction: Share (0-1) of incidents the phase passes to partners.
        start: First day of the phase; months before it return nothing.
        productive_hours_per_fte: Productive hours one FTE gives a year.
        random_state: Seed of the volume draws.

    Returns:
        ``month, incidents, hours_returned, hours_returned_lo_80,
        hours_returned_hi_80, fte_returned`` from the first month of the phase.
    """
    rows = volumes[volumes["month"] >= pd.Timestamp(start).to_period("M").start_time]
    rows = rows.sort_values("month").reset_index(drop=True)
    mean = rows["mean"].to_numpy(float)
    sd = (rows["hi_80"] - rows["lo_80"]).to_numpy(float) / (2 * _Z80)
    rng = np.random.default_rng(random_state)
    draws = now.hours_per_incident_draws
    volume = np.maximum(mean + sd * rng.standard_normal((draws.size, mean.size)), 0)
    sims = fraction * volume * draws[:, None]
    point = fraction * mean * now.hours_per_incident
    out = pd.DataFrame({"month": rows["month"], "incidents": fraction * mean})
    out["hours_returned"] = point
    out["hours_returned_lo_80"] = np.quantile(sims, 0.1, axis=0)
    out["hours_returned_hi_80"] = np.quantile(sims, 0.9, axis=0)
    out["fte_returned"] = point / (productive_hours_per_fte / 12.0)
    return out
