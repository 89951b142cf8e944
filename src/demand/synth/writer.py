"""Write extracts as monthly CSV files, with any bad rows, and list what is in them."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from demand.synth.faults import RowFault, misspelt_headers
from demand.synth.formats import Extract

__all__ = ["month_rows", "month_name", "write_extract", "write_misspelt_file"]

logger = logging.getLogger(__name__)

_CSV_OPTIONS = pcsv.WriteOptions(include_header=False, quoting_style="none")


def month_name(month_index: int) -> str:
    """Return `YYYY-MM` of a month counted from 1970-01."""
    return f"{1970 + month_index // 12:04d}-{month_index % 12 + 1:02d}"


def month_rows(extract: Extract) -> dict[int, tuple[int, int]]:
    """Return month -> (first row, end row) of an extract sorted by local month."""
    months = extract.month_index
    if np.any(np.diff(months) < 0):
        raise ValueError(f"{extract.folder}: rows are not in month order.")
    starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
    ends = np.r_[starts[1:], len(months)]
    return {int(months[s]): (int(s), int(e)) for s, e in zip(starts, ends, strict=True)}


def _csv_bytes(headers: list[str], table: pa.Table) -> bytes:
    """Render a header row and a table of text columns as CSV (LF line ends)."""
    sink = io.BytesIO()
    sink.write((",".join(headers) + "\n").encode("utf-8"))
    pcsv.write_csv(table, sink, _CSV_OPTIONS)
    return sink.getvalue()


def _with_faults(table: pa.Table, faults: list[RowFault]) -> tuple[pa.Table, list[int]]:
    """Insert bad rows into a month table; return it and each bad row's file line."""
    ordered = sorted(faults, key=lambda f: f.before_row)
    pieces, lines, taken = [], [], 0
    for position, fault in enumerate(ordered):
        pieces.append(table.slice(taken, fault.before_row - taken))
        row = {h: pa.array([fault.values[h]], pa.string()) for h in table.column_names}
        pieces.append(pa.table(row))
        taken = fault.before_row
        lines.append(fault.before_row + position + 2)  # header is line 1
    pieces.append(table.slice(taken))
    return pa.concat_tables(pieces), lines


def write_extract(
    extract: Extract,
    out_dir: Path,
    row_faults: dict[int, list[RowFault]] | None = None,
    cp1252_months: set[int] | None = None,
) -> tuple[dict[str, dict], list[dict]]:
    """Write one file per local month, `<folder>/<prefix>_YYYY-MM.csv`.

    Args:
        extract: The stream's text columns.
        out_dir: The output directory (the stream's folder is made under it).
        row_faults: Month -> bad rows to insert into that month's file.
        cp1252_months: Months whose file is written in Windows-1252, not UTF-8.

    Returns:
        Per file (relative to `out_dir`): clean rows, fault rows and encoding; and
        the fault records ({file, line, kind, column}) of the rows inserted.
    """
    row_faults = row_faults or {}
    cp1252_months = cp1252_months or set()
    folder = out_dir / extract.folder
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table(extract.columns)
    files: dict[str, dict] = {}
    records: list[dict] = []
    for month, (first, end) in month_rows(extract).items():
        relative = f"{extract.folder}/{extract.prefix}_{month_name(month)}.csv"
        month_table = table.slice(first, end - first)
        faults = row_faults.get(month, [])
        if faults:
            month_table, lines = _with_faults(month_table, faults)
            for fault, line in zip(
                sorted(faults, key=lambda f: f.before_row), lines, strict=True
            ):
                records.append(
                    {
                        "file": relative,
                        "line": line,
                        "kind": fault.kind,
                        "column": fault.column,
                    }
                )
        content = _csv_bytes(extract.headers, month_table)
        encoding = "utf-8"
        if month in cp1252_months:
            encoding = "cp1252"
            content = content.decode("utf-8").encode(encoding)
            records.append(
                {
                    "file": relative,
                    "line": _first_non_ascii_line(content),
                    "kind": "other_encoding",
                    "column": None,
                }
            )
        (out_dir / relative).write_bytes(content)
        files[relative] = {
            "rows": end - first,
            "fault_rows": len(faults),
            "encoding": encoding,
        }
    logger.debug("Wrote %d %s files.", len(files), extract.folder)
    return files, records


def _first_non_ascii_line(content: bytes) -> int:
    """The 1-based line of the first byte outside ASCII (where a UTF-8 read fails)."""
    position = next(i for i, byte in enumerate(content) if byte > 127)
    return content.count(b"\n", 0, position) + 1


def write_misspelt_file(
    extract: Extract, out_dir: Path, rows: np.ndarray, name: str
) -> tuple[dict[str, dict], list[dict]]:
    """Write a small extra file of `rows` whose headers are misspelt.

    Args:
        extract: The stream's text columns.
        out_dir: The output directory.
        rows: Indices of the rows to copy (their ids get a suffix, so none collide).
        name: File name inside the stream's folder, e.g. `incidents_extra.csv`.

    Returns:
        The file's entry and its single `wrong_column_names` fault record.
    """
    table = pa.table(extract.columns).take(pa.array(rows))
    id_header = extract.headers[0]
    ids = [f"{value}E" for value in table.column(id_header).to_pylist()]
    table = table.set_column(0, id_header, pa.array(ids, pa.string()))
    relative = f"{extract.folder}/{name}"
    (out_dir / relative).write_bytes(
        _csv_bytes(misspelt_headers(extract.headers), table)
    )
    entry = {relative: {"rows": 0, "fault_rows": len(rows), "encoding": "utf-8"}}
    fault = {"file": relative, "line": 1, "kind": "wrong_column_names", "column": None}
    return entry, [fault]
