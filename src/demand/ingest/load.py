"""Load one file into the store: one transaction, upsert by key, rejects, ingest_log."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from demand.ingest.adapter import Adapter, load_adapters
from demand.ingest.errors import IngestError
from demand.ingest.results import FileResult, IngestResult
from demand.ingest.sources import find_files, scan_file
from demand.ingest.stage import (
    BAD,
    CSV_REJECTS,
    GAPS,
    ROWS,
    Staged,
    drop_temp,
    has_table,
    scalar,
    stage_file,
)
from demand.local_names import LocalNames
from demand.schemas import SYSTEM_COLUMNS
from demand.store import Store, quote

__all__ = ["ingest", "load_file", "with_local_names"]

logger = logging.getLogger(__name__)

_LOADED_SQL = (
    "SELECT count(*) FROM ingest_log "
    "WHERE sha256 = $sha AND stream = $stream AND status = 'loaded'"
)


def _line_sql(rid: str, gaps: str) -> str:
    """SQL for the physical line (header = 1) of the row at 0-based position `rid`.

    `gaps` is an ASOF-joined alias of the gaps table: lines before the row that
    yield no row (malformed or blank) shift it down.
    """
    return f"{rid} + 2 + coalesce({gaps}.k, 0)"


def _write(
    con: duckdb.DuckDBPyConnection,
    adapter: Adapter,
    base: dict[str, Any],
    staged: Staged,
) -> tuple[int, int, int]:
    """Upsert valid rows and store rejects, inside the caller's transaction.

    Args:
        con: The store's connection, inside a transaction.
        adapter: The file's column map.
        base: Parameters `file`, `sha`, `stream` and `now` of the rows written.
        staged: What staging found: a file refused whole writes rejects only;
            no duplicates skips the anti-join; normalised spellings are kept.

    Returns:
        (rows inserted, rows updated, rows rejected).
    """
    schema = adapter.schema
    table = quote(schema.name)
    # The latest processing of these bytes replaces the rejects of earlier ones.
    for derived in ("rejects", "normalised"):
        con.execute(
            f"DELETE FROM {derived} WHERE sha256 = $sha AND stream = $stream",
            {"sha": base["sha"], "stream": base["stream"]},
        )
    if staged.normalised:
        con.executemany(
            "INSERT INTO normalised VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [base["file"], base["sha"], base["stream"], n.column, n.original]
                + [n.normalised, n.rows, base["now"]]
                for n in staged.normalised
            ],
        )
    loaded = updated = 0
    if not staged.rejected:
        good = f"FROM {ROWS} r WHERE r._fail IS NULL AND r._keep"
        if staged.duplicates:
            good += f" AND r.rowid NOT IN (SELECT rid FROM {BAD})"
        keys = ", ".join(quote(k) for k in schema.key)
        on = " AND ".join(f"t.{quote(k)} = n.{quote(k)}" for k in schema.key)
        # Keys are unique among the rows kept, so no DISTINCT is needed; an
        # empty table (a first load) needs no delete at all.
        if not schema.key:
            # Rows without identity (anti-social behaviour): a file's rows
            # replace the rows loaded earlier from a file of the same path.
            updated = scalar(
                con,
                f"DELETE FROM {table} WHERE source_file = $file",
                {"file": base["file"]},
            )
        elif scalar(con, f"SELECT count(*) FROM {table}"):
            updated = scalar(
                con, f"DELETE FROM {table} t USING (SELECT {keys} {good}) n WHERE {on}"
            )
        names = [*schema.column_names, *(c.name for c in SYSTEM_COLUMNS)]
        values = ", ".join(f"r.{quote(c)}" for c in schema.column_names)
        loaded = scalar(
            con,
            f"INSERT INTO {table} ({', '.join(map(quote, names))}) "
            f"SELECT {values}, $file, $now {good}",
            {"file": base["file"], "now": base["now"]},
        )
    rejected = scalar(
        con,
        "INSERT INTO rejects SELECT $file, $sha, $stream, "
        f'{_line_sql("b.rid", "g")}, b."column", b.value, b.reason || coalesce('
        f"CAST({_line_sql('b.first_rid', 'f')} AS VARCHAR), ''), $now "
        f"FROM {BAD} b ASOF LEFT JOIN {GAPS} g ON b.rid >= g.good_before "
        f"ASOF LEFT JOIN {GAPS} f ON b.first_rid >= f.good_before",
        base,
    )
    if has_table(con, CSV_REJECTS):
        # The raw text of a malformed line is not kept: its fields cannot be told
        # apart, so it could carry unmapped (person-identifying) columns.
        rejected += scalar(
            con,
            "INSERT INTO rejects SELECT $file, $sha, $stream, line, NULL, "
            "NULL, 'malformed CSV line: ' || "
            "lower(any_value(CAST(error_type AS VARCHAR))) || ' (' || "
            f"any_value(error_message) || ')', $now FROM {CSV_REJECTS} GROUP BY line",
            base,
        )
    updated = min(updated, loaded)
    return loaded - updated, updated, rejected


def _log(
    con: duckdb.DuckDBPyConnection,
    result: FileResult,
    adapter: Adapter,
    started: datetime,
) -> None:
    con.execute(
        "INSERT INTO ingest_log VALUES ($file, $sha, $stream, $adapter, $encoding, "
        "$status, $read, $loaded, $inserted, $updated, $rejected, $message, $started, "
        "$finished)",
        {
            "file": str(result.file),
            "sha": result.sha256 or "",
            "stream": result.stream,
            "adapter": str(adapter.path),
            "encoding": result.encoding,
            "status": result.status,
            "read": result.rows_read,
            "loaded": result.rows_loaded,
            "inserted": result.rows_inserted,
            "updated": result.rows_updated,
            "rejected": result.rows_rejected,
            "message": result.message,
            "started": started,
            "finished": datetime.now(UTC),
        },
    )


def load_file(store: Store, path: Path, adapter: Adapter) -> FileResult:
    """Load one file into its stream table, all or nothing.

    Valid rows replace rows with the same key (counted as updated) or are
    inserted; every other row goes to `rejects` with its line and reason, so
    rows read = loaded + rejected. A file whose bytes were already loaded for
    the stream is skipped. A file with a missing mapped column is rejected
    whole: its rows go to `rejects` and nothing reaches the stream table.

    Args:
        store: The open store.
        path: The file.
        adapter: The column map that reads it.

    Returns:
        What happened; `status` is `rejected` for bad input, with the reason
        in `message`. Store errors (disk full, lock) propagate.
    """
    started = datetime.now(UTC)
    stream = adapter.stream
    con = store.con
    logger.info("loading %s as %s", path, stream)
    sha: str | None = None
    encoding: str | None = None
    try:
        fmt = adapter.format_of(path)
        scan = scan_file(path, adapter.encoding, text=fmt == "csv")
        sha, encoding = scan.sha256, scan.encoding
        if scalar(con, _LOADED_SQL, {"sha": sha, "stream": stream}):
            logger.info("skipping %s: these bytes are already loaded", path)
            return FileResult(
                path, stream, "skipped", encoding=encoding, sha256=sha,
                message="already loaded",
            )  # fmt: skip
        staged = stage_file(con, path, fmt, adapter, scan)
        logger.info(
            "writing %d rows of %s to %s in one transaction", staged.rows, path, stream
        )
        base = {"file": str(path), "sha": sha, "stream": stream, "now": started}
        with store.transaction():
            inserted, updated, rejected = _write(con, adapter, base, staged)
            result = FileResult(
                path, stream, "rejected" if staged.rejected else "loaded",
                rows_read=staged.rows - staged.left_out + staged.malformed,
                rows_loaded=inserted + updated, rows_inserted=inserted,
                rows_updated=updated, rows_rejected=rejected, encoding=encoding,
                sha256=sha, message=staged.rejected or staged.note or None,
            )  # fmt: skip
            _log(con, result, adapter, started)
    except IngestError as exc:
        logger.warning("%s", exc)
        result = FileResult(
            path, stream, "rejected", encoding=encoding, sha256=sha, message=str(exc)
        )
        with store.transaction():
            _log(con, result, adapter, started)
    finally:
        drop_temp(con)
    logger.info(
        "%s: %s, %d read, %d loaded, %d rejected", path, result.status,
        result.rows_read, result.rows_loaded, result.rows_rejected,
    )  # fmt: skip
    return result


def ingest(
    store: Store,
    paths: Sequence[Path],
    adapter: str | Path = "northshire",
    progress: Callable[[FileResult], None] | None = None,
    earliest_date: date | None = None,
    future_days: int | None = None,
    names: LocalNames | None = None,
) -> IngestResult:
    """Load extracts (CSV, Parquet, Excel) into the store, one transaction per file.

    Args:
        store: The open store; stream tables must exist (`Store` creates them).
        paths: Files and folders. In a folder every map's glob is matched.
        adapter: A built-in map name (`northshire`), or the path of a `.toml`
            map or of a folder of maps.
        progress: Called with each file's result as soon as it is done.
        earliest_date: First plausible day of any date, for every map; None
            keeps each map's own.
        future_days: Days after the later of a file's modification and today
            that a date may fall on, for every map; None keeps each map's own.
        names: The force's names of call lines and grades (`[pipeline]`), read
            as their canonical values wherever a map has no code of its own
            for them; None reads canonical values only.

    Returns:
        Per-file results; `ok` is False if any file was rejected whole.

    Raises:
        IngestError: A path or the adapter does not exist, a map is invalid, or
            a file matches no map. Nothing is loaded then.
    """
    adapters = load_adapters(adapter)
    if earliest_date is not None:
        adapters = [replace(a, earliest_date=earliest_date) for a in adapters]
    if future_days is not None:
        adapters = [replace(a, future_days=future_days) for a in adapters]
    if names is not None:
        adapters = [with_local_names(a, names) for a in adapters]
    pairs = find_files(paths, adapters)
    results = []
    for file, file_adapter in pairs:
        result = load_file(store, file, file_adapter)
        results.append(result)
        if progress is not None:
            progress(result)
    return IngestResult(tuple(results))


def with_local_names(adapter: Adapter, names: LocalNames) -> Adapter:
    """The map, reading the force's names of call lines and grades too.

    A column with a `[values]` table keeps its codes and gains the local names
    it does not list; one without gets a table of the local and canonical
    values; a `[constants]` value may be a local name.
    """
    values = dict(adapter.values)
    constants = dict(adapter.constants)
    for column, codes in names.input_codes(adapter.stream).items():
        if column in constants:
            constants[column] = codes.get(constants[column], constants[column])
        elif column in adapter.columns:
            values[column] = {**codes, **values.get(column, {})}
    return replace(adapter, values=values, constants=constants)
