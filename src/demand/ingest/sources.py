"""Source files: find, fingerprint, detect the encoding of, and convert to UTF-8 CSV."""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from demand.ingest.adapter import Adapter
from demand.ingest.errors import IngestError

__all__ = [
    "EXCEL_DATE_FORMAT",
    "EXCEL_DATETIME_FORMAT",
    "FileScan",
    "find_blank_lines",
    "find_files",
    "gunzip",
    "read_csv_header",
    "scan_file",
    "transcode_to_utf8",
    "xlsx_to_csv",
]

logger = logging.getLogger(__name__)

_CHUNK_BYTES = 1 << 20
EXCEL_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
"""How Excel date-time cells are written to the intermediate CSV."""
EXCEL_DATE_FORMAT = "%Y-%m-%d"
"""How Excel date cells are written to the intermediate CSV."""
_FALLBACK_ENCODING = "cp1252"


@dataclass(frozen=True)
class FileScan:
    """What one pass over a file's bytes found.

    Args:
        sha256: Hex SHA-256 of the file's bytes, as found on disk.
        encoding: Text encoding (`utf-8`, `cp1252`, ...), or None if not text-read.
        lines: Physical lines of a text file (a last line without a newline
            counts); 0 for binary formats.
    """

    sha256: str
    encoding: str | None
    lines: int = 0


def find_files(
    paths: Sequence[Path], adapters: Sequence[Adapter]
) -> list[tuple[Path, Adapter]]:
    """Pair every file to ingest with the column map that reads it.

    A folder is searched with each map's glob (relative to the folder); a file is
    given to the map whose glob its path ends with, or to the only map if just
    one was given. One file may feed several streams (a CAD extract feeding
    incidents, mental_health and missing_persons), one map per stream.

    Returns:
        (file, map) pairs in map order, files sorted by path within a map, each
        file once.

    Raises:
        IngestError: A path is missing, a file matches no map or several, or a
            folder holds no file any map matches.
    """
    found: dict[tuple[Path, str], tuple[Path, Adapter]] = {}

    def add(file: Path, adapter: Adapter) -> None:
        key = (file.resolve(), adapter.stream)
        if key in found and found[key][1] is not adapter:
            raise IngestError(
                f"{file} matches the globs of both column maps {found[key][1].path} "
                f"and {adapter.path}, which feed the same stream {adapter.stream!r}; "
                "make the globs distinct."
            )
        found[key] = (file, adapter)

    for path in map(Path, paths):
        if path.is_dir():
            before = len(found)
            for adapter in adapters:
                for file in sorted(p for p in path.glob(adapter.glob) if p.is_file()):
                    add(file, adapter)
            if len(found) == before:
                globs = ", ".join(sorted({a.glob for a in adapters}))
                raise IngestError(
                    f"Folder {path} holds no file matching the column maps' globs "
                    f"({globs}); point at the folder that holds the extracts."
                )
        elif path.is_file():
            matching = [a for a in adapters if a.matches(path)]
            if not matching and len(adapters) == 1:
                matching = list(adapters)
            streams = {a.stream for a in matching}
            if not matching or len(streams) != len(matching):
                globs = ", ".join(a.glob for a in adapters)
                problem = "no column map" if not matching else "several column maps"
                raise IngestError(
                    f"{path} matches {problem} (globs: {globs}); pass the folder "
                    "holding it or choose the map with --adapter."
                )
            for adapter in matching:
                add(path, adapter)
        else:
            raise IngestError(f"{path} does not exist; check the file or folder name.")
    order = {id(a): i for i, a in enumerate(adapters)}
    return sorted(found.values(), key=lambda fa: (order[id(fa[1])], str(fa[0])))


def scan_file(path: Path, encoding: str | None, text: bool = True) -> FileScan:
    """Hash a file and, for text, check its encoding and count its lines.

    One streaming pass: memory stays at one chunk whatever the file size.

    Args:
        path: The file.
        encoding: The map's encoding; None means UTF-8 if the bytes decode as
            UTF-8, else cp1252.
        text: False for binary formats (Parquet, Excel): hash only.

    Raises:
        IngestError: The file is empty, holds binary data, or cannot be decoded.
    """
    if text and path.suffix.lower() == ".gz":
        return _scan_gzip(path, encoding)
    sha = hashlib.sha256()
    size = newlines = 0
    last = b""
    decoder = codecs.getincrementaldecoder(encoding or "utf-8")() if text else None
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            if size == 0 and text and b"\x00" in chunk[:8192]:
                raise IngestError(
                    f"{path} is not a text table (it holds binary data); give a CSV, "
                    "Parquet or Excel file, or set the map's format."
                )
            size += len(chunk)
            sha.update(chunk)
            if not text:
                continue
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
            # ASCII is valid in every encoding we accept: skip the slower decoder
            # unless it holds the first bytes of a character from the last chunk.
            if decoder is None or (chunk.isascii() and not decoder.getstate()[0]):
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                _fail_if_declared(path, encoding, size - len(chunk) + exc.start)
                decoder = None  # not UTF-8: read it as cp1252
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            _fail_if_declared(path, encoding, size)
            decoder = None
    if size == 0:
        raise IngestError(f"{path} is empty; re-export it with a header row and data.")
    if not text:
        return FileScan(sha.hexdigest(), None)
    if encoding is None:
        encoding = "utf-8" if decoder is not None else _FALLBACK_ENCODING
    return FileScan(sha.hexdigest(), encoding, newlines + (last != b"\n"))


def _scan_gzip(path: Path, encoding: str | None) -> FileScan:
    """Scan a gzip-compressed text table: hash its bytes, check the text inside."""
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            sha.update(chunk)
    with tempfile.TemporaryDirectory(prefix="demand-scan-") as tmp:
        plain = Path(tmp) / "plain.csv"
        gunzip(path, plain)
        inner = scan_file(plain, encoding)
    return FileScan(sha.hexdigest(), inner.encoding, inner.lines)


def gunzip(path: Path, dest: Path) -> None:
    """Decompress a gzip file to `dest`, one chunk at a time.

    Raises:
        IngestError: The file is not valid gzip.
    """
    try:
        with gzip.open(path, "rb") as src, dest.open("wb") as out:
            shutil.copyfileobj(src, out, _CHUNK_BYTES)
    except (OSError, EOFError) as exc:
        raise IngestError(
            f"{path} is not a readable gzip file ({exc}); re-export or unzip it."
        ) from None


def find_blank_lines(path: Path) -> list[int]:
    """Return the 1-based numbers of the empty lines of a text file, streaming.

    The CSV reader skips empty lines; knowing them keeps reported line numbers
    physical. Called only when the line count shows that some rows are missing.
    """
    blanks: set[int] = set()
    newlines = 0  # newlines in the chunks before the current one
    carry = b""  # last bytes of the previous chunk, so patterns may straddle chunks
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            buf = carry + chunk
            before = newlines - carry.count(b"\n")
            for pattern in (b"\n\n", b"\n\r\n"):
                i = buf.find(pattern)
                while i >= 0:
                    blanks.add(before + buf.count(b"\n", 0, i) + 2)
                    i = buf.find(pattern, i + 1)
            newlines += chunk.count(b"\n")
            carry = buf[-2:]
    return sorted(blanks)


def _fail_if_declared(path: Path, declared: str | None, offset: int) -> None:
    """Raise if the map declared the encoding that failed at byte `offset`."""
    if declared is None:
        return
    raise IngestError(
        f"{path} cannot be read as {declared} (byte {offset}); set the right "
        "encoding in the column map or re-export the file as UTF-8."
    )


def transcode_to_utf8(path: Path, encoding: str, dest: Path) -> None:
    """Copy a text file to `dest` as UTF-8, one chunk at a time.

    Raises:
        IngestError: The file holds bytes that `encoding` cannot decode.
    """
    try:
        with (
            path.open("r", encoding=encoding, newline="") as src,
            dest.open("w", encoding="utf-8", newline="") as out,
        ):
            while chunk := src.read(_CHUNK_BYTES):
                out.write(chunk)
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{path} cannot be read as {encoding} (byte {exc.start}); set the right "
            "encoding in the column map or re-export the file as UTF-8."
        ) from None


def read_csv_header(path: Path, delimiter: str) -> list[str]:
    """Return the header fields of a UTF-8 CSV file, stripped of spaces and BOM.

    Raises:
        IngestError: The file has no header line.
    """
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        row = next(csv.reader(fh, delimiter=delimiter), None)
    if not row or not any(field.strip() for field in row):
        raise IngestError(f"{path} has no header line; re-export it with a header row.")
    return [field.strip() for field in row]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(EXCEL_DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(EXCEL_DATE_FORMAT)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # One sheet row stays one line, so line numbers are the sheet's row numbers.
    return str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def xlsx_to_csv(path: Path, sheet: str | None, dest: Path) -> list[int]:
    """Write one sheet of an Excel workbook to `dest` as UTF-8 CSV, row by row.

    Date cells become ISO text and empty rows are left out.

    Returns:
        The 1-based sheet row numbers left out, so that line numbers reported
        for the CSV can be given as sheet row numbers.

    Raises:
        IngestError: The file is not a workbook or has no such sheet.
    """
    import openpyxl  # imported here: only Excel sources need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise IngestError(
            f"{path} is not a valid Excel workbook ({type(exc).__name__}); "
            "re-save it as .xlsx or export it as CSV."
        ) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise IngestError(
                f"{path} has no sheet {sheet!r} (it has {', '.join(book.sheetnames)}); "
                "set `sheet` in the column map."
            )
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        with dest.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            empty_rows = []
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in row]
                if any(cells):
                    writer.writerow(cells)
                else:
                    empty_rows.append(number)
    finally:
        book.close()
    return empty_rows
