"""FMS sheets ready to paste: one per FMS step, human headers, years as columns."""

from __future__ import annotations

import pandas as pd

__all__ = ["STEP_NOTES", "fms_step_sheets"]

STEP_NOTES: dict[str, str] = {
    "Step 1 Demand": "FMS step 1, current and projected demand: the year recorded "
    "in full, then the next four financial years forecast, with 80% ranges",
    "Step 2 Capacity": "FMS step 2, workforce assessment: FTE needed for the "
    "demand against the establishment in post, and the service today's people give",
    "Step 3 Gap": "FMS step 3, the gap to plan for: needed − establishment (+ short, "
    "− spare), its 80% range, hours and cost",
    "Step 4 Risk": "FMS step 4, risk of demand that cannot be met: the grade from "
    "the force's risk matrix in each forecast year",
}
"""What each step sheet holds (the README sheet's description of its rows)."""

_KEYS = ["Stream", "Area", "Figure"]


def _rounded(value: object, figure: str) -> object:
    """A pasteable figure: FTE and percentages to one decimal, the rest whole."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return value
    return round(float(value), 1 if ("FTE" in figure or "(%)" in figure) else 0)


def _force_first(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rows of each stream with the force first, then areas by name."""
    if frame.empty:
        return frame
    rank = frame["Area"].map(lambda a: (a != "force", a))
    out = frame.assign(_a=rank).sort_values([by, "_a"], kind="stable")
    return out.drop(columns="_a").reset_index(drop=True)


def _wide(long: pd.DataFrame, keys: list[str], order: list[str]) -> pd.DataFrame:
    """Pivot ``keys + [year, value]`` rows to one column per financial year,
    figures in `order` within each key."""
    if long.empty:
        return pd.DataFrame(columns=keys)
    long = long.assign(
        value=[
            _rounded(v, f) for v, f in zip(long["value"], long["Figure"], strict=True)
        ]
    )
    wide = long.pivot_table(
        index=keys, columns="year", values="value", aggfunc="first", sort=False
    ).reset_index()
    wide.columns.name = None
    rank = wide["Figure"].map({f: i for i, f in enumerate(order)})
    wide = wide.assign(_rank=rank).sort_values([*keys[:-1], "_rank"], kind="stable")
    years = sorted(c for c in wide.columns if c not in {*keys, "_rank"})
    return wide[[*keys, *years]].reset_index(drop=True)


def _year_label(year: str, kind: str) -> str:
    return f"{year} recorded" if kind == "actual" else f"{year} forecast"


def _demand(fms_areas: pd.DataFrame) -> pd.DataFrame:
    figures = {
        "demand": "Demand (count a year)",
        "demand_lo_80": "Demand, 80% range low",
        "demand_hi_80": "Demand, 80% range high",
        "change_fraction": "Change on the recorded year (%)",
        "workload_hours": "Workload (hours a year)",
    }
    rows = []
    for _, r in fms_areas.iterrows():
        for column, figure in figures.items():
            value = r.get(column)
            if column == "change_fraction" and value is not None:
                value = round(float(value) * 100, 1)
            if r["kind"] == "actual" and column != "demand":
                continue
            rows.append(
                {
                    "Stream": r["stream"].replace("_", " "),
                    "Area": r["area"],
                    "Figure": figure,
                    "value": value,
                    "year": _year_label(r["financial_year"], r["kind"]),
                }
            )
    return _force_first(
        _wide(pd.DataFrame(rows), _KEYS, list(figures.values())), "Stream"
    )


def _binding(capacity: pd.DataFrame) -> pd.DataFrame:
    return (
        capacity.sort_values("fte_mean", ascending=False)
        .drop_duplicates(["department", "financial_year"])
        .sort_values(["department", "financial_year"])
    )


def _department_sheet(
    binding: pd.DataFrame, figures: dict[str, str], percent: set[str]
) -> pd.DataFrame:
    rows = []
    for _, r in binding.iterrows():
        for column, figure in figures.items():
            value = r.get(column)
            if value is not None and column in percent:
                value = round(float(value) * 100, 1)
            rows.append(
                {
                    "Department": r["department"].replace("_", " "),
                    "Figure": figure,
                    "value": value,
                    "year": _year_label(r["financial_year"], "forecast"),
                }
            )
    return _wide(pd.DataFrame(rows), ["Department", "Figure"], list(figures.values()))


def fms_step_sheets(
    fms_areas: pd.DataFrame, capacity: pd.DataFrame, symbol: str = "£"
) -> dict[str, pd.DataFrame]:
    """Build one sheet per FMS step, ready to paste into the statement.

    Rows are streams and areas (steps 1 and 4) or departments (steps 2 and 3),
    a figure per row; columns are financial years. Fractions are shown as
    percentages (the figure says "%"); money in `symbol` a year.

    Args:
        fms_areas: Output of `build_fms_areas`.
        capacity: The run's `capacity` rows (may be empty: steps 2 and 3 are
            then left out).
        symbol: The currency symbol named in the cost figure.

    Returns:
        Sheets by name (`STEP_NOTES`), in step order.
    """
    sheets = {"Step 1 Demand": _demand(fms_areas)}
    if len(capacity):
        binding = _binding(capacity)
        binding = binding.assign(
            gap_lo_80=binding["fte_lo_80"] - binding["establishment_fte"],
            gap_hi_80=binding["fte_hi_80"] - binding["establishment_fte"],
        )
        sheets["Step 2 Capacity"] = _department_sheet(
            binding,
            {
                "fte_mean": "FTE needed",
                "fte_lo_80": "FTE needed, 80% range low",
                "fte_hi_80": "FTE needed, 80% range high",
                "establishment_fte": "Establishment (FTE in post)",
                "hours_mean": "Hours of work needed a year",
                "productive_hours_per_fte": "Productive hours per FTE a year",
                "service_level": "Service with today's people (%)",
                "service_standard": "Service standard (%)",
            },
            {"service_level", "service_standard"},
        )
        sheets["Step 3 Gap"] = _department_sheet(
            binding,
            {
                "gap_fte": "Gap (FTE, + short, − spare)",
                "gap_lo_80": "Gap, 80% range low (FTE)",
                "gap_hi_80": "Gap, 80% range high (FTE)",
                "gap_hours": "Gap (hours a year)",
                "gap_cost_gbp": f"Gap cost ({symbol} a year)",
                "p_demand_exceeds_capacity": "Chance demand exceeds capacity (%)",
            },
            {"p_demand_exceeds_capacity"},
        )
    graded = fms_areas[(fms_areas["kind"] == "forecast") & fms_areas["grade"].notna()]
    rows = [
        {
            "Stream": r["stream"].replace("_", " "),
            "Area": r["area"],
            "Figure": figure,
            "value": r[column],
            "year": _year_label(r["financial_year"], "forecast"),
        }
        for _, r in graded.iterrows()
        for column, figure in (
            ("grade", "Risk grade"),
            ("score", "Score (L × I)"),
            ("department", "Graded under department"),
        )
    ]
    sheets["Step 4 Risk"] = _force_first(
        _wide(
            pd.DataFrame(rows),
            _KEYS,
            ["Risk grade", "Score (L × I)", "Graded under department"],
        ),
        "Stream",
    )
    return sheets
