"""Area values: one spelling per area, whatever the spaces, line breaks and case."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import duckdb

from demand.schemas import STREAMS
from demand.store import quote

__all__ = [
    "NORMALISED_COLUMNS",
    "Normalised",
    "canonical_spellings",
    "describe",
    "normalise",
]

logger = logging.getLogger(__name__)

NORMALISED_COLUMNS = ("area",)
"""Columns whose values are normalised at ingest (they become series and FMS rows)."""
_MAP = "_ingest_normal_map"


@dataclass(frozen=True)
class Normalised:
    """One source spelling rewritten at ingest.

    Args:
        column: The canonical column (`area`).
        original: The value as the file gave it (trimmed).
        normalised: The value stored; None (no area) for one of only
            whitespace, such as a tab.
        rows: Rows of the file that held `original`.
    """

    column: str
    original: str
    normalised: str | None
    rows: int


def _collapse(text: str) -> str:
    """Trim, and make every run of spaces, tabs and line breaks one space."""
    return " ".join(text.split())


def _rank(spelling: str, count: int) -> tuple[int, bool, str]:
    # Most rows first; on a tie, a mixed-case spelling ("Northtown") before an
    # all-capitals or all-lower one; then alphabetical, so the choice is stable.
    mixed = spelling != spelling.upper() and spelling != spelling.lower()
    return (-count, not mixed, spelling)


def canonical_spellings(
    file_counts: Counter[str], store_counts: Counter[str]
) -> dict[str, str | None]:
    """Return each source spelling's canonical form.

    Policy: whitespace is collapsed; spellings that then differ only in case
    are one area. Its canonical spelling is the one the store already holds
    most often (so earlier loads keep their names), else the file's most
    frequent spelling, preferring mixed case on a tie ("Northtown" over
    "NORTHTOWN"). A bad first spelling can be fixed with `[values.area]`.

    Args:
        file_counts: Spelling in the file -> rows.
        store_counts: Spelling in the store's stream tables -> rows.

    Returns:
        Every spelling of `file_counts` -> its canonical spelling; None for
        one of only whitespace (a tab, a line break), which is no value.
    """
    by_key: dict[str, Counter[str]] = {}
    for spelling, count in file_counts.items():
        collapsed = _collapse(spelling)
        by_key.setdefault(collapsed.casefold(), Counter())[collapsed] += count
    known: dict[str, Counter[str]] = {}
    for spelling, count in store_counts.items():
        known.setdefault(spelling.casefold(), Counter())[spelling] += count
    chosen: dict[str, str | None] = {"": None}
    for key, spellings in by_key.items():
        if not key:
            continue
        pool = known.get(key) or spellings
        chosen[key] = min(pool.items(), key=lambda sc: _rank(*sc))[0]
    return {s: chosen[_collapse(s).casefold()] for s in file_counts}


def _store_counts(con: duckdb.DuckDBPyConnection, column: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for schema in STREAMS.values():
        if column not in schema.column_names:
            continue
        col = quote(column)
        for value, rows in con.execute(
            f"SELECT {col}, count(*) FROM {quote(schema.name)} "
            f"WHERE {col} IS NOT NULL GROUP BY ALL"
        ).fetchall():
            counts[str(value)] += int(rows)
    return counts


def normalise(
    con: duckdb.DuckDBPyConnection, rows_table: str, columns: tuple[str, ...]
) -> tuple[Normalised, ...]:
    """Rewrite the staged rows' area spellings to their canonical forms.

    Args:
        con: The store's connection, holding the staged rows.
        rows_table: TEMP table of the staged rows (canonical columns, `_keep`).
        columns: The mapped columns to normalise (of `NORMALISED_COLUMNS`).

    Returns:
        One entry per spelling rewritten, with its rows in the file.
    """
    done: list[Normalised] = []
    for column in columns:
        col = quote(column)
        file_counts = Counter(
            {
                str(v): int(n)
                for v, n in con.execute(
                    f"SELECT {col}, count(*) FROM {rows_table} "
                    f"WHERE {col} IS NOT NULL AND _keep GROUP BY ALL"
                ).fetchall()
            }
        )
        if not file_counts:
            continue
        spelling = canonical_spellings(file_counts, _store_counts(con, column))
        changed = [(o, n) for o, n in spelling.items() if o != n]
        if not changed:
            continue
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_MAP} (o VARCHAR, n VARCHAR)")
        con.executemany(
            f"INSERT INTO {_MAP} VALUES (?, ?)", [[o, n] for o, n in changed]
        )
        con.execute(
            f"UPDATE {rows_table} SET {col} = m.n FROM {_MAP} m "
            f"WHERE {rows_table}.{col} = m.o"
        )
        con.execute(f"DROP TABLE {_MAP}")
        done += [Normalised(column, o, n, file_counts[o]) for o, n in sorted(changed)]
    if done:
        logger.info("normalised %d spelling(s): %s", len(done), describe(done))
    return tuple(done)


def describe(normalised: tuple[Normalised, ...] | list[Normalised]) -> str:
    """Say what was normalised, e.g. `area 'nORTHTOWN' -> 'Northtown' (2 rows)`."""
    shown = [
        f"{n.column} {n.original!r} -> {n.normalised!r} ({n.rows} rows)"
        for n in normalised[:5]
    ]
    more = len(normalised) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
