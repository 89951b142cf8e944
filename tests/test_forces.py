"""Many forces in one command: a store each, one engine for all, a failure reported."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import demand.forces
import demand.pipeline
from demand.cli import cli
from demand.cli.pipeline_commands import _force_head
from demand.lock import lock_path, run_lock
from demand.store import Store
from demand.synth import generate_force

PIPELINE = """
[pipeline]
name = "{name}"
stages = ["ingest", "series", "forecast"]
[store]
db = "{db}"
[ingest]
paths = ["{raw}"]
[series]
streams = ["mental_health"]
freqs = ["D"]
[forecast]
streams = ["mental_health"]
models = ["seasonal_naive"]
hourly_streams = []
backtest = false
models_dir = "{models}"
[engine]
{engine}
"""


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One year of a synthetic force's extracts, shared by the forces here."""
    folder = tmp_path_factory.mktemp("forces") / "raw"
    generate_force(folder, years=1, end=date(2025, 3, 31), seed=5)
    return folder


def _force(
    root: Path, name: str, raw: Path, engine: str = "workers = 1"
) -> tuple[Path, Path]:
    """A force's pipeline file and the store it writes."""
    db = root / name / "demand.duckdb"
    db.parent.mkdir(parents=True)
    path = root / f"{name}.toml"
    models = root / name / "models"
    text = PIPELINE.format(name=name, db=db, raw=raw, models=models, engine=engine)
    path.write_text(text, encoding="utf-8")
    return path, db


def _forecasts(db: Path) -> int:
    with Store(db, read_only=True) as store:
        return store.con.execute("SELECT count(*) FROM forecasts").fetchone()[0]


def test_two_forces_run_into_their_own_stores_on_one_engine(
    tmp_path: Path, raw: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    for module in (demand.forces, demand.pipeline):
        real = module.open_engine

        def counting(config, real=real, name=module.__name__):  # noqa: ANN001, ANN202
            opened.append(name)
            return real(config)

        monkeypatch.setattr(module, "open_engine", counting)
    north, north_db = _force(tmp_path, "north", raw)
    south, south_db = _force(tmp_path, "south", raw)
    result = CliRunner().invoke(
        cli, ["run", str(north), str(south)], env={"DEMAND_DB": None}
    )
    assert result.exit_code == 0, result.output
    assert opened == ["demand.forces"]  # one engine for both, not one per force
    assert _forecasts(north_db) == _forecasts(south_db) > 0
    assert "north" in result.output and "south" in result.output
    # The log says which force of how many, and the whole run's time left.
    assert "north (1 of 2)" in result.output
    assert re.search(r"south \(2 of 2; about \d+ min left in all\)", result.output)


def test_a_failed_force_is_reported_and_the_others_still_run(
    tmp_path: Path, raw: Path
) -> None:
    north, north_db = _force(tmp_path, "north", raw)
    south, south_db = _force(tmp_path, "south", raw)
    with run_lock(lock_path(north_db), "another run"):
        result = CliRunner().invoke(
            cli, ["run", str(north), str(south)], env={"DEMAND_DB": None}
        )
    assert result.exit_code == 1
    assert "1 of 2 forces failed (north:" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert _forecasts(south_db) > 0


def test_pipelines_of_different_engines_or_one_store_are_refused_before_running(
    tmp_path: Path, raw: Path
) -> None:
    north, north_db = _force(tmp_path, "north", raw)
    south, _ = _force(tmp_path, "south", raw, "workers = 2")
    result = CliRunner().invoke(cli, ["run", str(north), str(south)])
    assert result.exit_code == 1
    assert "different [engine] tables" in " ".join(result.output.split())
    assert not north_db.exists()
    result = CliRunner().invoke(cli, ["run", str(north), str(north)])
    assert result.exit_code == 1 and "share the name north" in result.output
    assert not north_db.exists()


@pytest.mark.parametrize(
    ("index", "forces", "elapsed", "head"),
    [
        (0, 1, 0.0, "north"),  # one force: nothing to count
        (0, 43, 0.0, "north (1 of 43)"),  # no pace yet
        (1, 2, 100.0, "north (2 of 2; about 2 min left in all)"),
        (
            3,
            43,
            600.0,
            "north (4 of 43; about 2 h 14 min left in all)",
        ),  # 200 s a force
    ],
)
def test_each_force_says_where_the_run_is_and_its_time_left(
    index: int, forces: int, elapsed: float, head: str
) -> None:
    assert _force_head("north", index, forces, elapsed) == head


def test_the_national_roll_up_blanks_what_publishing_forces_blank(
    tmp_path: Path, raw: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import demand.cli.pipeline_commands as commands

    called: list[tuple] = []
    monkeypatch.setattr(commands, "roll_up", lambda *args: called.append(args))
    north, _ = _force(tmp_path, "north", raw)
    south, _ = _force(tmp_path, "south", raw)
    with north.open("a", encoding="utf-8") as file:  # north publishes, at 7
        file.write("[report]\npublish = true\ndisclosure_threshold = 7\n")
    out = tmp_path / "national"
    args = ["run", str(north), str(south), "--national", str(out)]
    result = CliRunner().invoke(cli, args, env={"DEMAND_DB": None})
    assert result.exit_code == 0, result.output
    assert called[0][2] == out and called[0][4] == 7  # the strictest publisher's
    called.clear()
    north.write_text(north.read_text().replace("publish = true", "publish = false"))
    result = CliRunner().invoke(cli, args, env={"DEMAND_DB": None})
    assert result.exit_code == 0, result.output
    assert called[0][4] is None  # nobody publishes: the stored rows
