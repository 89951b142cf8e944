"""Generator of command-and-control incidents and their mental-health (RCRP) subset."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyarrow as pa

from demand.synth.calendar import (
    SECONDS_PER_DAY,
    HourGrid,
    local_midnight_utc_seconds,
    to_local_seconds,
)
from demand.synth.formats import (
    DMY_HM,
    YYYYMMDD,
    Extract,
    format_decimal,
    format_local,
    format_reference,
    local_calendar,
    serial_within,
    take_labels,
)
from demand.synth.intensity import (
    combine_expected,
    describe_rate,
    hourly_rate,
    sample_arrivals,
)
from demand.synth.params import (
    CREWING,
    GRADE_TIMES,
    INCIDENT_CATEGORIES,
    INCIDENTS_NON_MH,
    MENTAL_HEALTH,
    MH_CATEGORY,
    MH_QUALIFIERS,
    MH_S136,
    RCRP_CATEGORIES,
    RCRP_GO_LIVE,
    RCRP_QUALIFIER_FRACTION,
    TIME_ON_TASK_SIGMA,
)
from demand.synth.profile import NORTHSHIRE, ForceProfile
from demand.synth.unit_times import (
    GRADES,
    MIN_SCENE_HOURS,
    UnitTimeModel,
    travel_mean_hours,
)

__all__ = ["generate_incidents"]

GRADE_CODES = ("1", "2", "3", "4", "R")
CATEGORIES = (*INCIDENT_CATEGORIES, MH_CATEGORY)
QUALIFIERS = ("DA", "MH", "VULNERABLE", "CHILD", "ASB", "ALCOHOL", "INJURY", "RCRP")
REGIMES = ("before", "after")

INCIDENT_CANONICAL = {
    "Incident Number": "incident_id",
    "Created": "created_at",
    "Grade": "grade",
    "Opening Category": "category",
    "LPA": "area",
    "Dispatched": "dispatched_at",
    "Arrived": "arrived_at",
    "Cleared": "cleared_at",
    "Officer Hours": "officer_hours",
    "Qualifiers": "qualifiers",
}
MH_CANONICAL = {
    "Incident Number": "incident_id",
    "Created": "created_at",
    "LPA": "area",
    "RCRP Category": "rcrp_category",
    "Police Attended": "police_attended",
    "S136": "s136",
    "Officer Hours": "officer_hours",
}


def _qualifier_probabilities() -> np.ndarray:
    """Probability of each qualifier (columns) by opening category (rows)."""
    table = np.zeros((len(CATEGORIES), len(QUALIFIERS)))
    for row, (_share, _factor, flags) in enumerate(INCIDENT_CATEGORIES.values()):
        for flag, p in flags.items():
            table[row, QUALIFIERS.index(flag)] = p
    for flag, p in MH_QUALIFIERS.items():
        table[-1, QUALIFIERS.index(flag)] = p
    return table


def _qualifier_text(rng: np.random.Generator, category: np.ndarray, rcrp: np.ndarray):
    """Draw each incident's qualifiers and join them with `;` (empty when none)."""
    flags = (
        rng.random((category.size, len(QUALIFIERS)))
        < _qualifier_probabilities()[category]
    )
    flags[:, QUALIFIERS.index("RCRP")] = rcrp
    codes = flags.astype(np.int64) @ (1 << np.arange(len(QUALIFIERS)))
    unique, inverse = np.unique(codes, return_inverse=True)
    texts = [
        ";".join(q for bit, q in enumerate(QUALIFIERS) if code >> bit & 1)
        for code in unique.tolist()
    ]
    return take_labels(texts, inverse.astype(np.int64))


def _draw_from_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """Draw one index per row of a (rows x options) probability matrix."""
    cdf = np.cumsum(probabilities, axis=1)
    cdf[:, -1] = 1.0
    return (rng.random(len(cdf))[:, None] > cdf).sum(axis=1)


def _lognormal_minutes(
    rng: np.random.Generator, grade: np.ndarray, median_key: str, sigma_key: str
) -> np.ndarray:
    """Draw lognormal minutes whose median and log-sd depend on the grade index."""
    times = [GRADE_TIMES[name] for name in GRADES[:4]]
    median = np.array([t[median_key] for t in times])[grade]
    sigma = np.array([t[sigma_key] for t in times])[grade]
    return median * np.exp(sigma * rng.standard_normal(grade.size))


def _sample_response(
    rng: np.random.Generator,
    model: UnitTimeModel,
    grade: np.ndarray,
    category: np.ndarray,
    regime: np.ndarray,
    rural: np.ndarray,
    s136: np.ndarray,
) -> dict[str, np.ndarray]:
    """Draw dispatch delay, travel, time at scene and officers of every incident.

    Time at scene is drawn around the mean time on task less the mean travel time,
    so that the mean time on task (dispatch to clear) is the model's.

    Returns:
        `dispatch_minutes`, `travel_minutes`, `scene_hours` and `officers`, for all
        incidents (the caller ignores them where the incident was not deployed).
    """
    g = np.minimum(grade, 3)
    dispatch = _lognormal_minutes(rng, g, "dispatch_median_minutes", "dispatch_sigma")
    times = [GRADE_TIMES[name] for name in GRADES[:4]]
    travel_median = np.array(
        [[t["travel_urban_minutes"], t["travel_rural_minutes"]] for t in times]
    )[g, rural.astype(int)]
    travel_sigma = np.array([t["travel_sigma"] for t in times])[g]
    travel = travel_median * np.exp(travel_sigma * rng.standard_normal(g.size))
    mean_hours = model.mean_time_on_task_hours(g, category, regime, s136)
    scene_mean = np.maximum(mean_hours - travel_mean_hours(g, rural), MIN_SCENE_HOURS)
    sigma = TIME_ON_TASK_SIGMA
    scene = scene_mean * np.exp(sigma * rng.standard_normal(g.size) - sigma**2 / 2)
    crews = [CREWING[name] for name in GRADES[:4]]
    width = max(len(counts) for counts, _p in crews)
    counts = np.array([np.pad(c, (0, width - len(c))) for c, _p in crews])
    chances = np.array([np.pad(p, (0, width - len(p))) for _c, p in crews])
    officers = counts[g, _draw_from_rows(rng, chances[g])]
    return {
        "dispatch_minutes": dispatch,
        "travel_minutes": travel,
        "scene_hours": scene,
        "officers": officers,
    }


def _local_after(utc: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """Local wall-clock seconds of `minutes` after each UTC instant."""
    return to_local_seconds(utc + np.rint(minutes * 60).astype(np.int64))


def _rcrp_hours_returned_by_month(
    grid: HourGrid, mh_expected: np.ndarray, model: UnitTimeModel
) -> list[dict]:
    """Expected police hours RCRP returns in each local month after go-live.

    From the generating parameters only: expected mental-health incidents of the
    month (the noise-free rate) × (officer hours per incident before − after).
    """
    before = model.per_incident(1)["officer_hours_per_incident"]
    after = model.per_incident(2)["officer_hours_per_incident"]
    daily = grid.day_sum(mh_expected)[: grid.n_days]
    months: dict[str, float] = {}
    for index, expected in enumerate(daily.tolist()):
        day = grid.start + timedelta(days=index)
        if day >= RCRP_GO_LIVE:
            key = day.replace(day=1).isoformat()
            months[key] = months.get(key, 0.0) + expected
    return [
        {
            "month": month,
            "expected_incidents": round(n, 2),
            "counterfactual_officer_hours": round(n * before, 2),
            "expected_officer_hours": round(n * after, 2),
            "hours_returned": round(n * (before - after), 2),
        }
        for month, n in months.items()
    ]


def generate_incidents(
    rng: np.random.Generator, grid: HourGrid, profile: ForceProfile = NORTHSHIRE
) -> tuple[Extract, Extract, dict, dict]:
    """Generate incidents (with dispatch, arrival, clear and officer hours) and RCRP.

    Mental-health incidents are a component of their own (level, season, grade mix
    before and after Right Care Right Person) merged into the incident stream; the
    same incident numbers make up the `mental_health/` extract.

    Args:
        rng: Random generator of this stream.
        grid: The hour grid.
        profile: The force: its areas, size and growth.

    Returns:
        The `incidents/` and `mental_health/` extracts and their truth records.
    """
    go_live = local_midnight_utc_seconds(RCRP_GO_LIVE)
    non_mh_rate, mh_rate = profile.rate(INCIDENTS_NON_MH), profile.rate(MENTAL_HEALTH)
    non_mh_expected, non_mh_base = hourly_rate(grid, non_mh_rate)
    mh_expected, mh_base = hourly_rate(grid, mh_rate)
    model = UnitTimeModel.calibrate(grid, mh_expected, go_live, profile)
    non_mh = sample_arrivals(
        rng, grid, non_mh_expected, non_mh_rate.daily_gamma_shape
    ).utc_seconds
    mh = sample_arrivals(rng, grid, mh_expected, mh_rate.daily_gamma_shape)
    utc = np.concatenate([non_mh, mh.utc_seconds])
    order = np.argsort(utc, kind="stable")
    utc = utc[order]
    is_mh = np.repeat([False, True], [non_mh.size, mh.utc_seconds.size])[order]
    n = utc.size
    after = utc >= go_live
    regime = np.where(is_mh, 1 + after, 0)  # 0 not MH, 1 MH before, 2 MH after

    shares = np.array([v[0] for v in INCIDENT_CATEGORIES.values()])
    drawn = rng.choice(len(shares), size=n, p=shares / shares.sum())
    category = np.where(is_mh, len(CATEGORIES) - 1, drawn)
    grade_mix = np.vstack([model.non_mh_mix, *(model.mh_mix[r] for r in REGIMES)])
    grade = _draw_from_rows(rng, grade_mix[regime])
    deployed = grade < 4
    area = rng.choice(len(profile.areas), size=n, p=non_mh_rate.area_shares)
    rural = profile.rural[area]
    s136_chance = np.array([0.0, MH_S136["before"], MH_S136["after"]])
    s136 = deployed & (rng.random(n) < s136_chance[regime])
    response = _sample_response(rng, model, grade, category, regime, rural, s136)
    rcrp_qualifier = is_mh & after & (rng.random(n) < RCRP_QUALIFIER_FRACTION)
    qualifiers = _qualifier_text(rng, category, rcrp_qualifier)
    rcrp_names = list(RCRP_CATEGORIES)
    rcrp_p = np.array(list(RCRP_CATEGORIES.values()))
    rcrp_p = rcrp_p / rcrp_p.sum()
    rcrp_category = rng.choice(len(rcrp_names), size=n, p=rcrp_p)

    # Text columns. Not deployed (RWD): no dispatch, arrival, clear or officer hours.
    dispatch_minutes = response["dispatch_minutes"]
    arrive_minutes = dispatch_minutes + response["travel_minutes"]
    clear_minutes = arrive_minutes + response["scene_hours"] * 60
    on_task_hours = (clear_minutes - dispatch_minutes) / 60
    officer_hours = on_task_hours * response["officers"]
    created = to_local_seconds(utc)
    not_deployed = ~deployed
    incident_number = format_reference(
        [
            "NS-",
            format_local(created, YYYYMMDD),
            "-",
            serial_within(np.floor_divide(created, SECONDS_PER_DAY), 4),
        ]
    )
    created_text = format_local(created, DMY_HM)
    area_text = take_labels(profile.area_names, area)
    hours_text = format_decimal(officer_hours, missing=not_deployed)
    columns = {
        "Incident Number": incident_number,
        "Created": created_text,
        "Grade": take_labels(GRADE_CODES, grade),
        "Opening Category": take_labels(CATEGORIES, category),
        "LPA": area_text,
        "Dispatched": format_local(
            _local_after(utc, dispatch_minutes), DMY_HM, missing=not_deployed
        ),
        "Arrived": format_local(
            _local_after(utc, arrive_minutes), DMY_HM, missing=not_deployed
        ),
        "Cleared": format_local(
            _local_after(utc, clear_minutes), DMY_HM, missing=not_deployed
        ),
        "Officer Hours": hours_text,
        "Qualifiers": qualifiers,
    }
    month_index = local_calendar(created)["month_index"]
    incidents = Extract(
        "incidents", "incidents", columns, month_index, INCIDENT_CANONICAL, DMY_HM
    )

    rows = pa.array(np.flatnonzero(is_mh))
    yes_no = ("No", "Yes")
    mh_columns = {
        "Incident Number": incident_number,
        "Created": created_text,
        "LPA": area_text,
        "RCRP Category": take_labels(rcrp_names, rcrp_category, missing=~after),
        "Police Attended": take_labels(yes_no, deployed.astype(np.int8)),
        "S136": take_labels(yes_no, s136.astype(np.int8)),
        "Officer Hours": hours_text,
    }
    mental_health = Extract(
        "mental_health",
        "mh",
        {header: column.take(rows) for header, column in mh_columns.items()},
        month_index[is_mh],
        MH_CANONICAL,
        DMY_HM,
    )

    non_mh_truth = describe_rate(grid, non_mh_rate, non_mh_expected, non_mh_base)
    mh_truth = describe_rate(grid, mh_rate, mh_expected, mh_base)
    incident_truth = {
        "components": {"not_mental_health": non_mh_truth, "mental_health": mh_truth},
        **combine_expected([non_mh_truth, mh_truth]),
        "area_shares": profile.shares_of(non_mh_rate),
        "category_shares_not_mental_health": {
            c: round(float(s), 4)
            for c, s in zip(INCIDENT_CATEGORIES, shares / shares.sum(), strict=True)
        },
        **model.describe_incidents(),
    }
    mh_truth = mh_truth | {
        "rcrp_go_live": RCRP_GO_LIVE.isoformat(),
        "rcrp": model.describe_rcrp(),
        "rcrp_category_mix": dict(
            zip(rcrp_names, rcrp_p.round(4).tolist(), strict=True)
        ),
        "rcrp_qualifier_fraction_after": RCRP_QUALIFIER_FRACTION,
        "rcrp_hours_returned_by_month": _rcrp_hours_returned_by_month(
            grid, mh_expected, model
        ),
    }
    return incidents, mental_health, incident_truth, mh_truth
