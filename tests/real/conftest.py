"""Stores loaded once per session from the real data sets in ../shared/data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from demand.ingest import IngestResult, ingest
from demand.store import Store


def _load(
    tmp: Path, folder: Path, adapter: str | Path
) -> Iterator[tuple[Store, IngestResult]]:
    with Store(tmp / "demand.duckdb") as store:
        yield store, ingest(store, [folder], adapter=adapter)


@pytest.fixture(scope="session")
def london(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """City of London street crime loaded with the `policeuk` maps."""
    tmp = tmp_path_factory.mktemp("london")
    yield from _load(tmp, shared_data / "london_city_street_crime", "policeuk")


@pytest.fixture(scope="session")
def alexandria(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """The Alexandria CAD and phone files loaded with the `alexandria` maps."""
    tmp = tmp_path_factory.mktemp("alexandria")
    yield from _load(tmp, shared_data / "alexandria_cad", "alexandria")
