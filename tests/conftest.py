"""Shared fixtures: an in-memory store, and the real data sets where they exist."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from demand.store import Store

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def db() -> duckdb.DuckDBPyConnection:
    """A bare in-memory DuckDB connection."""
    con = duckdb.connect(":memory:")
    yield con
    con.close()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """An empty store in a real DuckDB file under tmp_path."""
    with Store(tmp_path / "demand.duckdb") as s:
        yield s


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data sets in ../shared/data; skips cleanly where absent."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"real data not found at {path}")
    return path


@pytest.fixture
def incidents_csv() -> Path:
    """A handwritten incidents extract: a gap, the autumn clock change, a bad row.

    Its column map is `tests/data/incidents.toml`.
    """
    return DATA / "incidents.csv"
