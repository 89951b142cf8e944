"""An ingest's files as the table the CLI prints."""

from __future__ import annotations

from pathlib import Path

from demand.ingest import FileResult, IngestResult


def test_files_frame_has_one_row_per_file_in_load_order() -> None:
    result = IngestResult(
        (
            FileResult(Path("raw/calls/a.csv"), "calls", "loaded", 5, 4, 4, 0, 1),
            FileResult(Path("raw/calls/b.csv"), "calls", "rejected", message="bad"),
        )
    )

    frame = result.files_frame()

    assert list(frame.columns) == [
        "file",
        "stream",
        "status",
        "read",
        "loaded",
        "rejected",
    ]
    assert frame.to_dict("records") == [
        {
            "file": "raw/calls/a.csv",
            "stream": "calls",
            "status": "loaded",
            "read": 5,
            "loaded": 4,
            "rejected": 1,
        },
        {
            "file": "raw/calls/b.csv",
            "stream": "calls",
            "status": "rejected",
            "read": 0,
            "loaded": 0,
            "rejected": 0,
        },
    ]
