"""Helpers of the partner-demand tests: the assumptions file, stream selection."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSUMPTIONS = ROOT / "pipelines" / "assumptions" / "northshire.toml"


def keep_streams(raw: Path, streams: set[str]) -> None:
    """Delete the generated extracts of every stream not in `streams`."""
    for folder in raw.iterdir():
        if folder.is_dir() and folder.name not in streams:
            shutil.rmtree(folder)
