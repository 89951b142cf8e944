"""Generate Northshire: every stream's raw extracts and the truth behind them."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from demand.synth.calendar import HourGrid, bank_holidays, build_hour_grid
from demand.synth.establishment import financial_year_ends, write_establishment
from demand.synth.faults import plan_row_faults
from demand.synth.formats import Extract
from demand.synth.incidents import generate_incidents
from demand.synth.params import RCRP_GO_LIVE, SPECIAL_HOURS, TIMEZONE
from demand.synth.profile import NORTHSHIRE, ForceProfile, force_profiles
from demand.synth.streams import (
    generate_calls,
    generate_crimes,
    generate_missing_persons,
)
from demand.synth.writer import month_rows, write_extract, write_misspelt_file

__all__ = ["generate_force", "generate_forces", "STREAM_FOLDERS"]

logger = logging.getLogger(__name__)

STREAM_FOLDERS = (
    "calls",
    "incidents",
    "mental_health",
    "missing_persons",
    "crimes",
    "establishment",
)
# Stable sub-seeds, so adding a stream never changes another stream's numbers.
_SUBSEEDS = {name: index for index, name in enumerate(STREAM_FOLDERS)}
_FAULT_SUBSEED = 100
_MISSPELT_ROWS = 20
_STALE_PATTERNS = ("*_????-??.csv", "*_extra.csv", "establishment.xlsx")


def _rng(seed: int, key: int) -> np.random.Generator:
    """Return the independent random generator `key` of a seed."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def _first_day(end: date, years: int) -> date:
    """Return the first day of the `years` whole years ending on `end` (inclusive)."""
    try:
        before = end.replace(year=end.year - years)
    except ValueError:  # 29 February in a year without it
        before = end.replace(year=end.year - years, day=28)
    return before + timedelta(days=1)


def _remove_stale_files(out_dir: Path) -> None:
    """Delete extracts of an earlier run (another span would leave extra months)."""
    removed = 0
    for folder in STREAM_FOLDERS:
        for pattern in _STALE_PATTERNS:
            for path in (out_dir / folder).glob(pattern):
                path.unlink()
                removed += 1
    if removed:
        logger.info(
            "Removed %d extract files of an earlier run in %s.", removed, out_dir
        )


def _generate(
    name: str, rng: np.random.Generator, grid: HourGrid, profile: ForceProfile
) -> list[tuple[Extract, dict]]:
    """Generate one stream's extracts (incidents also yield mental health)."""
    if name == "incidents":
        incidents, mental_health, truth, mh_truth = generate_incidents(
            rng, grid, profile
        )
        return [(incidents, truth), (mental_health, mh_truth)]
    generator = {
        "calls": generate_calls,
        "missing_persons": generate_missing_persons,
        "crimes": generate_crimes,
    }[name]
    return [generator(rng, grid, profile)]


def _write_stream(
    extract: Extract, out_dir: Path, seed: int, faults: bool
) -> tuple[dict[str, dict], list[dict]]:
    """Write one extract's month files, with its bad rows and files if `faults`."""
    if not faults:
        return write_extract(extract, out_dir)
    fault_rng = _rng(seed, _FAULT_SUBSEED + _SUBSEEDS[extract.folder])
    rows = month_rows(extract)
    encoded = set()
    if extract.folder == "crimes":
        # One whole month file in Windows-1252 ("£" in an outcome): it must load.
        encoded = {sorted(rows)[len(rows) // 2]}
    planned = plan_row_faults(fault_rng, extract, rows, encoded)
    written, records = write_extract(extract, out_dir, planned, encoded)
    if extract.folder == "incidents":
        n_rows = len(extract.month_index)
        picks = np.sort(fault_rng.choice(n_rows, _MISSPELT_ROWS, replace=False))
        extra, extra_records = write_misspelt_file(
            extract, out_dir, picks, "incidents_extra.csv"
        )
        written |= extra
        records += extra_records
    return written, records


def generate_force(
    out_dir: Path,
    *,
    years: int = 4,
    end: date = date(2026, 3, 31),
    seed: int = 2024,
    faults: bool = False,
    progress: Callable[[str], None] | None = None,
    profile: ForceProfile = NORTHSHIRE,
) -> dict:
    """Generate a synthetic force's extracts and `truth.json` (Northshire by default).

    Writes one folder per stream under `out_dir`, in the formats of
    `docs/northshire-extracts.md`, calibrated to the 2024 force briefing over the
    last 365 days of the data. The same arguments always give byte-identical files.

    Args:
        out_dir: Output directory, e.g. `data/raw`; created if missing. Extract files
            an earlier run wrote there are replaced.
        years: Whole years of data, ending on `end` (at least 1).
        end: Last local day of the data (inclusive); a datetime counts as its date.
        seed: Seed of every random draw.
        faults: Add bad rows and files on top of the clean extracts, each listed in
            the truth under `faults`.
        progress: Called with each stream's name once its files are written.
        profile: The force: Northshire, or another of its name, areas, size and
            growth (`force_profiles`).

    Returns:
        The truth record also written to `out_dir/truth.json`.

    Raises:
        ValueError: `years` is less than 1.
    """
    if years < 1:
        raise ValueError(f"years must be at least 1 (got {years}).")
    if isinstance(end, datetime):  # click.DateTime gives a datetime
        end = end.date()
    out_dir = Path(out_dir)
    start = _first_day(end, years)
    grid = build_hour_grid(start, end)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_files(out_dir)
    files: dict[str, dict] = {}
    fault_records: list[dict] = []
    stream_truth: dict[str, dict] = {}
    for name in ("calls", "incidents", "missing_persons", "crimes"):
        for extract, truth in _generate(
            name, _rng(seed, _SUBSEEDS[name]), grid, profile
        ):
            written, records = _write_stream(extract, out_dir, seed, faults)
            files.update(written)
            fault_records.extend(records)
            stream_truth[extract.folder] = truth
            logger.info("Wrote %s: %d files.", extract.folder, len(written))
            if progress is not None:
                progress(extract.folder)
    as_at = financial_year_ends(start, end)
    written, establishment_truth = write_establishment(
        _rng(seed, _SUBSEEDS["establishment"]), out_dir, as_at, profile
    )
    files.update(written)
    stream_truth["establishment"] = establishment_truth
    if progress is not None:
        progress("establishment")

    truth = _truth_header(seed, years, start, end, faults, profile) | {
        "streams": stream_truth,
        "files": files,
        "faults": fault_records,
    }
    text = json.dumps(truth, indent=2, ensure_ascii=False, default=_json_default)
    (out_dir / "truth.json").write_text(text + "\n", encoding="utf-8")
    return truth


def generate_forces(
    out_dir: Path,
    n: int,
    *,
    seed: int = 2024,
    progress: Callable[[str], None] | None = None,
    **options: Any,
) -> list[dict]:
    """Generate `n` synthetic forces of different sizes, one folder each.

    Force k is `force_profiles(n, seed)[k]` (the first is Northshire), written to
    `out_dir/<name>/` by `generate_force` with its own seed, so forces differ in
    their noise too; `out_dir/forces.json` lists them.

    Args:
        out_dir: Parent folder of the forces' folders.
        n: How many forces (1 or more).
        seed: Seed of the forces' profiles and of every draw.
        progress: Called with "<force>: <stream>" as each stream is written.
        **options: Passed to `generate_force` (`years`, `end`, `faults`).

    Returns:
        Each force's truth record, in order.
    """
    truths = []
    for k, profile in enumerate(force_profiles(n, seed)):

        def step(stream: str, name: str = profile.name) -> None:
            if progress is not None:
                progress(f"{name}: {stream}")

        truths.append(
            generate_force(
                Path(out_dir) / profile.name,
                seed=seed + k,
                progress=step,
                profile=profile,
                **options,
            )
        )
    index = [t["profile"] | {"folder": t["profile"]["name"]} for t in truths]
    (Path(out_dir) / "forces.json").write_text(json.dumps(index, indent=2) + "\n")
    return truths


def _truth_header(
    seed: int, years: int, start: date, end: date, faults: bool, profile: ForceProfile
) -> dict:
    """The force-wide part of the truth: span, windows, areas, calendar, RCRP."""
    last = end - timedelta(days=364)
    holiday_days = bank_holidays(start.year, end.year + 1)
    horizon_end = end + timedelta(days=365)
    return {
        "force": profile.name,
        "profile": profile.describe(),
        "seed": seed,
        "years": years,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "timezone": TIMEZONE,
        "faults_injected": faults,
        "windows": {
            "last_365_days": [last.isoformat(), end.isoformat()],
            "previous_365_days": [
                (last - timedelta(days=365)).isoformat(),
                (last - timedelta(days=1)).isoformat(),
            ],
            "next_365_days": [
                (end + timedelta(days=1)).isoformat(),
                horizon_end.isoformat(),
            ],
        },
        "areas": dict(profile.areas),
        "rcrp_go_live": RCRP_GO_LIVE.isoformat(),
        "bank_holidays": {
            d.isoformat(): name
            for d, name in holiday_days.items()
            if start <= d <= horizon_end
        },
        "special_hours": [
            {
                "name": name,
                "month": m,
                "day": d,
                "first_hour": first,
                "last_hour": last_hour,
                "multiplier": multiplier,
            }
            for name, m, d, first, last_hour, multiplier in SPECIAL_HOURS
        ],
    }


def _json_default(value: object) -> object:
    """Convert numpy scalars and arrays for JSON."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"Cannot write {type(value).__name__} to truth.json.")
