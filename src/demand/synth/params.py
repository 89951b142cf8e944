"""Northshire's generating parameters, calibrated to the 2024 force briefing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "AREAS",
    "RCRP_GO_LIVE",
    "TIMEZONE",
    "HOURLY_DEMAND",
    "HOURLY_CRIME_RECORDING",
    "HOURLY_MENTAL_HEALTH",
    "HOURLY_MISSING",
    "WEEKLY_DEMAND",
    "WEEKLY_OFFICE",
    "SPECIAL_HOURS",
    "StreamRate",
    "CALLS_999",
    "CALLS_101",
    "CALL_HANDLING",
    "INCIDENTS_NON_MH",
    "MENTAL_HEALTH",
    "GRADE_MIX_TARGET",
    "MH_GRADE_MIX",
    "MH_OFFICER_HOURS_SHARE",
    "MH_CATEGORY",
    "MH_QUALIFIERS",
    "MH_S136",
    "RCRP_QUALIFIER_FRACTION",
    "RCRP_CATEGORIES",
    "TIME_ON_TASK_SIGMA",
    "MISSING_REPEAT_FRACTION",
    "CRIME_RATE",
    "OUTCOME_MEAN_DELAY_DAYS",
    "INCIDENT_CATEGORIES",
    "GRADE_TIMES",
    "CREWING",
    "MISSING_PERSONS",
    "MISSING_RISKS",
    "AGE_BANDS",
    "CRIME_TOTAL_PER_DAY",
    "CRIME_DOMESTIC_PER_DAY",
    "OFFENCE_GROUPS",
    "OUTCOMES",
]

TIMEZONE = "Europe/London"

AREAS: dict[str, str] = {
    "Northtown": "urban",
    "Southbridge": "urban",
    "Eastmoor": "rural",
    "Westdale": "rural",
}
"""Local policing areas (LPAs) and whether each is urban or rural."""

RCRP_GO_LIVE = date(2023, 7, 1)
"""Right Care Right Person went live in Northshire (briefing: July 2023)."""

# Relative demand by local hour 00..23: quiet early mornings, busy afternoons/evenings.
HOURLY_DEMAND = (
    0.80, 0.66, 0.54, 0.44, 0.36, 0.33, 0.38, 0.55, 0.80, 0.98, 1.06, 1.10,
    1.14, 1.15, 1.20, 1.30, 1.36, 1.36, 1.35, 1.32, 1.26, 1.18, 1.05, 0.92,
)  # fmt: skip
HOURLY_CRIME_RECORDING = (
    0.45, 0.35, 0.28, 0.22, 0.18, 0.18, 0.25, 0.50, 0.95, 1.35, 1.50, 1.55,
    1.50, 1.50, 1.50, 1.48, 1.45, 1.40, 1.30, 1.20, 1.10, 0.95, 0.75, 0.56,
)  # fmt: skip
HOURLY_MENTAL_HEALTH = (
    0.95, 0.85, 0.75, 0.65, 0.55, 0.50, 0.55, 0.70, 0.85, 0.95, 1.05, 1.10,
    1.15, 1.15, 1.15, 1.20, 1.25, 1.28, 1.30, 1.30, 1.28, 1.22, 1.12, 1.05,
)  # fmt: skip
HOURLY_MISSING = (
    0.70, 0.55, 0.45, 0.35, 0.30, 0.30, 0.40, 0.60, 0.80, 0.90, 0.95, 1.00,
    1.00, 1.05, 1.10, 1.20, 1.35, 1.50, 1.60, 1.65, 1.65, 1.55, 1.35, 1.05,
)  # fmt: skip
# Relative demand by local day of week, Monday first.
WEEKLY_DEMAND = (1.01, 0.97, 0.97, 0.98, 1.05, 1.07, 0.95)
WEEKLY_OFFICE = (1.12, 1.06, 1.04, 1.03, 1.00, 0.88, 0.87)

# (name, month, day, first local hour, last local hour, multiplier) on special dates.
SPECIAL_HOURS = (
    ("new_years_eve_night", 12, 31, 20, 23, 1.45),
    ("new_years_day_early_hours", 1, 1, 0, 5, 2.30),
    ("halloween_evening", 10, 31, 17, 22, 1.25),
    ("bonfire_night", 11, 5, 17, 23, 1.50),
)


@dataclass(frozen=True)
class StreamRate:
    """The arrival process of one stream or component.

    Args:
        target_per_day: Expected (noise-free) daily mean over the last 365 days.
        growth_per_year: Fractional change of the level per year (0.14 = +14 %).
        hourly: Relative demand by local hour (normalised to mean 1 when used).
        weekly: Relative demand by local day of week, Monday first.
        night_time_economy_factor: Multiplier on Friday/Saturday 20:00-23:59 and the
            following early hours 00:00-03:59.
        seasonal_amplitude: Annual seasonality amplitude, a fraction of the level.
        seasonal_peak_day: Day of year at which the seasonality peaks.
        bank_holiday_factor: Multiplier on England and Wales bank holidays.
        special_weight: Share of the special-hour effects (New Year, Bonfire Night)
            that the stream feels.
        daily_gamma_shape: Shape of the mean-1 daily gamma multiplier (over-dispersion);
            the daily coefficient of variation of the rate is 1/sqrt(shape).
        area_shares: Share of events in each area, in `AREAS` order.
    """

    target_per_day: float
    growth_per_year: float
    hourly: tuple[float, ...] = HOURLY_DEMAND
    weekly: tuple[float, ...] = WEEKLY_DEMAND
    night_time_economy_factor: float = 1.0
    seasonal_amplitude: float = 0.0
    seasonal_peak_day: int = 196
    bank_holiday_factor: float = 1.0
    special_weight: float = 0.0
    daily_gamma_shape: float = 100.0
    area_shares: tuple[float, ...] = field(default=(0.36, 0.30, 0.18, 0.16))


CALLS_999 = StreamRate(
    406.0,
    0.14,
    night_time_economy_factor=1.30,
    seasonal_amplitude=0.07,
    bank_holiday_factor=1.06,
    special_weight=1.0,
    daily_gamma_shape=120.0,
)
CALLS_101 = StreamRate(
    550.0,
    0.02,
    weekly=(1.10, 1.03, 1.01, 1.00, 1.00, 0.95, 0.91),
    night_time_economy_factor=1.05,
    seasonal_amplitude=0.04,
    bank_holiday_factor=0.92,
    special_weight=0.3,
    daily_gamma_shape=150.0,
)

CALL_HANDLING = {
    "999": {
        "wait_median_seconds": 4.87,
        "wait_sigma": 0.92,
        "talk_mean_seconds": 270.0,
        "talk_sigma": 0.60,
        "abandoned_fraction": 0.025,
        "abandon_wait_median_seconds": 25.0,
    },
    "101": {
        "wait_median_seconds": 150.0,
        "wait_sigma": 1.00,
        "talk_mean_seconds": 360.0,
        "talk_sigma": 0.65,
        "abandoned_fraction": 0.09,
        "abandon_wait_median_seconds": 260.0,
    },
}
"""Call handling: lognormal waits and talk times; the 999 wait gives 79.8 % in 10 s."""

INCIDENTS_NON_MH = StreamRate(
    513.0,
    0.04,
    night_time_economy_factor=1.30,
    seasonal_amplitude=0.06,
    bank_holiday_factor=1.05,
    special_weight=1.0,
    daily_gamma_shape=130.0,
)
MENTAL_HEALTH = StreamRate(
    27.0,
    0.04,
    hourly=HOURLY_MENTAL_HEALTH,
    weekly=(1.02, 1.00, 1.00, 1.00, 1.01, 0.99, 0.98),
    seasonal_amplitude=0.04,
    seasonal_peak_day=160,
    special_weight=0.4,
    daily_gamma_shape=40.0,
)

GRADE_MIX_TARGET = {"G1": 0.26, "G2": 0.08, "G3": 0.08, "G4": 0.04, "RWD": 0.54}
"""Grade mix of all incidents over the last 365 days (briefing, July 2023)."""

MH_GRADE_MIX = {
    "before": {"G1": 0.32, "G2": 0.22, "G3": 0.15, "G4": 0.06, "RWD": 0.25},
    "after": {"G1": 0.22, "G2": 0.13, "G3": 0.11, "G4": 0.04, "RWD": 0.50},
}
"""Grade mix of mental-health incidents before and after RCRP (attendance cut)."""

MH_OFFICER_HOURS_SHARE = {"before": 0.09, "after": 0.06}
"""Mental-health share of all incident officer hours (briefing: 9 % -> 6 %)."""

MH_S136 = {"before": 0.16, "after": 0.14, "hours_factor": 2.5}

# Opening category: (share of non-mental-health incidents, time-on-task factor,
# qualifier probabilities). Factors are renormalised to a share-weighted mean of 1.
INCIDENT_CATEGORIES: dict[str, tuple[float, float, dict[str, float]]] = {
    "Concern for Safety": (0.12, 1.25, {"VULNERABLE": 0.45, "MH": 0.06}),
    "Domestic Incident": (0.11, 1.45, {"DA": 1.0, "CHILD": 0.25}),
    "Anti-Social Behaviour": (0.12, 0.70, {"ASB": 1.0, "ALCOHOL": 0.20}),
    "Suspicious Circumstances": (0.08, 0.80, {}),
    "Road Traffic Collision": (0.06, 1.15, {"INJURY": 0.30}),
    "Violence": (0.07, 1.30, {"ALCOHOL": 0.35, "DA": 0.12, "INJURY": 0.40}),
    "Theft": (0.08, 0.80, {}),
    "Burglary": (0.04, 1.20, {}),
    "Criminal Damage": (0.04, 0.80, {"DA": 0.08}),
    "Public Order": (0.05, 0.90, {"ALCOHOL": 0.40}),
    "Highway Disruption": (0.05, 0.60, {}),
    "Alarm": (0.03, 0.50, {}),
    "Missing Person": (0.04, 1.50, {"VULNERABLE": 0.60, "CHILD": 0.50}),
    "Abandoned Call": (0.05, 0.40, {}),
    "Sudden Death": (0.01, 3.00, {}),
    "Admin": (0.05, 0.60, {}),
}
MH_CATEGORY = "Mental Health"
MH_QUALIFIERS = {"MH": 1.0, "VULNERABLE": 0.50}
RCRP_QUALIFIER_FRACTION = 0.40
"""Share of mental-health incidents after go-live carrying the RCRP qualifier."""

RCRP_CATEGORIES = {
    "Concern for Welfare": 0.42,
    "Walk-out from Health Setting": 0.16,
    "AWOL Patient": 0.14,
    "Medical Transport": 0.10,
    "S136 Handover": 0.08,
    "Threat to Life": 0.10,
}

# Per grade: dispatch delay median (minutes) and sigma, travel median (minutes) urban
# and rural with sigma, and mean time on task, dispatch to clear (hours).
GRADE_TIMES: dict[str, dict[str, float]] = {
    grade: {
        "dispatch_median_minutes": dispatch,
        "dispatch_sigma": dispatch_sigma,
        "travel_urban_minutes": urban,
        "travel_rural_minutes": rural,
        "travel_sigma": travel_sigma,
        "time_on_task_hours": on_task,
    }
    for grade, dispatch, dispatch_sigma, urban, rural, travel_sigma, on_task in (
        ("G1", 2.0, 0.6, 6.5, 9.5, 0.45, 2.2),
        ("G2", 12.0, 0.8, 15.0, 21.0, 0.55, 2.6),
        ("G3", 180.0, 0.8, 18.0, 25.0, 0.55, 2.0),
        ("G4", 1440.0, 0.6, 15.0, 20.0, 0.55, 1.4),
    )
}
TIME_ON_TASK_SIGMA = 0.70
"""Lognormal sigma of time at scene around its mean."""

CREWING: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {
    "G1": ((1, 2, 3), (0.15, 0.70, 0.15)),
    "G2": ((1, 2), (0.50, 0.50)),
    "G3": ((1, 2), (0.80, 0.20)),
    "G4": ((1,), (1.0,)),
}
"""Officers attending by grade: (counts, probabilities)."""

MISSING_PERSONS = StreamRate(
    11.0,
    0.03,
    hourly=HOURLY_MISSING,
    weekly=(1.00, 0.98, 0.98, 0.99, 1.05, 1.04, 0.96),
    seasonal_amplitude=0.08,
    seasonal_peak_day=150,
    daily_gamma_shape=25.0,
    area_shares=(0.38, 0.32, 0.16, 0.14),
)
# Risk: (share, closed-after median hours, officer hours mean).
MISSING_RISKS = {
    "High": (0.10, 9.0, 18.0),
    "Medium": (0.52, 15.0, 7.5),
    "Low": (0.28, 20.0, 3.0),
    "No Apparent Risk": (0.10, 24.0, 1.2),
}
MISSING_REPEAT_FRACTION = 0.45
AGE_BANDS = {
    "0-11": 0.08,
    "12-17": 0.50,
    "18-24": 0.12,
    "25-39": 0.12,
    "40-59": 0.11,
    "60+": 0.07,
}

CRIME_TOTAL_PER_DAY = 165.0
CRIME_DOMESTIC_PER_DAY = 44.0
# Offence group: (share of the last 365 days, growth per year, seasonal amplitude,
# seasonal peak day, relative domestic-abuse propensity).
OFFENCE_GROUPS: dict[str, tuple[float, float, float, int, float]] = {
    "Violence with injury": (0.110, 0.01, 0.10, 190, 0.40),
    "Violence without injury": (0.160, 0.03, 0.08, 190, 0.45),
    "Stalking and harassment": (0.150, 0.05, 0.03, 190, 0.40),
    "Sexual offences": (0.035, 0.02, 0.05, 180, 0.20),
    "Robbery": (0.012, 0.00, 0.06, 330, 0.02),
    "Residential burglary": (0.036, -0.116, 0.12, 340, 0.04),
    "Non-residential burglary": (0.016, -0.141, 0.08, 340, 0.0),
    "Vehicle offences": (0.060, 0.00, 0.06, 320, 0.02),
    "Theft from the person": (0.013, 0.04, 0.08, 340, 0.01),
    "Shoplifting": (0.070, 0.15, 0.06, 350, 0.0),
    "Other theft": (0.090, 0.00, 0.05, 200, 0.05),
    "Criminal damage and arson": (0.100, -0.02, 0.08, 300, 0.18),
    "Drug offences": (0.030, 0.02, 0.05, 200, 0.0),
    "Possession of weapons": (0.012, 0.03, 0.05, 200, 0.03),
    "Public order offences": (0.090, 0.02, 0.10, 190, 0.10),
    "Miscellaneous crimes against society": (0.016, 0.01, 0.02, 200, 0.08),
}
CRIME_RATE = StreamRate(
    CRIME_TOTAL_PER_DAY,
    0.0,
    hourly=HOURLY_CRIME_RECORDING,
    weekly=WEEKLY_OFFICE,
    bank_holiday_factor=0.80,
    daily_gamma_shape=60.0,
)
"""Shared shape of crime recording; each offence group sets its level and season."""

OUTCOMES = {
    "Charge/Summons": 0.08,
    "Caution": 0.02,
    "Community Resolution": 0.05,
    "Penalty Notice for Disorder (£90)": 0.02,
    "Cannabis/Khat Warning": 0.01,
    "Evidential difficulties: victim does not support action": 0.32,
    "Evidential difficulties: suspect identified": 0.12,
    "Investigation complete: no suspect identified": 0.34,
    "Action undertaken by another body/agency": 0.04,
}
OUTCOME_MEAN_DELAY_DAYS = 45.0
"""Mean days from recording to an outcome; recent crimes are still open."""
