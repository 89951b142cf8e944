"""Generators of the calls, missing-person and recorded-crime extracts."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from demand.synth.calendar import (
    SECONDS_PER_DAY,
    HourGrid,
    local_midnight_utc_seconds,
    to_local_seconds,
)
from demand.synth.formats import (
    DMY_HM,
    DMY_HMS,
    ISO_HMS,
    YYMMDD,
    Extract,
    format_decimal,
    format_integer,
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
    AGE_BANDS,
    CALL_HANDLING,
    CALLS_101,
    CALLS_999,
    CRIME_DOMESTIC_PER_DAY,
    CRIME_RATE,
    CRIME_TOTAL_PER_DAY,
    MISSING_PERSONS,
    MISSING_REPEAT_FRACTION,
    MISSING_RISKS,
    OFFENCE_GROUPS,
    OUTCOME_MEAN_DELAY_DAYS,
    OUTCOMES,
)
from demand.synth.profile import NORTHSHIRE, ForceProfile

__all__ = ["generate_calls", "generate_missing_persons", "generate_crimes"]


def _lognormal(
    rng: np.random.Generator,
    median: np.ndarray | float,
    sigma: np.ndarray | float,
    n: int,
) -> np.ndarray:
    """Draw `n` lognormal values with the given median(s) and log-sd(s)."""
    return np.asarray(median) * np.exp(np.asarray(sigma) * rng.standard_normal(n))


def _normalised(weights: dict[str, float]) -> tuple[list[str], np.ndarray]:
    """Return the keys and their weights scaled to sum to 1."""
    values = np.array(list(weights.values()), dtype=float)
    return list(weights), values / values.sum()


def generate_calls(
    rng: np.random.Generator, grid: HourGrid, profile: ForceProfile = NORTHSHIRE
) -> tuple[Extract, dict]:
    """Generate 999 and 101 calls with waits, talk times and abandonment.

    Args:
        rng: Random generator of this stream.
        grid: The hour grid.
        profile: The force: its areas, size and growth.

    Returns:
        The `calls/` extract and its truth record.
    """
    truth: dict = {"lines": {}}
    utc_parts, line_parts = [], []
    lines = (("999", profile.rate(CALLS_999)), ("101", profile.rate(CALLS_101)))
    for code, (line_name, rate) in enumerate(lines):
        expected, base = hourly_rate(grid, rate)
        arrivals = sample_arrivals(rng, grid, expected, rate.daily_gamma_shape)
        utc_parts.append(arrivals.utc_seconds)
        line_parts.append(np.full(arrivals.utc_seconds.size, code, dtype=np.int8))
        handling = CALL_HANDLING[line_name]
        # Waits are written in whole seconds, so "within 10 s" is a wait below 10.5 s.
        z = math.log(10.5 / handling["wait_median_seconds"]) / handling["wait_sigma"]
        within_10 = 0.5 * (1 + math.erf(z / math.sqrt(2)))
        truth["lines"][line_name] = describe_rate(grid, rate, expected, base) | {
            "area_shares": profile.shares_of(rate),
            "handling": handling,
            "answered_within_10_seconds_fraction": round(within_10, 4),
        }
    utc = np.concatenate(utc_parts)
    order = np.argsort(utc, kind="stable")
    utc, line = utc[order], np.concatenate(line_parts)[order]
    n = utc.size

    def per_line(key: str) -> np.ndarray:
        return np.where(line == 0, CALL_HANDLING["999"][key], CALL_HANDLING["101"][key])

    abandoned = rng.random(n) < per_line("abandoned_fraction")
    wait = _lognormal(rng, per_line("wait_median_seconds"), per_line("wait_sigma"), n)
    abandon_wait = _lognormal(rng, per_line("abandon_wait_median_seconds"), 0.8, n)
    wait_seconds = np.rint(np.where(abandoned, abandon_wait, wait)).astype(np.int64)
    talk_sigma = per_line("talk_sigma")
    talk_median = per_line("talk_mean_seconds") * np.exp(-(talk_sigma**2) / 2)
    talk_seconds = np.maximum(np.rint(_lognormal(rng, talk_median, talk_sigma, n)), 5)
    area = rng.choice(len(profile.areas), size=n, p=lines[0][1].area_shares)

    received = to_local_seconds(utc)
    answered = to_local_seconds(utc + wait_seconds)
    days = np.floor_divide(received, SECONDS_PER_DAY)
    columns = {
        "Call Ref": format_reference(
            ["C", format_local(received, YYMMDD), serial_within(days, 5)]
        ),
        "Line": take_labels(("999", "101"), line),
        "Received": format_local(received, DMY_HMS),
        "Answered": format_local(answered, DMY_HMS, missing=abandoned),
        "Wait (s)": format_integer(wait_seconds),
        "Talk Time (s)": format_integer(talk_seconds, missing=abandoned),
        "Abandoned": take_labels(("N", "Y"), abandoned.astype(np.int8)),
        "LPA": take_labels(profile.area_names, area),
    }
    canonical = {
        "Call Ref": "call_id",
        "Line": "line",
        "Received": "received_at",
        "Answered": "answered_at",
        "Wait (s)": "wait_seconds",
        "Talk Time (s)": "handle_seconds",
        "Abandoned": "abandoned",
        "LPA": "area",
    }
    truth |= combine_expected(list(truth["lines"].values()))
    extract = Extract(
        "calls",
        "calls",
        columns,
        local_calendar(received)["month_index"],
        canonical,
        DMY_HMS,
    )
    return extract, truth


def generate_missing_persons(
    rng: np.random.Generator, grid: HourGrid, profile: ForceProfile = NORTHSHIRE
) -> tuple[Extract, dict]:
    """Generate missing-person reports with risk, age band, repeat flag and hours.

    Reports still open when the extract is taken (the day after the data end) have
    no closed time.

    Args:
        rng: Random generator of this stream.
        grid: The hour grid.
        profile: The force: its areas, size and growth.

    Returns:
        The `missing_persons/` extract and its truth record.
    """
    rate = profile.rate(MISSING_PERSONS)
    expected, base = hourly_rate(grid, rate)
    utc = sample_arrivals(rng, grid, expected, rate.daily_gamma_shape).utc_seconds
    n = utc.size
    risks = list(MISSING_RISKS)
    shares = np.array([v[0] for v in MISSING_RISKS.values()])
    closed_median = np.array([v[1] for v in MISSING_RISKS.values()])
    hours_mean = np.array([v[2] for v in MISSING_RISKS.values()])
    risk = rng.choice(len(risks), size=n, p=shares / shares.sum())
    bands, band_p = _normalised(AGE_BANDS)
    age_band = rng.choice(len(bands), size=n, p=band_p)
    repeat = rng.random(n) < MISSING_REPEAT_FRACTION
    area = rng.choice(len(profile.areas), size=n, p=rate.area_shares)
    closed_hours = _lognormal(rng, closed_median[risk], 1.0, n)
    hours_sigma = 0.8
    officer_hours = _lognormal(
        rng, hours_mean[risk] * np.exp(-(hours_sigma**2) / 2), hours_sigma, n
    )
    closed_utc = utc + np.rint(closed_hours * 3600).astype(np.int64)
    extract_taken = local_midnight_utc_seconds(grid.end) + SECONDS_PER_DAY
    still_open = closed_utc > extract_taken

    reported = to_local_seconds(utc)
    fields = local_calendar(reported)
    columns = {
        "Report ID": format_reference(
            [
                "MP-",
                format_integer(fields["year"]),
                "-",
                serial_within(fields["year"], 5),
            ]
        ),
        "Reported": format_local(reported, ISO_HMS),
        "Risk": take_labels(risks, risk),
        "Age Band": take_labels(bands, age_band),
        "LPA": take_labels(profile.area_names, area),
        "Closed": format_local(
            to_local_seconds(closed_utc), ISO_HMS, missing=still_open
        ),
        "Repeat": take_labels(("FALSE", "TRUE"), repeat.astype(np.int8)),
        "Officer Hours": format_decimal(officer_hours),
    }
    canonical = {
        "Report ID": "report_id",
        "Reported": "reported_at",
        "Risk": "risk",
        "Age Band": "age_band",
        "LPA": "area",
        "Closed": "closed_at",
        "Repeat": "repeat",
        "Officer Hours": "officer_hours",
    }
    risk_mix = dict(zip(risks, (shares / shares.sum()).round(4).tolist(), strict=True))
    truth = describe_rate(grid, rate, expected, base) | {
        "area_shares": profile.shares_of(rate),
        "risk_mix": risk_mix,
        "age_band_mix": dict(zip(bands, band_p.round(4).tolist(), strict=True)),
        "repeat_fraction": MISSING_REPEAT_FRACTION,
        "closed_median_hours_by_risk": dict(
            zip(risks, closed_median.tolist(), strict=True)
        ),
        "officer_hours_mean_by_risk": dict(
            zip(risks, hours_mean.tolist(), strict=True)
        ),
        "officer_hours_per_report": round(float(_weighted_mean(shares, hours_mean)), 4),
    }
    extract = Extract(
        "missing_persons", "missing", columns, fields["month_index"], canonical, ISO_HMS
    )
    return extract, truth


def _weighted_mean(shares: np.ndarray, values: np.ndarray) -> float:
    """Mean of `values` weighted by `shares` (normalised)."""
    return float((shares * values).sum() / shares.sum())


def generate_crimes(
    rng: np.random.Generator, grid: HourGrid, profile: ForceProfile = NORTHSHIRE
) -> tuple[Extract, dict]:
    """Generate recorded crimes by offence group, with the domestic-abuse flag.

    Each offence group has its own level, trend and season; recent crimes are still
    under investigation (no outcome yet).

    Args:
        rng: Random generator of this stream.
        grid: The hour grid.
        profile: The force: its areas, size and growth.

    Returns:
        The `crimes/` extract and its truth record.
    """
    groups = list(OFFENCE_GROUPS)
    params = np.array([v[:4] for v in OFFENCE_GROUPS.values()])
    shares = params[:, 0] / params[:, 0].sum()
    propensity = np.array([v[4] for v in OFFENCE_GROUPS.values()])
    # Scale the relative propensities so the expected domestic crimes hit the target.
    domestic_fraction = propensity * (
        CRIME_DOMESTIC_PER_DAY / CRIME_TOTAL_PER_DAY / (shares * propensity).sum()
    )
    crime_rate = profile.rate(CRIME_RATE)
    utc_parts, group_parts, truth_groups = [], [], {}
    for index, group_name in enumerate(groups):
        rate = replace(
            crime_rate,
            target_per_day=CRIME_TOTAL_PER_DAY * profile.scale * shares[index],
            growth_per_year=float(params[index, 1]) + profile.growth_shift_per_year,
            seasonal_amplitude=float(params[index, 2]),
            seasonal_peak_day=int(params[index, 3]),
        )
        expected, base = hourly_rate(grid, rate)
        arrivals = sample_arrivals(rng, grid, expected, rate.daily_gamma_shape)
        utc_parts.append(arrivals.utc_seconds)
        group_parts.append(np.full(arrivals.utc_seconds.size, index, dtype=np.int16))
        truth_groups[group_name] = describe_rate(grid, rate, expected, base) | {
            "domestic_fraction": round(float(domestic_fraction[index]), 4)
        }
    utc = np.concatenate(utc_parts)
    order = np.argsort(utc, kind="stable")
    utc, group = utc[order], np.concatenate(group_parts)[order]
    n = utc.size
    domestic = rng.random(n) < domestic_fraction[group]
    area = rng.choice(len(profile.areas), size=n, p=crime_rate.area_shares)
    extract_taken = local_midnight_utc_seconds(grid.end) + SECONDS_PER_DAY
    age_days = (extract_taken - utc) / SECONDS_PER_DAY
    has_outcome = rng.random(n) < 1 - np.exp(-age_days / OUTCOME_MEAN_DELAY_DAYS)
    outcomes, outcome_p = _normalised(OUTCOMES)
    outcome = rng.choice(len(outcomes), size=n, p=outcome_p)

    recorded = to_local_seconds(utc)
    fields = local_calendar(recorded)
    outcome_text = take_labels(outcomes, outcome, missing=~has_outcome)
    columns = {
        "Crime Ref": format_reference(
            ["NS/", serial_within(fields["year"], 6), "/", format_local(recorded, "yy")]
        ),
        "Recorded": format_local(recorded, DMY_HM),
        "Offence Group": take_labels(groups, group),
        "LPA": take_labels(profile.area_names, area),
        "DA Flag": take_labels(("0", "1"), domestic.astype(np.int8)),
        "Outcome": outcome_text,
    }
    canonical = {
        "Crime Ref": "crime_id",
        "Recorded": "recorded_at",
        "Offence Group": "offence_group",
        "LPA": "area",
        "DA Flag": "domestic",
        "Outcome": "outcome",
    }
    domestic_parts = [
        {
            name: None if value is None else value * group["domestic_fraction"]
            for name, value in group.items()
            if name.startswith("expected_daily_mean")
        }
        for group in truth_groups.values()
    ]
    domestic = combine_expected(domestic_parts)
    truth: dict = {
        "offence_groups": truth_groups,
        **combine_expected(list(truth_groups.values())),
        **{f"domestic_{name}": value for name, value in domestic.items()},
    }
    truth |= {
        "area_shares": profile.shares_of(crime_rate),
        "outcome_mix": dict(zip(outcomes, outcome_p.round(4).tolist(), strict=True)),
        "outcome_mean_delay_days": OUTCOME_MEAN_DELAY_DAYS,
    }
    extract = Extract(
        "crimes", "crimes", columns, fields["month_index"], canonical, DMY_HM
    )
    return extract, truth
