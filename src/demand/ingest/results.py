"""What an ingest run did: one result per file and the run's summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FileResult", "IngestResult", "Status"]

Status = Literal["loaded", "skipped", "rejected"]


@dataclass(frozen=True)
class FileResult:
    """What ingest did with one file.

    Invariant: `rows_read == rows_loaded + rows_rejected` and
    `rows_loaded == rows_inserted + rows_updated`.

    Args:
        file: The file as found (relative if the caller gave a relative path).
        stream: The stream table it feeds.
        status: `loaded` (committed, possibly with rejected rows), `skipped`
            (the same bytes were already loaded for this stream) or `rejected`
            (the whole file was refused; `message` says why).
        rows_read: Data rows in the file (malformed lines included, header not).
        rows_loaded: Rows written to the stream table.
        rows_inserted: Loaded rows whose key was new to the table.
        rows_updated: Loaded rows that replaced a row with the same key.
        rows_rejected: Rows kept in `rejects` instead.
        encoding: Text encoding read (`utf-8`, `cp1252`, ...); None for binary formats.
        sha256: Hex SHA-256 of the file's bytes; None if it could not be read.
        message: One sentence for a rejected file, else a short note or None.
    """

    file: Path
    stream: str
    status: Status
    rows_read: int = 0
    rows_loaded: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_rejected: int = 0
    encoding: str | None = None
    sha256: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class IngestResult:
    """The files of one `ingest` call, in the order they were loaded."""

    files: tuple[FileResult, ...]

    @property
    def ok(self) -> bool:
        """True if no file was rejected (rejected rows alone do not count)."""
        return all(f.status != "rejected" for f in self.files)

    @property
    def errors(self) -> list[str]:
        """One sentence per rejected file, saying what to fix."""
        return [
            f.message or f"{f.file} was rejected."
            for f in self.files
            if f.status == "rejected"
        ]

    @property
    def rows_read(self) -> int:
        """Data rows read over all files."""
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        """Rows written to stream tables over all files."""
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        """Rows kept in `rejects` over all files."""
        return sum(f.rows_rejected for f in self.files)

    def files_frame(self) -> pd.DataFrame:
        """Return one row per file: file, stream, status, read, loaded, rejected."""
        import pandas as pd

        return pd.DataFrame(
            [
                (str(f.file), f.stream, f.status, f.rows_read, f.rows_loaded)
                + (f.rows_rejected,)
                for f in self.files
            ],
            columns=["file", "stream", "status", "read", "loaded", "rejected"],
        )
