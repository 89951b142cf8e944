"""True grade mix, time on task and officer hours of incidents, and the RCRP shift."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from demand.synth.calendar import HourGrid
from demand.synth.params import (
    CREWING,
    GRADE_MIX_TARGET,
    GRADE_TIMES,
    INCIDENT_CATEGORIES,
    INCIDENTS_NON_MH,
    MENTAL_HEALTH,
    MH_CATEGORY,
    MH_GRADE_MIX,
    MH_OFFICER_HOURS_SHARE,
    MH_S136,
    TIME_ON_TASK_SIGMA,
)
from demand.synth.profile import NORTHSHIRE, ForceProfile

__all__ = ["GRADES", "UnitTimeModel", "officers_mean", "travel_mean_hours"]

GRADES = ("G1", "G2", "G3", "G4", "RWD")
CATEGORIES = (*INCIDENT_CATEGORIES, MH_CATEGORY)
REGIMES = ("before", "after")
MIN_SCENE_HOURS = 0.1
BASE_HOURS = np.array([GRADE_TIMES[g]["time_on_task_hours"] for g in GRADES[:4]])


def officers_mean(grade: np.ndarray | int) -> np.ndarray:
    """Mean officers attending an incident of grade index `grade` (0 = G1 .. 3 = G4)."""
    means = np.array([np.dot(c, p) for c, p in (CREWING[g] for g in GRADES[:4])])
    return means[grade]


def travel_mean_hours(grade: np.ndarray | int, rural: np.ndarray | bool) -> np.ndarray:
    """Mean lognormal travel time, dispatch to arrival, by grade index and rurality."""
    table = np.array(
        [
            [
                GRADE_TIMES[g][key]
                * np.exp(GRADE_TIMES[g]["travel_sigma"] ** 2 / 2)
                / 60
                for key in ("travel_urban_minutes", "travel_rural_minutes")
            ]
            for g in GRADES[:4]
        ]
    )
    return table[grade, np.asarray(rural).astype(int)]


def _mix(mix: dict[str, float]) -> np.ndarray:
    """Grade mix as an array in `GRADES` order, summing to 1."""
    values = np.array([mix[g] for g in GRADES], dtype=float)
    return values / values.sum()


@dataclass(frozen=True)
class UnitTimeModel:
    """Grade mixes and mean times on task, calibrated to the briefing.

    Attributes:
        non_mh_mix: Grade mix of incidents that are not mental-health related.
        mh_mix: Grade mix of mental-health incidents before and after RCRP.
        mh_time_factor: Multiplier of the grade's base time on task for
            mental-health incidents, before and after RCRP, set so that their share
            of all incident officer hours matches the briefing (9 % then 6 %).
        category_factor: Time-on-task multiplier by opening category (mean 1).
        last_365_counts: Expected incidents in the last 365 days: not mental health,
            mental health before RCRP, mental health after RCRP.
        area_shares: Share of incidents in each area of the force.
        rural: Whether each area is rural.
    """

    non_mh_mix: np.ndarray
    mh_mix: dict[str, np.ndarray]
    mh_time_factor: dict[str, float]
    category_factor: np.ndarray
    last_365_counts: tuple[float, float, float]
    area_shares: np.ndarray
    rural: np.ndarray

    @classmethod
    def calibrate(
        cls,
        grid: HourGrid,
        mh_expected: np.ndarray,
        go_live_utc_seconds: int,
        profile: ForceProfile = NORTHSHIRE,
    ) -> UnitTimeModel:
        """Solve the non-mental-health grade mix and the mental-health time factors.

        Args:
            grid: The hour grid.
            mh_expected: Expected mental-health incidents per grid hour.
            go_live_utc_seconds: When RCRP went live, seconds since the epoch (UTC).
            profile: The force: its size and areas.
        """
        days = grid.day_index
        last = (days >= grid.n_days - 365) & (days < grid.n_days)
        after = grid.utc_seconds >= go_live_utc_seconds
        n_before = float(mh_expected[last & ~after].sum())
        n_after = float(mh_expected[last & after].sum())
        n_non_mh = profile.rate(INCIDENTS_NON_MH).target_per_day * 365
        mh_mix = {r: _mix(MH_GRADE_MIX[r]) for r in REGIMES}
        mh_last = (n_before * mh_mix["before"] + n_after * mh_mix["after"]) / (
            n_before + n_after
        )
        total = n_non_mh + n_before + n_after
        non_mh_mix = (
            _mix(GRADE_MIX_TARGET) * total - mh_last * (n_before + n_after)
        ) / (n_non_mh)
        if np.any(non_mh_mix < 0):
            raise ValueError("The mental-health grade mix cannot reach the target mix.")
        shares = np.array([v[0] for v in INCIDENT_CATEGORIES.values()])
        factors = np.array([v[1] for v in INCIDENT_CATEGORIES.values()])
        factors = factors / np.dot(shares / shares.sum(), factors)
        model = cls(
            non_mh_mix=non_mh_mix,
            mh_mix=mh_mix,
            mh_time_factor={r: 1.0 for r in REGIMES},
            category_factor=np.append(factors, 1.0),
            last_365_counts=(n_non_mh, n_before, n_after),
            area_shares=np.asarray(profile.rate(INCIDENTS_NON_MH).area_shares),
            rural=profile.rural,
        )
        non_mh_hours = model.per_incident(0)["officer_hours_per_incident"]
        # Both components share a trend, so their volume ratio is that of the targets.
        volume_ratio = INCIDENTS_NON_MH.target_per_day / MENTAL_HEALTH.target_per_day
        time_factor = {}
        for index, r in enumerate(REGIMES, start=1):
            share = MH_OFFICER_HOURS_SHARE[r]
            wanted = share / (1 - share) * volume_ratio * non_mh_hours
            time_factor[r] = (
                wanted / model.per_incident(index)["officer_hours_per_incident"]
            )
        return replace(model, mh_time_factor=time_factor)

    def mean_time_on_task_hours(
        self,
        grade: np.ndarray,
        category: np.ndarray,
        regime: np.ndarray,
        s136: np.ndarray,
    ) -> np.ndarray:
        """Mean time on task (dispatch to clear, hours) of each deployed incident.

        Args:
            grade: Grade index, 0 = G1 .. 3 = G4.
            category: Opening-category index (the last is mental health).
            regime: 0 not mental health, 1 mental health before RCRP, 2 after.
            s136: Whether the incident led to a section 136 detention.
        """
        factor = np.array([1.0, *(self.mh_time_factor[r] for r in REGIMES)])[regime]
        s136_factor = np.where(s136, MH_S136["hours_factor"], 1.0)
        mh_hours = BASE_HOURS[grade] * factor * s136_factor
        return np.where(
            regime == 0, BASE_HOURS[grade] * self.category_factor[category], mh_hours
        )

    def _cells(self, regime: int) -> list[tuple[int, int, float, float, float]]:
        """Per-incident cells of a regime: category, grade, weight, hours, officer h.

        Weights sum to 1 over the regime; hours are the mean time on task (0 for RWD)
        and officer hours its product with the mean officers attending.
        """
        mix = self.non_mh_mix if regime == 0 else self.mh_mix[REGIMES[regime - 1]]
        area_shares, rural = self.area_shares, self.rural
        if regime == 0:
            shares = np.array([v[0] for v in INCIDENT_CATEGORIES.values()])
            categories = list(enumerate(shares / shares.sum()))
            s136_options = [(False, 1.0)]
        else:
            categories = [(len(CATEGORIES) - 1, 1.0)]
            p = MH_S136[REGIMES[regime - 1]]
            s136_options = [(False, 1 - p), (True, p)]
        cells = []
        for c, c_share in categories:
            cells.append((c, 4, c_share * mix[4], 0.0, 0.0))
            for g in range(4):
                for s136, s_share in s136_options:
                    mean = self.mean_time_on_task_hours(
                        np.array([g]),
                        np.array([c]),
                        np.array([regime]),
                        np.array([s136]),
                    )[0]
                    travel = travel_mean_hours(np.full(len(rural), g), rural)
                    hours = travel + np.maximum(mean - travel, MIN_SCENE_HOURS)
                    hours = float(np.dot(area_shares, hours))
                    weight = c_share * mix[g] * s_share
                    cells.append((c, g, weight, hours, hours * float(officers_mean(g))))
        return cells

    def per_incident(self, regime: int) -> dict[str, float]:
        """Mean officer hours, attendance and time on task per incident of a regime."""
        cells = np.array([cell[1:] for cell in self._cells(regime)])
        grade, weight, hours, officer_hours = cells.T
        deployed = grade < 4
        attended = weight[deployed].sum()
        return {
            "attendance_rate": round(float(attended), 4),
            "officer_hours_per_incident": float(np.dot(weight, officer_hours)),
            "time_on_task_hours_per_attended_incident": float(
                np.dot(weight, hours) / attended
            ),
        }

    def describe_incidents(self) -> dict:
        """Truth of all incidents over the last 365 days: grade mix and unit times."""
        rows = []
        for regime, count in enumerate(self.last_365_counts):
            for c, g, w, hours, officer_hours in self._cells(regime):
                rows.append((c, g, w * count, hours, officer_hours))
        table = np.array(rows)
        category, grade, weight, hours, officer_hours = table.T
        deployed = grade < 4

        def mean_by(key: np.ndarray, names, values: np.ndarray, mask: np.ndarray):
            out = {}
            for index, name in enumerate(names):
                hit = mask & (key == index)
                if weight[hit].sum() > 0:
                    out[name] = round(
                        float(np.average(values[hit], weights=weight[hit])), 4
                    )
            return out

        everything = np.ones_like(deployed)
        mix = {
            g: round(float(weight[grade == i].sum() / weight.sum()), 4)
            for i, g in enumerate(GRADES)
        }
        return {
            "grade_mix_target": GRADE_MIX_TARGET,
            "grade_mix_expected_last_365": mix,
            "grade_mix_not_mental_health": dict(
                zip(GRADES, self.non_mh_mix.round(4).tolist(), strict=True)
            ),
            "officers_attending_mean": dict(
                zip(
                    GRADES[:4],
                    officers_mean(np.arange(4)).round(4).tolist(),
                    strict=True,
                )
            ),
            "unit_times_window": "last_365_days",
            "time_on_task_hours": {
                "by_grade": mean_by(grade, GRADES[:4], hours, deployed),
                "by_category": mean_by(category, CATEGORIES, hours, deployed),
                "all_deployed": round(
                    float(np.average(hours[deployed], weights=weight[deployed])), 4
                ),
            },
            "officer_hours_per_deployed_incident": {
                "by_grade": mean_by(grade, GRADES[:4], officer_hours, deployed),
                "by_category": mean_by(category, CATEGORIES, officer_hours, deployed),
            },
            "officer_hours_per_incident": {
                "by_category": mean_by(category, CATEGORIES, officer_hours, everything),
                "all": round(float(np.average(officer_hours, weights=weight)), 4),
            },
            "response_parameters": {
                "grade_times": GRADE_TIMES,
                "crewing": {
                    g: {"officers": list(c), "probabilities": list(p)}
                    for g, (c, p) in CREWING.items()
                },
                "time_on_task_sigma": TIME_ON_TASK_SIGMA,
                "category_time_factor": dict(
                    zip(CATEGORIES, self.category_factor.round(4).tolist(), strict=True)
                ),
            },
        }

    def describe_rcrp(self) -> dict:
        """Truth of Right Care Right Person: mental-health attendance and hours."""
        out = {}
        for index, r in enumerate(REGIMES, start=1):
            figures = self.per_incident(index)
            out[r] = {
                "grade_mix": dict(
                    zip(GRADES, self.mh_mix[r].round(4).tolist(), strict=True)
                ),
                "attendance_rate": figures["attendance_rate"],
                "officer_hours_per_incident": round(
                    figures["officer_hours_per_incident"], 4
                ),
                "officer_hours_per_attended_incident": round(
                    figures["officer_hours_per_incident"] / figures["attendance_rate"],
                    4,
                ),
                "time_on_task_hours_per_attended_incident": round(
                    figures["time_on_task_hours_per_attended_incident"], 4
                ),
                "s136_fraction_of_attended": MH_S136[r],
                "time_factor": round(self.mh_time_factor[r], 4),
                "officer_hours_share_of_incidents": MH_OFFICER_HOURS_SHARE[r],
            }
        return out
