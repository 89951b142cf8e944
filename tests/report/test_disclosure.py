"""Disclosure control: small counts blanked, and never one lone blank per total."""

from __future__ import annotations

import pandas as pd

from demand.report.disclosure import suppress_fms_areas, suppress_small_counts


def _table(counts: dict[str, float]) -> pd.DataFrame:
    rows = [{"stream": "s", "area": a, "demand": v} for a, v in counts.items()]
    rows.append({"stream": "s", "area": "force", "demand": sum(counts.values())})
    frame = pd.DataFrame(rows)
    frame["hours"] = frame["demand"] * 2.0
    return frame


def _suppress(frame: pd.DataFrame) -> pd.DataFrame:
    return suppress_small_counts(
        frame,
        "demand",
        10,
        groups=("stream",),
        total_mask=frame["area"].eq("force"),
        derived=("hours",),
    )


def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    out = _suppress(_table({"A": 4, "B": 30, "C": 12, "D": 0}))
    hidden = set(out.loc[out["suppressed"], "area"])
    assert hidden == {"A", "C"}  # C is the smallest other cell; a true 0 stays
    assert out.loc[out["area"] == "A", "hours"].isna().all()  # derived too
    assert out.loc[out["area"] == "force", "demand"].item() == 46  # total shown
    assert out.loc[out["area"] == "D", "demand"].item() == 0


def test_two_small_cells_summing_past_the_threshold_need_no_more() -> None:
    out = _suppress(_table({"A": 4, "B": 30, "C": 8}))
    assert set(out.loc[out["suppressed"], "area"]) == {"A", "C"}


def test_small_cells_summing_below_the_threshold_take_another() -> None:
    out = _suppress(_table({"A": 4, "B": 30, "C": 5, "D": 50}))
    assert set(out.loc[out["suppressed"], "area"]) == {"A", "B", "C"}


def test_nothing_small_nothing_hidden_and_input_unchanged() -> None:
    frame = _table({"A": 40, "B": 30})
    out = _suppress(frame)
    assert not out["suppressed"].any()
    assert "suppressed" not in frame.columns


def test_blanked_cells_keep_a_range_at_least_the_threshold_wide() -> None:
    # 4 + 7 = 11 would pin each to [1, 10]: narrower than the threshold of 10.
    out = _suppress(_table({"A": 4, "B": 30, "C": 7}))
    assert set(out.loc[out["suppressed"], "area"]) == {"A", "B", "C"}


def test_a_lone_small_cell_with_nothing_to_hide_behind_hides_its_total() -> None:
    out = _suppress(_table({"A": 4, "B": 0, "C": 0}))
    hidden = set(out.loc[out["suppressed"], "area"])
    assert hidden == {"A", "force"}  # else force − 0 − 0 gives A back
    assert out.loc[out["area"] == "force", "demand"].isna().all()


def _fms_areas(current: dict[str, float], forecast: dict[str, float]) -> pd.DataFrame:
    """A two-year FMS area table (one stream): the current year and one forecast."""
    rows = []
    for year, kind, counts in (
        ("2024/25", "actual", current),
        ("2025/26", "forecast", forecast),
    ):
        for area, value in {**counts, "force": sum(counts.values())}.items():
            past = ({**current, "force": sum(current.values())})[area]
            rows.append(
                {
                    "stream": "s",
                    "area": area,
                    "financial_year": year,
                    "kind": kind,
                    "demand": value,
                    **{f"demand_{b}": value for b in ("lo_80", "hi_80")},
                    **{f"demand_{b}": value for b in ("lo_95", "hi_95")},
                    "change_fraction": value / past - 1.0,
                    "change_lo_80": value / past - 1.0,
                    "change_hi_80": value / past - 1.0,
                    "poisson_z": 2.0 * (value**0.5 - past**0.5),
                    "z_flag": False,
                    "hours_per_unit": 2.0,
                    "workload_hours": 2.0 * value,
                }
            )
    return pd.DataFrame(rows)


def test_a_forecast_equal_to_its_hidden_current_year_is_hidden_too() -> None:
    # A (4) is small; C (12) is blanked to protect it. C's forecast of 12 (as a
    # seasonal naive forecast would be) gives C back, and the total then A.
    areas = _fms_areas({"A": 4, "B": 30, "C": 12}, {"A": 15, "B": 31, "C": 12})
    out = suppress_fms_areas(areas, 10)
    hidden = out.loc[out["suppressed"], ["area", "financial_year"]]
    assert set(map(tuple, hidden.to_numpy())) == {
        ("A", "2024/25"),
        ("C", "2024/25"),
        ("C", "2025/26"),  # the echo of C's count
        ("A", "2025/26"),  # and what protects it in the forecast year's total
    }
    forecast_b = out[(out["area"] == "B") & (out["kind"] == "forecast")]
    assert forecast_b["change_fraction"].notna().all()  # B's current year is shown
    assert out.loc[out["area"] == "A", "change_fraction"].isna().all()
    assert out.loc[out["area"] == "A", "workload_hours"].isna().all()
