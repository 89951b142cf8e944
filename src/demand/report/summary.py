"""Plain-English sentences generated from the numbers, for the report's first page."""

from __future__ import annotations

import math

import pandas as pd

from demand.capacity.assumptions import Assumptions
from demand.capacity.scenarios import on_binding_basis
from demand.local_names import LocalNames
from demand.report.bottom_line import bottom_line
from demand.report.data import NOT_ASSESSED
from demand.schemas import DEPARTMENT_NAMES, stream_label

__all__ = ["DEPARTMENT_NAMES", "summary_sentences"]


def _pct(fraction: float) -> str:
    return f"{abs(fraction) * 100:.0f}%"


def _signed_pct(fraction: float) -> str:
    shown = round(fraction * 100) + 0  # + 0 turns -0 into 0
    return f"{shown:+d}%".replace("-", "−")


def _people(fte: float) -> str:
    return f"{abs(fte):,.0f}"


def _stream_sentence(row: pd.Series) -> str:
    name = stream_label(row["stream"])
    change = row["change_fraction"]
    if not math.isfinite(row["current"]) and math.isfinite(row["demand"]):
        return (
            f"{name} are forecast at {row['demand']:,.0f} in "
            f"{row['financial_year']} (80% range {row['demand_lo_80']:,.0f}–"
            f"{row['demand_hi_80']:,.0f}); no full year is recorded to compare with."
        )
    if not math.isfinite(change):
        return f"{name}: no forecast for {row['financial_year']}."
    if abs(change) < 0.005:
        verb = "hold steady"
    else:
        verb = f"rise {_pct(change)}" if change > 0 else f"fall {_pct(change)}"
    ranged = (
        f" (80% range {_signed_pct(row['change_lo_80'])} to "
        f"{_signed_pct(row['change_hi_80'])})"
        if math.isfinite(row["change_lo_80"])
        else ""
    )
    chance = (
        "more than chance would give (its 95% interval excludes this year's level)"
        if row["z_flag"]
        else "within the forecast's own uncertainty (its 95% interval holds this "
        "year's level)"
    )
    return (
        f"{name} are forecast to {verb}{ranged} in {row['financial_year']}, to "
        f"{row['demand']:,.0f} from {row['current']:,.0f}; a change {chance}."
    )


def _department_sentence(
    row: pd.Series, assumptions: Assumptions, symbol: str, names: LocalNames
) -> str:
    name = DEPARTMENT_NAMES.get(row["department"], row["department"])
    lo = row["fte_lo_80"] - row["establishment_fte"]
    hi = row["fte_hi_80"] - row["establishment_fte"]
    target = ""
    if row["department"] == "control_room" and "999" in assumptions.call_lines:
        line = assumptions.call_lines["999"]
        target = (
            f" to answer {line.service_level * 100:.0f}% of "
            f"{names.name('line', '999')} calls in "
            f"{line.target_seconds:.0f} seconds"
        )
    elif row["basis"] == "cover":
        target = " to keep enough units on duty to meet attendance targets"
        if math.isfinite(row.get("service_level", float("nan"))):
            standard = assumptions.attendance
            target += (
                f" (on today's shift pattern {row['service_level']:.0%} of G1 "
                f"incidents would be attended in time; the standard is "
                f"{standard.compliance_fraction:.0%})"
            )
    head = f"In {row['financial_year']} {name} needs {row['fte_mean']:,.0f} FTE"
    head += f" (80% range {row['fte_lo_80']:,.0f}–{row['fte_hi_80']:,.0f}){target}"
    if not math.isfinite(row["establishment_fte"]):
        return head + "; no establishment is recorded to compare with."
    if lo > 0:
        gap = f"{_people(lo)}–{_people(hi)} more people than the "
        gap += f"{row['establishment_fte']:,.0f} FTE it has"
        cost = row["gap_cost_gbp"]
        if math.isfinite(cost):
            gap += f" (about {symbol}{cost / 1e6:,.1f}m a year)"
        return f"{head}: {gap}."
    if hi < 0:
        return (
            f"{head}, within its establishment of "
            f"{row['establishment_fte']:,.0f} FTE ({_people(-hi)}–{_people(-lo)} "
            "FTE to spare)."
        )
    return (
        f"{head}: close to its establishment of "
        f"{row['establishment_fte']:,.0f} FTE; the gap could go either way."
    )


def _cover_sentence(cover: pd.DataFrame | None) -> list[str]:
    if cover is None or cover.empty:
        return []
    force = cover[cover["area"] == "force"]
    if len(force) != 168 or force["officers_rostered"].isna().all():
        return []
    gap = force["officers_needed"] - force["officers_rostered"]
    short = gap > 0.5
    if not short.any():
        return ["The response shift pattern covers the officers needed in every hour."]
    worst = int(force.loc[gap.idxmax(), "hour_of_week"])
    day = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
    return [
        f"The response shift pattern is short of officers in {int(short.sum())} of "
        f"the week's 168 hours; the worst is {day[worst // 24]} "
        f"{worst % 24:02d}:00, {gap.max():,.0f} officers short: when officers are "
        "on duty matters as much as how many there are."
    ]


def _over_years(years: int) -> str:
    """ "over the 4 forecast years", "in the one forecast year"."""
    return (
        "in the one forecast year" if years == 1 else f"over the {years} forecast years"
    )


def _risk_sentence(risks: pd.DataFrame, years: int) -> str:
    graded = risks[risks["score"].notna()]
    if graded.empty:
        return "No area could be graded: capacity or establishment is missing."
    streams = graded[graded["stream"] != "all streams"]
    top = (streams if len(streams) else graded).iloc[0]
    counts = streams["grade"].value_counts()
    spread = ", ".join(f"{n} {grade}" for grade, n in counts.items())
    name = stream_label(top["stream"])
    where = "force-wide" if top["area"] == "force" else f"in {top['area']}"
    dept = DEPARTMENT_NAMES.get(top["department"], top["department"])
    why = (
        f"{dept} service modelled with today's people at "
        f"{top['service_level']:.0%} against {top['service_standard']:.0%}"
        if str(top.get("likelihood_basis") or "").startswith("service")
        else f"probability {top['p_demand_exceeds_capacity']:.0%} that demand "
        f"exceeds {dept}'s capacity"
    )
    departments = graded[graded["stream"] == "all streams"]
    by_dept = "; ".join(
        f"{DEPARTMENT_NAMES.get(r['department'], r['department']).lower()} {r['grade']}"
        for _, r in departments.sort_values("department").iterrows()
    )
    return (
        f"The highest FMS risk {_over_years(years)} is {name.lower()} "
        f"{where} (grade {top['grade']}: {why}). All {len(streams)} demand areas are "
        f"graded: {spread}." + (f" Departments: {by_dept}." if by_dept else "")
    )


def _scenario_sentence(
    scenarios: pd.DataFrame, year: str, symbol: str = "£"
) -> list[str]:
    rows = on_binding_basis(scenarios)  # the basis the People table shows
    rows = rows[(rows["scenario"] != "baseline") & (rows["financial_year"] == year)]
    out = []
    for name, group in rows.groupby("scenario", sort=True):
        change = float(group["fte_mean_change"].sum())
        cost = float(group["gap_cost_gbp_change"].sum())
        if abs(change) < 0.5:
            out.append(f"Scenario {name} changes little in {year} (under 1 FTE).")
            continue
        word = "more" if change > 0 else "fewer"
        out.append(
            f"Scenario {name} needs {abs(change):,.0f} {word} FTE than the baseline "
            f"in {year} ({symbol}{abs(cost) / 1e6:,.1f}m a year {word})."
        )
    return out


def _operational_sentences(
    history: pd.DataFrame | None, forecasts: pd.DataFrame | None
) -> list[str]:
    """One sentence per stream on the force's daily operational forecast."""
    if forecasts is None or forecasts.empty:
        return []
    out = []
    force = forecasts[forecasts["area"] == "force"]
    for stream, fc in force.groupby("stream", sort=True):
        name = stream_label(stream)
        days = len(fc)
        first, last = pd.Timestamp(fc["ds"].min()), pd.Timestamp(fc["ds"].max())
        sentence = (
            f"{name}: {fc['mean'].mean():,.1f} a day are expected over the next "
            f"{days} days ({first:%d %b %Y} to {last:%d %b %Y}; 80% range "
            f"{fc['lo_80'].mean():,.1f}–{fc['hi_80'].mean():,.1f} a day)"
        )
        if history is not None and len(history):
            recent = history[history["unique_id"] == stream].tail(days)
            if len(recent):
                sentence += (
                    f", against {recent['y'].mean():,.1f} a day over the last "
                    f"{len(recent)} days recorded"
                )
        out.append(sentence + ".")
    return out


def _short_history(history: pd.DataFrame | None, has_years: bool) -> str:
    """Say plainly what a history too short for financial years allows."""
    months = 0
    if history is not None and len(history):
        months = int(history.groupby("unique_id")["ds"].nunique().max())
    held = f"{months} months of history" if months else "this history"
    if has_years:
        return (
            f"With {held}, no financial year is recorded in full, so the yearly "
            "forecasts below cannot be compared with a recorded year: changes, "
            "Poisson Z and FMS risk grades need a full recorded year."
        )
    return (
        f"No financial-year forecast is complete: {held} and the forecast horizon "
        "do not cover a whole financial year, so yearly totals, their change and "
        "FMS risks cannot be given yet. The daily forecasts below are what a "
        "short history allows; a full year of history gives yearly forecasts."
    )


def _hinge_sentence(fms_risks: pd.DataFrame) -> list[str]:
    """One sentence: the assumption each department's gap hangs on."""
    if "gap_hangs_on" not in fms_risks.columns:
        return []
    rows = fms_risks[
        (fms_risks["stream"] == "all streams") & fms_risks["gap_hangs_on"].notna()
    ].sort_values("department")
    if rows.empty:
        return []
    parts = [
        f"{DEPARTMENT_NAMES.get(r['department'], r['department']).lower()} on "
        f"{str(r['gap_hangs_on']).replace('_', ' ')}"
        for _, r in rows.iterrows()
    ]
    return [
        "Each gap hangs on one assumption more than any other (the widest bar of "
        f"its tornado chart, in its worst year): {'; '.join(parts)}."
    ]


def _not_assessed() -> dict[str, list[str]]:
    """The People and Risk sentences of a pipeline without a capacity stage."""
    return {
        "People": [f"People needed against the establishment are {NOT_ASSESSED}."],
        "Risk": [
            "FMS risks are not graded: this pipeline has no capacity stage, so "
            "only demand and its change are reported."
        ],
    }


def summary_sentences(
    fms_areas: pd.DataFrame,
    fms_risks: pd.DataFrame,
    capacity: pd.DataFrame,
    scenarios: pd.DataFrame,
    assumptions: Assumptions,
    cover: pd.DataFrame | None = None,
    assessed: bool = True,
    daily_history: pd.DataFrame | None = None,
    daily_forecasts: pd.DataFrame | None = None,
    monthly_history: pd.DataFrame | None = None,
    currency_symbol: str = "£",
    names: LocalNames | None = None,
) -> dict[str, list[str]]:
    """Write the report's summary: one sentence per stream, department, the top
    risk and each scenario, every figure taken from the tables given.

    Args:
        fms_areas: Output of `build_fms_areas`.
        fms_risks: Output of `build_fms_risks`.
        capacity: The run's `capacity` rows.
        scenarios: The run's `scenarios` rows.
        assumptions: The force's assumptions (service targets).
        cover: The run's `response_cover` rows, if any.
        assessed: False when the pipeline has no capacity stage: "People" and
            "Risk" then say so instead of sizing and grading.
        daily_history: Recent daily counts (`unique_id, stream, area, ds, y`).
        daily_forecasts: Daily operational forecasts (`ReportData`).
        monthly_history: Monthly counts, to say how long the history is.
        currency_symbol: Written before money (`config.currency_symbol`).
        names: The force's names of call lines and grades; None: the UK's.

    Every yearly figure is for one reference year, the first full financial
    year forecast (`bottom_line.reference_year`), named in the first sentence.

    Returns:
        Sentences by topic, in reading order: "Bottom line" (three sentences:
        need, shortfall, certainty), "Demand", "Next weeks",
        "People", "Risk" and "Scenarios" (a topic with nothing to say is left
        out).
    """
    names = names or LocalNames()
    force = fms_areas[fms_areas["area"] == "force"]
    current = force[force["kind"] == "actual"].set_index("stream")["demand"]
    years = sorted(force.loc[force["kind"] == "forecast", "financial_year"].unique())
    operational = _operational_sentences(daily_history, daily_forecasts)
    if not years:
        lines = [_short_history(monthly_history, False)] if operational else []
        demand = {"Demand": lines or ["There are no forecasts to summarise."]}
        if operational:
            demand["Next weeks"] = operational
        topics = demand if assessed else {**demand, **_not_assessed()}
        return {
            topic: [names.relabel(s) for s in said] for topic, said in topics.items()
        }
    first = force[force["financial_year"] == years[0]].assign(
        current=lambda f: f["stream"].map(current)
    )
    binding = (
        capacity[capacity["financial_year"] == years[0]]
        .sort_values("fte_mean", ascending=False)
        .drop_duplicates("department")
        .sort_values("department")
    )
    short = [] if len(current) else [_short_history(monthly_history, True)]
    topics = {
        "Demand": [*short, *(_stream_sentence(row) for _, row in first.iterrows())],
        "Next weeks": operational,
        "People": [
            *(
                _department_sentence(r, assumptions, currency_symbol, names)
                for _, r in binding.iterrows()
            ),
            *_cover_sentence(cover),
            *_hinge_sentence(fms_risks),
        ],
        "Risk": [_risk_sentence(fms_risks, len(years))],
        # One reference year throughout: the scenarios are read in it too.
        "Scenarios": _scenario_sentence(scenarios, years[0], currency_symbol),
    }
    if assessed and len(binding):
        force_name = assumptions.force or "The force"
        topics = {
            "Bottom line": bottom_line(
                binding, years[0], force_name, cover, currency_symbol
            ),
            **topics,
        }
    if not assessed:
        topics = {
            "Bottom line": [
                f"Every figure in this summary is for {years[0]}, the first full "
                "financial year forecast; people needed and FMS risks are "
                f"{NOT_ASSESSED}."
            ],
            "Demand": topics["Demand"],
            "Next weeks": operational,
            **_not_assessed(),
        }
    return {
        topic: [names.relabel(line) for line in lines]
        for topic, lines in topics.items()
        if lines
    }
