"""Staging: read, parse and check one file into TEMP tables, set-based, in DuckDB."""

from __future__ import annotations

import difflib
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb

from demand.ingest.adapter import Adapter
from demand.ingest.errors import IngestError
from demand.ingest.normalise import NORMALISED_COLUMNS, Normalised, describe, normalise
from demand.ingest.plausible import date_window, layout_hints
from demand.ingest.sources import (
    EXCEL_DATE_FORMAT,
    EXCEL_DATETIME_FORMAT,
    FileScan,
    find_blank_lines,
    gunzip,
    read_csv_header,
    transcode_to_utf8,
    xlsx_to_csv,
)
from demand.ingest.validate import SourceColumn, build_parse_query
from demand.store import quote

__all__ = [
    "BAD",
    "CSV_REJECTS",
    "GAPS",
    "ROWS",
    "drop_temp",
    "has_table",
    "scalar",
    "Staged",
    "stage_file",
]

logger = logging.getLogger(__name__)

# Per-file work tables: TEMP, so they never reach the database file.
ROWS = "_ingest_rows"
GAPS = "_ingest_gaps"
BAD = "_ingest_bad"
_CHECKS = "_ingest_checks"
CSV_REJECTS = "_ingest_csv_rejects"
_CSV_SCANS = "_ingest_csv_scans"
_TEMP_TABLES = (ROWS, GAPS, BAD, _CHECKS, CSV_REJECTS, _CSV_SCANS)

# Errors that mean "this file is not what the map says"; others (an interrupt
# from Ctrl-C, a bug) propagate.
_READ_ERRORS = (
    duckdb.InvalidInputException,
    duckdb.IOException,
    duckdb.ConversionException,
)

_READ_CSV = (
    "read_csv($file, header = true, auto_detect = false, all_varchar = true, "
    "delim = $delim, quote = '\"', escape = '\"', columns = $columns, "
    f"nullstr = $nullstr, store_rejects = true, rejects_table = '{CSV_REJECTS}', "
    f"rejects_scan = '{_CSV_SCANS}', rejects_limit = 0)"
)


@dataclass
class _Source:
    """A file made ready for DuckDB: the relation to read and what it holds."""

    sql: str
    params: dict[str, Any]
    headers: list[str]
    columns: dict[str, SourceColumn]  # header -> source column
    is_csv: bool
    gap_lines: list[int] = field(default_factory=list)
    plain: Path | None = None  # the decompressed copy of a .gz file


def _prepare(
    path: Path,
    fmt: str,
    adapter: Adapter,
    encoding: str | None,
    tmp: Path,
    con: duckdb.DuckDBPyConnection,
) -> _Source:
    """Return the relation to read `path` from, transcoding or converting it first."""
    gap_lines: list[int] = []
    if fmt == "parquet":
        try:
            described = con.execute(
                "DESCRIBE SELECT * FROM read_parquet($file)", {"file": str(path)}
            ).fetchall()
        except _READ_ERRORS as exc:
            raise IngestError(
                f"{path} is not a readable Parquet file ({str(exc).splitlines()[0]}); "
                "re-export it or set the map's format."
            ) from None
        typed = {
            str(name): SourceColumn(quote(str(name)), str(dtype))
            for name, dtype, *_ in described
        }
        return _Source(
            "read_parquet($file)", {"file": str(path)}, list(typed), typed, False
        )
    csv_path = text_path = path
    plain = None
    if path.suffix.lower() == ".gz":
        csv_path = text_path = plain = tmp / "plain.csv"
        gunzip(path, plain)
    if fmt == "xlsx":
        csv_path = tmp / "sheet.csv"
        gap_lines = xlsx_to_csv(path, adapter.sheet, csv_path)
    elif encoding not in ("utf-8", "ascii"):
        csv_path = tmp / "utf8.csv"
        transcode_to_utf8(text_path, str(encoding), csv_path)
    delimiter = adapter.delimiter if fmt == "csv" else ","
    headers = read_csv_header(csv_path, delimiter)
    if len(headers) == 1 and len(adapter.columns) > 1:
        raise IngestError(
            f"{path} does not look like a {delimiter!r}-separated table (its header "
            f"line has one field); check the file or set `delimiter` in {adapter.path}."
        )
    # DuckDB sees generated names c0..cN, so no header text ever enters the SQL.
    names = [f"c{i}" for i in range(len(headers))]
    columns: dict[str, SourceColumn] = {}
    for header, name in zip(headers, names, strict=True):
        columns.setdefault(header, SourceColumn(quote(name)))
    params = {
        "file": str(csv_path),
        "delim": delimiter,
        "columns": dict.fromkeys(names, "VARCHAR"),
        "nullstr": list(adapter.null_values) if fmt == "csv" else [""],
    }
    return _Source(_READ_CSV, params, headers, columns, True, gap_lines, plain)


def _with_excel_formats(adapter: Adapter, fmt: str) -> Adapter:
    """Let a map read the ISO text that Excel date cells were converted to."""
    if fmt != "xlsx":
        return adapter
    return replace(
        adapter,
        datetime_formats=(*adapter.datetime_formats, EXCEL_DATETIME_FORMAT),
        date_formats=(*adapter.date_formats, EXCEL_DATE_FORMAT),
    )


def _missing_message(
    path: Path, adapter: Adapter, headers: list[str]
) -> tuple[str, str]:
    """Return (first missing canonical column, one-sentence message) or ("", "")."""
    wanted = [
        *adapter.columns.items(),
        *adapter.times.items(),
        *((f"where {h}", h) for h in (*adapter.where, *adapter.exclude)),
    ]
    missing = [(c, h) for c, h in wanted if h not in headers]
    if not missing:
        return "", ""
    parts = []
    for canonical, header in missing:
        close = difflib.get_close_matches(header, headers, n=1, cutoff=0.0)
        hint = f"closest header found: {close[0]!r}" if close else "no headers found"
        parts.append(f"{header!r} for {canonical} ({hint})")
    return missing[0][0].removeprefix("where "), (
        f"{path} lacks column{'s' if len(parts) > 1 else ''} {', '.join(parts)}; "
        "fix the file's headers or the "
        f"[columns] of {adapter.path} (a column every row shares can be given "
        "in [constants] instead)."
    )


def scalar(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> int:
    """Run `sql` and return its single number (a count, or rows a DML statement hit)."""
    row = con.execute(sql, params or {}).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Return True if a table (TEMP included) called `name` exists."""
    return bool(
        scalar(
            con,
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = $t",
            {"t": name},
        )
    )


def drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the per-file TEMP tables, so each file starts from nothing."""
    for table in _TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS temp.{quote(table)}")


def _read_rows(
    con: duckdb.DuckDBPyConnection,
    source: _Source,
    select_sql: str,
    params: dict[str, Any],
    path: Path,
) -> None:
    """Materialise the parsed rows in file order (rowid = position in the file)."""
    try:
        con.execute(
            f"CREATE TEMP TABLE {ROWS} AS {select_sql}", {**source.params, **params}
        )
    except _READ_ERRORS as exc:
        raise IngestError(
            f"{path} could not be read as a table ({str(exc).splitlines()[0]}); "
            "check its format and the column map."
        ) from None


def _map_lines(
    con: duckdb.DuckDBPyConnection, source: _Source, scan: FileScan, path: Path
) -> tuple[int, int]:
    """Build the table that turns row positions into physical lines.

    Lines that yield no row shift the rows after them: malformed lines (from
    DuckDB's rejects), blank lines (skipped by the reader; looked for only when
    the line count says some are there) and empty Excel rows.

    Returns:
        (malformed lines, lines inside records that span several lines).
    """
    gaps = list(source.gap_lines)
    malformed = spanned = 0
    if source.is_csv:
        malformed = scalar(con, f"SELECT count(DISTINCT line) FROM {CSV_REJECTS}")
    rows = scalar(con, f"SELECT count(*) FROM {ROWS}")
    if scan.lines and rows + malformed + 1 != scan.lines:
        gaps += find_blank_lines(source.plain or path)
        # What is left are lines that a quoted field (or a stray quote) joined
        # to the record before them; DuckDB counts such a record as one line.
        spanned = max(0, scan.lines - 1 - rows - malformed - len(gaps))
    con.execute(f"CREATE TEMP TABLE {GAPS} (line BIGINT)")
    if gaps:
        con.executemany(f"INSERT INTO {GAPS} VALUES (?)", [[n] for n in gaps])
    if source.is_csv:
        con.execute(f"INSERT INTO {GAPS} SELECT DISTINCT line FROM {CSV_REJECTS}")
    # The j-th such line (1-based) has line - 1 - j good rows before it; a row
    # at position rid is shifted by the largest j whose good_before <= rid.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {GAPS} AS SELECT good_before, max(k) AS k "
        "FROM (SELECT line - 1 - row_number() OVER (ORDER BY line) AS good_before, "
        "row_number() OVER (ORDER BY line) AS k "
        f"FROM (SELECT DISTINCT line FROM {GAPS})) GROUP BY good_before"
    )
    return malformed, spanned


def _collect_bad(
    con: duckdb.DuckDBPyConnection,
    key: tuple[str, ...],
    checks: Sequence[tuple[str, str]],
) -> int:
    """Fill `_ingest_bad` with rejected rows: failed checks, then later duplicates.

    Returns:
        The number of valid rows rejected as later duplicates of a key.
    """
    con.execute(
        f'CREATE TEMP TABLE {_CHECKS} (code INTEGER, "column" VARCHAR, reason VARCHAR)'
    )
    if checks:
        con.executemany(
            f"INSERT INTO {_CHECKS} VALUES (?, ?, ?)",
            [[i, c, r] for i, (c, r) in enumerate(checks)],
        )
    con.execute(
        f"CREATE TEMP TABLE {BAD} AS SELECT r.rowid AS rid, CAST(NULL AS BIGINT) AS "
        f'first_rid, c."column", r._value AS value, c.reason FROM {ROWS} r '
        f"JOIN {_CHECKS} c ON c.code = r._fail WHERE r._keep"
    )
    if not key:
        return 0
    keys = ", ".join(quote(k) for k in key)
    key_text = " || ', ' || ".join(f"CAST({quote(k)} AS VARCHAR)" for k in key)
    names = ", ".join(key)
    return scalar(
        con,
        f"INSERT INTO {BAD} SELECT rid, first_rid, $column, value, "
        "'duplicate key ' || $names || ' within the file: first seen on line ' FROM ("
        f"SELECT r.rowid AS rid, min(r.rowid) OVER (PARTITION BY {keys}) AS first_rid, "
        f"{key_text} AS value FROM {ROWS} r SEMI JOIN (SELECT {keys} FROM {ROWS} "
        f"WHERE _fail IS NULL AND _keep GROUP BY {keys} HAVING count(*) > 1) d "
        f"USING ({keys}) WHERE r._fail IS NULL AND r._keep) WHERE rid > first_rid",
        {"column": key[0], "names": names},
    )


@dataclass(frozen=True)
class Staged:
    """What staging one file found.

    Args:
        rows: Rows materialised (malformed lines excluded), the map's or not.
        left_out: Rows the map's `where`/`exclude` leave to other maps.
        malformed: Malformed lines, each kept in rejects.
        duplicates: Valid rows rejected as later duplicates of a key.
        rejected: One sentence if the whole file is refused, else "".
        note: A remark for the log (e.g. records spanning lines), else "".
        normalised: Spellings rewritten to their canonical form (areas).
    """

    rows: int
    left_out: int
    malformed: int
    duplicates: int
    rejected: str
    note: str
    normalised: tuple[Normalised, ...] = ()


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str,
    adapter: Adapter,
    scan: FileScan,
) -> Staged:
    """Read, parse and check a file into TEMP tables, outside any transaction.

    Raises:
        IngestError: The file cannot be read as a table.
    """
    drop_temp(con)
    with tempfile.TemporaryDirectory(prefix="demand-ingest-") as tmp:
        source = _prepare(path, fmt, adapter, scan.encoding, Path(tmp), con)
        missing, message = _missing_message(path, adapter, source.headers)
        if message:
            # Count the rows (and malformed lines) so each one is kept in rejects.
            sql = f"SELECT 0 AS _fail, NULL AS _value, true AS _keep FROM {source.sql}"
            params: dict[str, Any] = {}
            checks = [(missing, f"file rejected: {message}")]
        else:
            sources = {c: source.columns[h] for c, h in adapter.columns.items()}
            routing = (*adapter.where, *adapter.exclude, *adapter.times.values())
            filters = {h: source.columns[h] for h in routing}
            window = date_window(path, adapter.earliest_date, adapter.future_days)
            query = build_parse_query(
                _with_excel_formats(adapter, fmt), source.sql, sources, window, filters
            )
            sql, params = query.sql, query.params
            checks = [(c.column, c.reason) for c in query.checks]
        _read_rows(con, source, sql, params, path)
        malformed, spanned = _map_lines(con, source, scan, path)
    normalised: tuple[Normalised, ...] = ()
    if not message:
        columns = tuple(c for c in NORMALISED_COLUMNS if c in adapter.columns)
        normalised = normalise(con, ROWS, columns)
    dups = _collect_bad(con, () if message else adapter.schema.key, checks)
    rows = scalar(con, f"SELECT count(*) FROM {ROWS}")
    left_out = scalar(con, f"SELECT count(*) FROM {ROWS} WHERE NOT _keep")
    notes = []
    if left_out:
        notes.append(f"{left_out} row(s) left to other maps by the map's where/exclude")
    dates = [
        c.name for c in adapter.schema.columns if c.dtype in ("TIMESTAMPTZ", "DATE")
    ]
    hints = "" if message else layout_hints(con, BAD, dates)
    if hints:
        logger.warning("%s: %s", path, hints)
        notes.append(hints)
    if normalised:
        notes.append(f"normalised {describe(normalised)}")
    if spanned:
        spans = (
            f"{spanned} line(s) belong to quoted fields spanning several lines; "
            "line numbers after them count each such record as one line."
        )
        logger.warning("%s: %s", path, spans)
        notes.append(spans)
    note = "; ".join(notes)
    return Staged(rows, left_out, malformed, dups, message, note, normalised)
