"""The store creates every contract table and runs work all-or-nothing."""

from __future__ import annotations

import pytest

from demand.schemas import STREAMS, get_stream
from demand.store import Store, quote
from demand.tables import DERIVED_TABLES


def test_store_creates_every_stream_and_derived_table(store: Store) -> None:
    counts = store.table_counts()
    assert set(counts) == set(STREAMS) | set(DERIVED_TABLES)
    assert all(n == 0 for n in counts.values())


def test_stream_tables_carry_schema_and_system_columns(store: Store) -> None:
    for name, schema in STREAMS.items():
        cols = [r[0] for r in store.con.execute(f"DESCRIBE {quote(name)}").fetchall()]
        assert cols == [*schema.column_names, "source_file", "loaded_at"]


def test_transaction_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as con:
        con.execute(
            "INSERT INTO establishment (department, role, as_at, fte, source_file, "
            "loaded_at) VALUES ('response', 'PC', DATE '2025-03-31', 10, 'x', now())"
        )
        raise RuntimeError("interrupted")
    assert store.count("establishment") == 0


def test_reopening_a_store_keeps_its_rows(tmp_path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as s, s.transaction() as con:
        con.execute(
            "INSERT INTO establishment (department, role, as_at, fte, source_file, "
            "loaded_at) VALUES ('response', 'PC', DATE '2025-03-31', 10, 'x', now())"
        )
    with Store(path, read_only=True) as s:
        assert s.count("establishment") == 1


def test_unknown_stream_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="calls, incidents"):
        get_stream("burglaries")


def test_quote_escapes_double_quotes() -> None:
    assert quote('a"b') == '"a""b"'


def test_a_store_made_by_another_version_is_refused(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    with Store(path) as s:
        s.con.execute("ALTER TABLE runs DROP COLUMN data_fingerprint")
    with pytest.raises(ValueError, match="another version of demand.*data_fingerprint"):
        Store(path)


def _stage_run(store: Store, run_id: str, pipeline: str, stage: str, minute: int):
    store.con.execute(
        "INSERT INTO stage_runs VALUES (?, ?, ?, 'i', 's', 'c', 'ran', NULL, "
        "TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_minutes(?), "
        "TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_minutes(?), 1.0, 1)",
        [run_id, pipeline, stage, minute, minute],
    )


def test_latest_run_is_the_pipelines_own(store: Store) -> None:
    _stage_run(store, "r1", "fms_annual", "forecast", 1)
    _stage_run(store, "r2", "weekly_operational", "forecast", 2)
    store.con.execute(
        "INSERT INTO forecasts (run_id, unique_id, stream, freq, measure, ds, "
        "horizon, model, mean) SELECT run_id, 'calls', 'calls', 'M', 'count', "
        "TIMESTAMP '2026-04-01', 1, 'm', 1.0 FROM (VALUES ('r1'), ('r2')) v(run_id)"
    )
    assert store.latest_run("fms_annual", "forecast", "forecasts") == "r1"
    assert store.latest_run("weekly_operational", "forecast") == "r2"
    assert store.latest_run("other", "forecast") is None
    # without run history, the newest run id holding rows stands in
    assert store.latest_run("other", "forecast", "forecasts") == "r2"
