"""Fixtures of the capacity tests."""

from __future__ import annotations

import pytest
from capacity_helpers import NORTHSHIRE

from demand.capacity.assumptions import Assumptions, load_assumptions


@pytest.fixture(scope="session")
def assumptions() -> Assumptions:
    """Northshire's shipped assumptions."""
    return load_assumptions(NORTHSHIRE)
