"""Paths and small writers shared by the ingest tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from demand.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
INCIDENTS_CSV = DATA / "incidents.csv"
FAULTS_CSV = DATA / "incidents_faults.csv"
INCIDENTS_MAP = DATA / "incidents.toml"
INCIDENT_HEADER = (
    "Incident Number,Created,Grade,Opening Category,LPA,Dispatched,Arrived,Cleared,"
    "Officer Hours,Qualifiers"
)


def write_incidents(path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    """Write a Northshire-format incidents CSV with the given data lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join([INCIDENT_HEADER, *rows]) + "\n").encode(encoding))
    return path


def write_map(path: Path, text: str) -> Path:
    """Write a column-map TOML file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def scalar(store: Store, sql: str, params: list[Any] | None = None) -> Any:
    """Return the single value of a query on the store."""
    return store.con.execute(sql, params or []).fetchone()[0]


def rows(store: Store, sql: str, params: list[Any] | None = None) -> list[tuple]:
    """Return all rows of a query on the store."""
    return store.con.execute(sql, params or []).fetchall()
