"""The national roll-up: forces × streams, now and four years ahead, gaps, grades."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from demand.cli import cli
from demand.store import Store


def _fms_store(
    path: Path, demand_now: float, demand_ahead: float, ranges: bool = False
) -> Path:
    """A force's store holding one report's whole-force FMS rows (two streams);
    with `ranges`, forecast years carry an 80 % interval of ±10 % of demand."""
    from demand.report.exports import write_fms_views

    rows = []
    for stream, scale in (("calls", 10.0), ("incidents", 1.0)):
        rows.append(
            {"financial_year": "2025/26", "kind": "actual", "demand": demand_now}
            | {"department_gap_fte": None, "grade": ""}
            | {"stream": stream, "scale": scale}
        )
        for k, year in enumerate(
            ("2026/27", "2027/28", "2028/29", "2029/30", "2030/31")
        ):
            rows.append(
                {"financial_year": year, "kind": "forecast"}
                | {"demand": demand_now + (demand_ahead - demand_now) * (k + 1) / 4}
                | {"department_gap_fte": 2.0 * k, "grade": f"g{k}"}
                | {"stream": stream, "scale": scale}
            )
    frame = pd.DataFrame(rows)
    frame["demand"] *= frame.pop("scale")
    if ranges:
        forecast = frame["kind"] == "forecast"
        now = frame["stream"].map(frame[~forecast].set_index("stream")["demand"])
        for end, factor in (("lo", 0.9), ("hi", 1.1)):
            frame[f"demand_{end}_80"] = (factor * frame["demand"]).where(forecast)
            frame[f"change_{end}_80"] = frame[f"demand_{end}_80"] / now - 1
    frame = frame.assign(
        area="force", department="response", pipeline="fms", run_id="r1"
    )
    with Store(path) as store:
        write_fms_views(store, {"fms_areas": frame}, "fms")
    return path


def test_national_rolls_up_forces_now_and_four_years_ahead(tmp_path: Path) -> None:
    from demand.national import national_rollup

    (tmp_path / "north").mkdir()
    (tmp_path / "south").mkdir()
    stores = {
        "north": _fms_store(tmp_path / "north" / "demand.duckdb", 100.0, 120.0),
        "south": _fms_store(tmp_path / "south" / "demand.duckdb", 50.0, 40.0),
    }
    table = national_rollup(stores)
    calls = table[table["stream"] == "calls"].set_index("force")
    assert list(table["force"]) == ["north", "north", "south", "south"]
    assert calls.loc["north", "demand_now"] == 1000.0
    assert calls.loc["north", "year_ahead"] == "2029/30"  # four years on, not the last
    assert calls.loc["north", "demand_ahead"] == pytest.approx(1200.0)
    assert calls.loc["south", "change_fraction"] == pytest.approx(-0.2)
    assert calls.loc["south", "department_gap_fte"] == 6.0
    assert calls.loc["south", "grade"] == "g3"


def test_national_command_writes_a_safe_csv_and_a_chart(tmp_path: Path) -> None:
    for force in ("north", "=cmd"):
        (tmp_path / force).mkdir()
        _fms_store(tmp_path / force / "demand.duckdb", 100.0, 110.0)
    out = tmp_path / "national"
    args = [
        "national",
        *(str(tmp_path / f / "demand.duckdb") for f in ("north", "=cmd")),
    ]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = (out / "national.csv").read_text(encoding="utf-8")
    assert '"\'=cmd"' in text and "\n=cmd" not in text
    assert (out / "national_change.svg").read_text(encoding="utf-8").startswith("<?xml")
    missing = CliRunner().invoke(cli, ["national", str(tmp_path / "nowhere.duckdb")])
    assert missing.exit_code == 1 and "no such store" in missing.output


def test_national_table_shows_small_changes_as_percentages(tmp_path: Path) -> None:
    # +1.7 % used to print as a change_fraction of 0.0 (one decimal of 0.017)
    (tmp_path / "west").mkdir()
    _fms_store(tmp_path / "west" / "demand.duckdb", 60.0, 61.0)
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        cli,
        ["national", str(tmp_path / "west" / "demand.duckdb"), "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "change_pct" in result.output and "1.70" in result.output
    csv = CliRunner().invoke(
        cli, ["national", str(tmp_path / "west" / "demand.duckdb"), "--csv"]
    )
    assert "change_fraction" in csv.output  # machines keep the fraction


def test_national_carries_each_force_s_80_range(tmp_path: Path) -> None:
    from demand.national import COLUMNS, national_rollup

    (tmp_path / "north").mkdir()
    db = _fms_store(tmp_path / "north" / "demand.duckdb", 100.0, 120.0, ranges=True)
    table = national_rollup({"north": db})
    calls = table.set_index("stream").loc["calls"]
    assert list(table.columns[:10]) == [  # the original columns, in their order
        *("force", "stream", "department", "year_now", "demand_now"),
        *("year_ahead", "demand_ahead", "change_fraction"),
        *("department_gap_fte", "grade"),
    ]
    assert list(table.columns) == list(COLUMNS)
    assert calls["demand_ahead_lo_80"] == pytest.approx(1080.0)  # 0.9 × 1200
    assert calls["demand_ahead_hi_80"] == pytest.approx(1320.0)
    assert calls["change_lo_80"] == pytest.approx(0.08)
    assert calls["change_hi_80"] == pytest.approx(0.32)


def test_a_force_without_ranges_gets_empty_cells_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from demand.national import national_rollup

    for force, ranges in (("north", True), ("south", False)):
        (tmp_path / force).mkdir()
        _fms_store(tmp_path / force / "demand.duckdb", 100.0, 90.0, ranges=ranges)
    stores = {f: tmp_path / f / "demand.duckdb" for f in ("north", "south")}
    with caplog.at_level("WARNING", logger="demand.national"):
        table = national_rollup(stores).set_index("force")
    ranges = ["demand_ahead_lo_80", "demand_ahead_hi_80", "change_lo_80"]
    ranges.append("change_hi_80")
    assert table.loc["south", ranges].isna().all().all()  # none invented
    assert table.loc["north", ranges].notna().all().all()
    warned = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("south:") and "change_lo_80" in m for m in warned)
    assert not any(m.startswith("north") for m in warned)


def test_a_change_is_clear_only_where_its_range_excludes_zero() -> None:
    from demand.national import format_change_range, is_clear_change

    rows = pd.DataFrame(
        {
            "change_lo_80": [0.02, -0.30, -0.05, 0.0, float("nan"), -0.2],
            "change_hi_80": [0.10, -0.01, 0.04, 0.1, 0.1, float("nan")],
        }
    )
    clear = is_clear_change(rows)
    assert clear.iloc[:4].tolist() == [True, True, False, False]  # 0 is no change
    assert clear.iloc[4:].isna().all()  # no range: not known either way
    assert format_change_range(-0.02, 0.103) == "-2.0 to +10.3"
    assert format_change_range(-0.004, 0.2, decimals=0) == "-0.4 to +20"
    assert format_change_range(float("nan"), 0.1) == "no range"


def test_national_screen_shows_the_change_s_range(tmp_path: Path) -> None:
    (tmp_path / "west").mkdir()
    db = _fms_store(tmp_path / "west" / "demand.duckdb", 100.0, 110.0, ranges=True)
    args = ["national", str(db), "--out", str(tmp_path)]
    result = CliRunner(env={"COLUMNS": "250"}).invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "change_80_pct" in result.output
    assert "-1.0 to +21.0" in result.output  # 0.9 × 110 / 100 − 1, 1.1 × 110 / 100 − 1
    csv = pd.read_csv(io.StringIO(CliRunner().invoke(cli, [*args, "--csv"]).output))
    assert csv.loc[0, "change_hi_80"] == pytest.approx(0.21)  # machines: fractions
    svg = (tmp_path / "national_change.svg").read_text(encoding="utf-8")
    assert "(-1 to +21)" in svg  # the chart's cell shows the range too


def test_for_publication_the_roll_up_blanks_what_the_fms_copy_blanks(
    tmp_path: Path,
) -> None:
    from demand.national import national_rollup
    from demand.report.exports import write_fms_views

    # Calls in the current year: 3 in area a, 0 in b, so the force's 3 is all
    # of a's hidden count and the published FMS copy blanks it too; the
    # forecast year's 100 is shown, its change and range (which would give
    # 3 back as demand_ahead_lo_80 / (1 + change_lo_80)) are not.
    rows = []
    for area, now, ahead in (("force", 3.0, 100.0), ("a", 3.0, 60.0), ("b", 0, 40)):
        rows.append(
            {"area": area, "financial_year": "2025/26", "kind": "actual"}
            | {"demand": now, "demand_lo_80": None, "demand_hi_80": None}
        )
        rows.append(
            {"area": area, "financial_year": "2029/30", "kind": "forecast"}
            | {"demand": ahead, "demand_lo_80": 0.8 * ahead}
            | {"demand_hi_80": 1.2 * ahead}
        )
    frame = pd.DataFrame(rows).assign(
        stream="calls", department="response", grade="", department_gap_fte=None
    )
    now = frame["area"].map(
        frame[frame["kind"] == "actual"].set_index("area")["demand"]
    )
    for end in ("lo", "hi"):
        frame[f"change_{end}_80"] = frame[f"demand_{end}_80"] / now - 1
    (tmp_path / "tiny").mkdir()
    db = tmp_path / "tiny" / "demand.duckdb"
    with Store(db) as store:
        write_fms_views(
            store, {"fms_areas": frame.assign(pipeline="p", run_id="r")}, "p"
        )
    shown = national_rollup({"tiny": db}).iloc[0]
    assert shown["demand_now"] == 3.0  # the store's own rows, for the force
    assert shown["change_lo_80"] == pytest.approx(80 / 3 - 1)
    published = national_rollup({"tiny": db}, disclosure_threshold=10).iloc[0]
    assert published["demand_ahead"] == 100.0  # shown in the FMS copy too
    assert published["demand_ahead_lo_80"] == pytest.approx(80.0)
    blank = ["demand_now", "change_fraction", "change_lo_80", "change_hi_80"]
    assert published[blank].isna().all()
    args = ["national", str(db), "--disclosure-threshold", "10", "--csv"]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(io.StringIO(result.output))["demand_now"].isna().all()


def test_the_colour_scale_is_left_out_for_a_few_forces(tmp_path: Path) -> None:
    from demand.report.charts_national import (
        MIN_FORCES_FOR_SCALE,
        national_change_chart,
    )

    def table(n_forces: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "force": [f"force-{i}" for i in range(n_forces)],
                "stream": "calls",
                "change_fraction": [0.1 * (i % 2) for i in range(n_forces)],
                "change_lo_80": -0.2,
                "change_hi_80": 0.2,
            }
        )

    few = national_change_chart(table(1), tmp_path / "few.svg").read_text("utf-8")
    many = national_change_chart(
        table(MIN_FORCES_FOR_SCALE), tmp_path / "many.svg"
    ).read_text("utf-8")
    assert "change in demand, %" in many  # the scale's label
    assert "change in demand, %" not in few  # squashed to one row: left out
    assert "(-20 to +20)" in few  # each cell still says its change and range
