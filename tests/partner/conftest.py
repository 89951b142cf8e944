"""Fixtures of the partner-demand tests: Northshire's incidents in a real store."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from partner_helpers import ASSUMPTIONS, keep_streams

from demand.capacity.assumptions import Assumptions, load_assumptions
from demand.ingest import ingest
from demand.store import Store
from demand.synth import generate_force


@dataclass(frozen=True)
class Force:
    """A synthetic force's store (incidents and mental health) and its truth."""

    db: Path
    truth: dict


@pytest.fixture(scope="session")
def northshire(tmp_path_factory: pytest.TempPathFactory) -> Force:
    """Four synthetic years of Northshire (RCRP went live in July 2023, 15
    months in), incidents and mental-health extracts ingested."""
    base = tmp_path_factory.mktemp("partner")
    generate_force(base / "raw", years=4, end=date(2026, 3, 31), seed=2024)
    keep_streams(base / "raw", {"incidents", "mental_health"})
    with Store(base / "s.duckdb") as store:
        result = ingest(store, [base / "raw"], adapter="northshire")
        assert result.ok, result.errors
    truth = json.loads((base / "raw" / "truth.json").read_text(encoding="utf-8"))
    return Force(base / "s.duckdb", truth)


@pytest.fixture(scope="session")
def assumptions() -> Assumptions:
    """Northshire's assumptions, with its `[partner]` table."""
    return load_assumptions(ASSUMPTIONS)
