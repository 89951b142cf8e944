"""Each pipeline has its own store and exports by default; sharing is explicit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from demand.cli import cli
from demand.report.exports import write_fms_views
from demand.store import Store, default_db_path

DATA = Path(__file__).resolve().parent / "data"

PIPELINE = """
[pipeline]
name = "{name}"
stages = ["ingest"]

[ingest]
paths = ["raw"]
adapter = "{adapter}"
{extra}
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder to run in, holding the handwritten incidents extract."""
    (tmp_path / "raw").mkdir()
    shutil.copy(DATA / "incidents.csv", tmp_path / "raw" / "incidents.csv")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEMAND_DB", raising=False)
    return tmp_path


def _pipeline(folder: Path, name: str, extra: str = "") -> Path:
    path = folder / f"{name}.toml"
    adapter = DATA / "incidents.toml"
    path.write_text(
        PIPELINE.format(name=name, adapter=adapter, extra=extra), encoding="utf-8"
    )
    return path


def _pipelines_in(db: Path) -> set[str]:
    with Store(db, read_only=True) as store:
        rows = store.con.execute("SELECT DISTINCT pipeline FROM runs").fetchall()
    return {r[0] for r in rows}


def test_the_default_store_is_the_pipelines_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from demand.store import pipeline_folder

    monkeypatch.delenv("DEMAND_DB", raising=False)
    own = Path("data/processed/weekly/demand.duckdb")
    assert default_db_path("weekly") == own
    assert default_db_path() == Path("data/processed/demo/demand.duckdb")
    assert default_db_path("weekly", "shared.duckdb") == Path("shared.duckdb")
    monkeypatch.setenv("DEMAND_DB", "/srv/x.duckdb")  # the environment still wins
    assert default_db_path("weekly", "shared.duckdb") == Path("/srv/x.duckdb")
    with pytest.raises(ValueError, match="cannot name a folder"):
        pipeline_folder("../elsewhere")


def test_two_pipelines_run_without_db_keep_apart(workdir: Path) -> None:
    for name in ("alpha", "beta"):
        result = CliRunner().invoke(cli, ["run", str(_pipeline(workdir, name))])
        assert result.exit_code == 0, result.output
        assert f"data/processed/{name}/demand.duckdb" in result.output
    for name in ("alpha", "beta"):
        db = workdir / "data" / "processed" / name / "demand.duckdb"
        assert _pipelines_in(db) == {name}
    assert not (workdir / "data" / "processed" / "demand.duckdb").exists()


def test_pipelines_share_a_store_only_when_both_name_it(workdir: Path) -> None:
    shared = '[store]\ndb = "shared/demand.duckdb"'
    for name in ("alpha", "beta"):
        pipeline = _pipeline(workdir, name, shared)
        result = CliRunner().invoke(cli, ["run", str(pipeline)])
        assert result.exit_code == 0, result.output
    assert _pipelines_in(workdir / "shared" / "demand.duckdb") == {"alpha", "beta"}
    other = workdir / "other.duckdb"  # --db still overrides the file's path
    result = CliRunner().invoke(cli, ["run", str(pipeline), "--db", str(other)])
    assert result.exit_code == 0, result.output
    assert _pipelines_in(other) == {"beta"}


def test_fms_views_keep_each_pipelines_latest_report(tmp_path: Path) -> None:
    def table(pipeline: str, run_id: str, demand: float) -> pd.DataFrame:
        return pd.DataFrame(
            {"pipeline": pipeline, "run_id": run_id, "area": ["A"], "demand": demand}
        )

    with Store(tmp_path / "s.duckdb") as store:
        write_fms_views(store, {"fms_areas": table("weekly", "w1", 1.0)}, "weekly")
        write_fms_views(store, {"fms_areas": table("annual", "a1", 2.0)}, "annual")
        write_fms_views(store, {"fms_areas": table("weekly", "w2", 3.0)}, "weekly")
        rows = store.con.execute(
            "SELECT pipeline, run_id, demand FROM fms_areas ORDER BY pipeline"
        ).fetchall()
    assert rows == [("annual", "a1", 2.0), ("weekly", "w2", 3.0)]
