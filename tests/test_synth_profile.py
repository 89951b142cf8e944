"""Other synthetic forces: another name, areas, size and growth from the same model."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from demand.cli import cli
from demand.ingest import ingest
from demand.store import Store
from demand.synth import NORTHSHIRE, ForceProfile, force_profiles, generate_force

END = date(2025, 3, 31)


def test_force_profiles_start_with_northshire_and_keep_each_force_whatever_n() -> None:
    few, many = force_profiles(3, seed=9), force_profiles(6, seed=9)
    assert few[0] == NORTHSHIRE
    assert few == many[:3]
    assert len({p.name for p in many}) == 6
    assert all(0.25 <= p.scale <= 4 for p in many)
    assert all(abs(sum(p.area_shares or (1,)) - 1) < 1e-9 for p in many)
    assert force_profiles(6, seed=10) != many


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"areas": (("A", "urban"),)}, "needs area_shares"),
        (
            {"areas": (("A", "urban"), ("A", "rural")), "area_shares": (0.5, 0.5)},
            "distinct",
        ),
        ({"areas": (("A", "suburban"),), "area_shares": (1.0,)}, "urban or rural"),
        ({"areas": (("A", "urban"),), "area_shares": (0.9,)}, "sum to 1"),
        ({"scale": 0.0}, "above 0"),
        ({"name": "../x"}, "letters"),
    ],
)
def test_a_malformed_force_is_refused_in_one_sentence(
    kwargs: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ForceProfile(**kwargs)


@pytest.mark.slow
def test_another_force_loads_with_its_own_areas_and_size(tmp_path: Path) -> None:
    small = ForceProfile(
        name="Eastshire",
        areas=(("Ashford", "urban"), ("Elmby", "rural"), ("Oakley", "rural")),
        area_shares=(0.5, 0.3, 0.2),
        scale=0.5,
    )
    base = generate_force(tmp_path / "north", years=1, end=END, seed=3)
    other = generate_force(tmp_path / "east", years=1, end=END, seed=3, profile=small)
    assert other["force"] == "Eastshire" and list(other["areas"]) == [
        "Ashford",
        "Elmby",
        "Oakley",
    ]
    with Store(tmp_path / "east.duckdb") as store:
        ingest(store, [tmp_path / "east"], adapter="northshire")
        areas = store.con.execute(
            "SELECT area, count(*) FROM incidents GROUP BY area ORDER BY area"
        ).fetchall()
        fte = store.con.execute("SELECT sum(fte) FROM establishment").fetchone()[0]
    with Store(tmp_path / "north.duckdb") as store:
        ingest(store, [tmp_path / "north"], adapter="northshire")
        north_fte = store.con.execute("SELECT sum(fte) FROM establishment").fetchone()[
            0
        ]
    counts = dict(areas)
    assert set(counts) == {"Ashford", "Elmby", "Oakley"}
    assert counts["Ashford"] / sum(counts.values()) == pytest.approx(0.5, abs=0.01)
    rows = {s: f["rows"] for s, f in _stream_rows(other).items()}
    north_rows = {s: f["rows"] for s, f in _stream_rows(base).items()}
    for stream in ("calls", "incidents", "crimes"):
        assert rows[stream] / north_rows[stream] == pytest.approx(0.5, rel=0.03)
    assert fte / north_fte == pytest.approx(0.5, rel=0.02)


def _stream_rows(truth: dict) -> dict[str, dict]:
    totals: dict[str, dict] = {}
    for path, entry in truth["files"].items():
        stream = path.split("/")[0]
        totals.setdefault(stream, {"rows": 0})["rows"] += entry["rows"]
    return totals


@pytest.mark.slow
def test_demand_synth_forces_writes_one_folder_per_force_and_an_index(
    tmp_path: Path,
) -> None:
    out = tmp_path / "forces"
    result = CliRunner().invoke(
        cli, ["synth", "--out", str(out), "--years", "1", "--forces", "2"]
    )
    assert result.exit_code == 0, result.output
    index = json.loads((out / "forces.json").read_text())
    assert [f["name"] for f in index] == [p.name for p in force_profiles(2, 2024)]
    for force in index:
        truth = json.loads((out / force["folder"] / "truth.json").read_text())
        assert truth["force"] == force["name"]
        assert truth["profile"]["scale"] == force["scale"]


def test_demand_synth_refuses_forces_with_a_shape_and_bad_areas(tmp_path: Path) -> None:
    both = CliRunner().invoke(
        cli, ["synth", "--out", str(tmp_path), "--forces", "2", "--scale", "2"]
    )
    assert both.exit_code == 2
    bad = CliRunner().invoke(
        cli, ["synth", "--out", str(tmp_path), "--areas", "Ashford:suburban"]
    )
    assert bad.exit_code == 1
    assert "name:urban or name:rural" in bad.output and "Traceback" not in bad.output
