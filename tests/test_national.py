"""The national roll-up: forces × streams, now and four years ahead, gaps, grades."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from demand.cli import cli
from demand.store import Store


def _fms_store(path: Path, demand_now: float, demand_ahead: float) -> Path:
    """A force's store holding one report's whole-force FMS rows (two streams)."""
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
