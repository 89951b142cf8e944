"""The store creates every contract table and runs work all-or-nothing."""

from __future__ import annotations

import pytest

from demand.schemas import DERIVED_TABLES, STREAMS, get_stream
from demand.store import Store, quote


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
