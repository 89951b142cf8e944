"""The report's bottom line: three sentences on need, shortfall and certainty."""

from __future__ import annotations

import math

import pandas as pd

from demand.schemas import DEPARTMENT_NAMES

__all__ = ["bottom_line", "reference_year"]


def reference_year(fms_areas: pd.DataFrame) -> str | None:
    """The summary's one reference year: the first full financial year forecast.

    Args:
        fms_areas: Output of `build_fms_areas`.

    Returns:
        The financial year (e.g. "2026/27"), or None when no year is forecast.
    """
    force = fms_areas[
        (fms_areas["area"] == "force") & (fms_areas["kind"] == "forecast")
    ]
    years = sorted(force["financial_year"].unique())
    return str(years[0]) if years else None


def _name(department: str) -> str:
    return DEPARTMENT_NAMES.get(department, department.replace("_", " "))


def _and(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _listed(departments: list[tuple[str, float]]) -> str:
    """The departments with the probability that demand exceeds what each one's
    establishment gives: said once where they share it, else beside each."""
    names = [n for n, _ in departments]
    chances = {f"{p:.0%}" for _, p in departments}
    if len(names) > 1 and len(chances) == 1 and "nan%" not in chances:
        return (
            f"{_and(names)} (each: probability {chances.pop()} that demand exceeds it)"
        )
    return _and(
        [
            f"{n} (probability {p:.0%} that demand exceeds it)"
            if math.isfinite(p)
            else n
            for n, p in departments
        ]
    )


def _money(value: float, symbol: str) -> str:
    return f"{symbol}{value / 1e6:,.1f}m" if math.isfinite(value) else ""


def _cover_hours(cover: pd.DataFrame | None) -> int | None:
    """Hours of the week the response shift pattern is short (None: unknown)."""
    if cover is None or cover.empty:
        return None
    force = cover[cover["area"] == "force"]
    if len(force) != 168 or force["officers_rostered"].isna().all():
        return None
    return int(((force["officers_needed"] - force["officers_rostered"]) > 0.5).sum())


def _shortfall(row: pd.Series, symbol: str) -> str:
    lo = row["fte_lo_80"] - row["establishment_fte"]
    hi = row["fte_hi_80"] - row["establishment_fte"]
    low = f"{max(lo, 0):,.0f}"
    span = low if low == f"{hi:,.0f}" else f"{low}–{hi:,.0f}"
    text = f"{_name(row['department'])} by {span} FTE"
    cost = _money(row["gap_cost_gbp"], symbol)
    return text + (f" (about {cost} a year)" if cost else "")


def _service(row: pd.Series) -> str:
    level, standard = row.get("service_level"), row.get("service_standard")
    if level is None or standard is None:
        return ""
    if not (math.isfinite(level) and math.isfinite(standard)) or level >= standard:
        return ""
    what = {
        "response": "G1 incidents attended in time",
        "control_room": "calls answered in time",
    }.get(row["department"])
    if what is None:
        return ""
    return f"{_name(row['department'])} {level:.0%} of {what} (standard {standard:.0%})"


def bottom_line(
    binding: pd.DataFrame,
    year: str,
    force: str,
    cover: pd.DataFrame | None = None,
    symbol: str = "£",
) -> list[str]:
    """Write three sentences: what the force needs in `year`, where it falls
    short and by how much, and how sure that is.

    Args:
        binding: The capacity rows of `year` on each department's binding basis
            (one per department): ``department, fte_mean, fte_lo_80,
            fte_hi_80, establishment_fte, gap_cost_gbp,
            p_demand_exceeds_capacity`` and, where modelled,
            ``service_level, service_standard``.
        year: The reference year, named in the first sentence.
        force: The force's name.
        cover: The run's `response_cover` rows, if any.
        symbol: Written before money.

    Returns:
        Three sentences, every figure taken from `binding` and `cover`.
    """
    need = binding["fte_mean"].sum()
    est = binding["establishment_fte"].sum()
    first = (
        f"In {year}, the year every figure in this summary refers to (the first "
        f"full financial year forecast), {force} needs {need:,.0f} FTE across its "
        f"{len(binding)} departments against an establishment of {est:,.0f} FTE."
    )
    gap = binding["fte_mean"] - binding["establishment_fte"]
    short = binding[gap > 0.5].assign(_gap=gap).sort_values("_gap", ascending=False)
    services = [s for s in (_service(r) for _, r in binding.iterrows()) if s]
    hours = _cover_hours(cover)
    if short.empty:
        second = "No department needs more people than it has"
    else:
        parts = [_shortfall(r, symbol) for _, r in short.iterrows()]
        total = short["gap_cost_gbp"].sum()
        second = "It falls short in " + "; ".join(parts)
        if len(parts) > 1 and math.isfinite(total):
            second += f": about {_money(total, symbol)} a year in all"
        second += " (80% ranges)"
    if services:
        second += "; with today's people, " + " and ".join(services)
    if hours:
        second += (
            f"; the response shift pattern is short of officers in {hours} of the "
            "week's 168 hours"
        )
    second += "."
    third = _certainty(short, binding)
    return [first, second, third]


def _certainty(short: pd.DataFrame, binding: pd.DataFrame) -> str:
    """How sure: which shortfalls hold across the whole 80 % range, and the
    probability that demand exceeds what the establishment gives."""
    if short.empty:
        spare = binding["fte_hi_80"] < binding["establishment_fte"]
        return (
            f"How sure: {int(spare.sum())} of {len(binding)} departments stay within "
            "their establishment even at the top of their 80% range; the rest could "
            "go either way."
        )
    certain: list[tuple[str, float]] = []
    unsure: list[tuple[str, float]] = []
    for _, row in short.iterrows():
        p = row.get("p_demand_exceeds_capacity", float("nan"))
        sure = row["fte_lo_80"] > row["establishment_fte"]
        (certain if sure else unsure).append((_name(row["department"]), p))
    out = "How sure: "
    if certain:
        out += (
            f"the shortfall in {_listed(certain)} holds across the whole 80% range, "
            "so it is at least nine in ten likely"
        )
    if unsure:
        out += ("; " if certain else "") + (
            f"in {_listed(unsure)} the 80% range reaches below the establishment, "
            "so the shortfall is likely but not sure"
        )
    return out + "."
