"""Local times become UTC across both clock changes, by the documented policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from ingest_helpers import INCIDENTS_MAP, rows, write_incidents

from demand.ingest import ingest
from demand.store import Store

LONDON = ZoneInfo("Europe/London")


def _load_week(store: Store, tmp_path: Path, start: datetime) -> list[tuple]:
    """Ingest one incident every 10 minutes for a week of local wall-clock times."""
    stamps = [start + timedelta(minutes=10 * i) for i in range(7 * 144)]
    lines = [
        f"D{i},{t:%d/%m/%Y %H:%M},2,ASB,Northtown,,,,," for i, t in enumerate(stamps)
    ]
    path = write_incidents(tmp_path / "incidents_week.csv", lines)
    (file,) = ingest(store, [path], INCIDENTS_MAP).files
    assert file.rows_loaded == len(stamps)
    got = rows(
        store,
        "SELECT created_at FROM incidents ORDER BY CAST(substr(incident_id, 2) AS INT)",
    )
    return list(zip(stamps, (g for (g,) in got), strict=True))


def test_spring_week_gap_times_are_read_as_gmt(store: Store, tmp_path: Path):
    pairs = _load_week(store, tmp_path, datetime(2024, 3, 28))
    for local, stored in pairs:
        # fold=0 reads a non-existent 01:xx with the offset before the change (GMT)
        assert stored == local.replace(tzinfo=LONDON, fold=0).astimezone(UTC)
    as_stored = dict(pairs)
    assert as_stored[datetime(2024, 3, 31, 0, 30)] == datetime(
        2024, 3, 31, 0, 30, tzinfo=UTC
    )
    assert as_stored[datetime(2024, 3, 31, 1, 30)] == datetime(
        2024, 3, 31, 1, 30, tzinfo=UTC
    )
    assert as_stored[datetime(2024, 3, 31, 2, 30)] == datetime(
        2024, 3, 31, 1, 30, tzinfo=UTC
    )


def test_autumn_week_repeated_hour_is_read_as_its_second_gmt_occurrence(
    store: Store, tmp_path: Path
):
    pairs = _load_week(store, tmp_path, datetime(2024, 10, 24))
    for local, stored in pairs:
        # fold=1 picks the second occurrence of the repeated 01:xx (GMT)
        assert stored == local.replace(tzinfo=LONDON, fold=1).astimezone(UTC)
    as_stored = dict(pairs)
    assert as_stored[datetime(2024, 10, 27, 0, 30)] == datetime(
        2024, 10, 26, 23, 30, tzinfo=UTC
    )
    assert as_stored[datetime(2024, 10, 27, 1, 30)] == datetime(
        2024, 10, 27, 1, 30, tzinfo=UTC
    )
    assert as_stored[datetime(2024, 10, 27, 2, 30)] == datetime(
        2024, 10, 27, 2, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("timezone", "expected"),
    [
        ("Europe/London", datetime(2024, 7, 1, 11, tzinfo=UTC)),
        ("UTC", datetime(2024, 7, 1, 12, tzinfo=UTC)),
    ],
)
def test_map_timezone_sets_how_local_times_are_read(
    store: Store, tmp_path: Path, timezone: str, expected
):
    text = INCIDENTS_MAP.read_text(encoding="utf-8")
    adapter = tmp_path / "tz.toml"
    adapter.write_text(f'timezone = "{timezone}"\n' + text, encoding="utf-8")
    path = write_incidents(
        tmp_path / "incidents_tz.csv", ["T1,01/07/2024 12:00,1,ASB,Northtown,,,,,"]
    )
    ingest(store, [path], adapter)
    assert rows(store, "SELECT created_at FROM incidents") == [(expected,)]
