"""The error raised for bad ingest input: one sentence that says how to fix it."""

from __future__ import annotations

__all__ = ["IngestError"]


class IngestError(ValueError):
    """A user's mistake in the files or column maps given to `ingest`.

    The message is one sentence that names the file (and key or column) and says
    how to fix it, so the CLI can show it as it is, without a traceback.
    """
