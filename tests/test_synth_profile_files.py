"""The assumptions and pipeline files `demand synth` writes beside the extracts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from click.testing import CliRunner

from demand.capacity.assumptions import load_assumptions
from demand.cli import cli
from demand.config import load_pipeline
from demand.synth import NORTHSHIRE, ForceProfile
from demand.synth.force_files import force_assumptions_text, write_force_files

ROOT = Path(__file__).resolve().parents[1]
EASTMOOR = ForceProfile(
    name="Eastmoor",
    areas=tuple((f"Area{k}", "urban" if k % 2 else "rural") for k in range(6)),
    area_shares=(1 / 6,) * 6,
    scale=1.6,
    growth_shift_per_year=0.01,
)


def _figures(value: object) -> object:
    """A dataclass tree as plain data, without its free-text `source` notes."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _figures(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in ("source", "path")
        }
    if isinstance(value, dict):
        return {k: _figures(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_figures(v) for v in value]
    return value


def test_northshire_written_by_synth_has_every_figure_of_its_assumptions_file(
    tmp_path: Path,
) -> None:
    paths = write_force_files(tmp_path, NORTHSHIRE)
    written = _figures(load_assumptions(paths["assumptions"]))
    kept = _figures(load_assumptions(ROOT / "pipelines/assumptions/northshire.toml"))
    assert isinstance(written, dict) and isinstance(kept, dict)
    # Northshire's phase-2 scenario file is its own; a generated force has none.
    kept["partner"]["phase_scenarios"] = []
    assert written == kept


def test_a_second_force_is_sized_to_its_areas_and_scale(tmp_path: Path) -> None:
    paths = write_force_files(tmp_path, EASTMOOR)
    a = load_assumptions(paths["assumptions"])
    assert a.force == "Eastmoor"
    assert a.attendance.urban_areas == ("Area1", "Area3", "Area5")
    assert a.departments["control_room"].posts_24x7 == 2 * 6 + 2
    assert a.departments["neighbourhood"].fixed_fte == 2 * round(110 * 1.6)
    northshire = load_assumptions(ROOT / "pipelines/assumptions/northshire.toml")
    ratio = sum(a.shift_pattern.officers_by_hour_of_week()) / sum(
        northshire.shift_pattern.officers_by_hour_of_week()
    )
    assert abs(ratio - 1.6) < 0.01


def test_the_written_pipeline_runs_the_force_from_anywhere(tmp_path: Path) -> None:
    paths = write_force_files(tmp_path / "raw", EASTMOOR)
    config = load_pipeline(paths["pipeline"])
    assert config.name == "eastmoor"
    assert "capacity" in config.stages
    assert Path(config.ingest.paths[0]) == (tmp_path / "raw").resolve()
    assert Path(config.capacity.assumptions) == paths["assumptions"].resolve()


def test_synth_writes_the_files_beside_the_extracts(tmp_path: Path) -> None:
    out = tmp_path / "force2"
    result = CliRunner().invoke(
        cli,
        [
            "synth", "--out", str(out), "--years", "1", "--end", "2025-03-31",
            "--name", "Eastmoor", "--areas", "Ashford:urban,Elmby:rural",
            "--scale", "0.05",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "demand run" in result.output
    a = load_assumptions(out / "assumptions.toml")
    assert a.force == "Eastmoor"
    assert a.attendance.urban_areas == ("Ashford",)
    assert load_pipeline(out / "pipeline.toml").name == "eastmoor"


def test_the_assumptions_text_names_the_force_and_its_wards() -> None:
    text = force_assumptions_text(EASTMOOR)
    assert 'force = "Eastmoor"' in text
    assert "176 wards" in text
