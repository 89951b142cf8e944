"""Realistic bad rows and files, added on top of the clean extracts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demand.synth.formats import ISO_HMS, Extract

__all__ = [
    "RowFault",
    "ROW_FAULTS_PER_KIND",
    "plan_row_faults",
    "misspelt_headers",
]

ROW_FAULTS_PER_KIND = 3
"""Bad rows of each applicable kind per stream, each in a random month file."""

_BAD_DATES = {
    "dmy": ("32/13/2024 25:61", "N/K", "2024-02-30T10:00", "31/02/2025 10:15"),
    "iso": (
        "2024-02-30 10:00:00",
        "not known",
        "13/31/2024 09:00:00",
        "2025-00-10 25:00:00",
    ),
}
_BAD_GRADES = ("9", "G9", "7")
# Canonical column of the durations that may be negative, by stream folder.
_DURATIONS = {
    "calls": ("handle_seconds", "wait_seconds"),
    "incidents": ("officer_hours",),
    "mental_health": ("officer_hours",),
    "missing_persons": ("officer_hours",),
}
_ID_COLUMNS = ("call_id", "incident_id", "report_id", "crime_id")
_TIME_COLUMNS = ("received_at", "created_at", "reported_at", "recorded_at")
_MISSPELLINGS = {
    "Incident Number": "Incident Numbr",
    "Opening Category": "Opening Categry",
    "Arrived": "Arived",
    "Officer Hours": "Officer Hrs",
}


@dataclass(frozen=True)
class RowFault:
    """One bad row to insert into a month file.

    Attributes:
        kind: `unparseable_date`, `missing_id`, `duplicate_id`, `negative_duration`
            or `unknown_grade`.
        column: Canonical column at fault.
        before_row: Insert before this clean row of the month file (0-based).
        values: Header -> text of the bad row (None is an empty cell).
    """

    kind: str
    column: str
    before_row: int
    values: dict[str, str | None]


def _row(extract: Extract, index: int) -> dict[str, str | None]:
    """Return one row of an extract as header -> text."""
    return {h: extract.columns[h][index].as_py() for h in extract.headers}


def _kinds(extract: Extract) -> list[tuple[str, str]]:
    """Fault kinds that apply to a stream, with the canonical column of each."""
    canonical = set(extract.canonical.values())
    id_column = next(c for c in _ID_COLUMNS if c in canonical)
    time_column = next(c for c in _TIME_COLUMNS if c in canonical)
    kinds = [
        ("unparseable_date", time_column),
        ("missing_id", id_column),
        ("duplicate_id", id_column),
    ]
    kinds += [("negative_duration", c) for c in _DURATIONS.get(extract.folder, ())]
    if "grade" in canonical:
        kinds.append(("unknown_grade", "grade"))
    return kinds


def plan_row_faults(
    rng: np.random.Generator,
    extract: Extract,
    month_rows: dict[int, tuple[int, int]],
    exclude_months: set[int],
) -> dict[int, list[RowFault]]:
    """Choose the bad rows of one stream and where they go.

    Each applicable kind gets `ROW_FAULTS_PER_KIND` rows, each copied from a random
    clean row of a random month file and then spoilt; except for missing and
    duplicate ids, the copy gets a fresh id so that it collides with nothing.

    Args:
        rng: Random generator of this stream's faults.
        extract: The stream's clean extract.
        month_rows: Month -> (first row, end row) of the extract in that month file.
        exclude_months: Months whose files must stay clean (e.g. another encoding).

    Returns:
        Month -> bad rows to insert into that month's file.
    """
    months = sorted(set(month_rows) - exclude_months)
    planned: dict[int, list[RowFault]] = {}
    serial = 0
    for kind, column in _kinds(extract):
        for _ in range(ROW_FAULTS_PER_KIND):
            month = months[int(rng.integers(len(months)))]
            first, end = month_rows[month]
            header = extract.header_of(column)
            id_header = extract.headers[0]
            candidates = np.arange(first, end)
            if kind == "negative_duration":
                present = np.asarray(
                    extract.columns[header].slice(first, end - first).is_valid()
                )
                candidates = candidates[present]
            source = int(candidates[rng.integers(len(candidates))])
            values = _row(extract, source)
            before_row = int(rng.integers(0, end - first + 1))
            serial += 1
            if kind != "duplicate_id":
                values[id_header] = f"{values[id_header]}X{serial}"
            if kind == "unparseable_date":
                choices = _BAD_DATES["iso" if extract.time_layout == ISO_HMS else "dmy"]
                values[header] = choices[int(rng.integers(len(choices)))]
            elif kind == "missing_id":
                values[header] = None
            elif kind == "duplicate_id":
                # A later row repeating an id already in the file, as a re-export does.
                offset = source - first
                before_row = int(
                    rng.integers(offset + 1, min(offset + 60, end - first) + 1)
                )
            elif kind == "negative_duration":
                values[header] = f"-{values[header]}"
            elif kind == "unknown_grade":
                values[header] = _BAD_GRADES[int(rng.integers(len(_BAD_GRADES)))]
            planned.setdefault(month, []).append(
                RowFault(kind, column, before_row, values)
            )
    return planned


def misspelt_headers(headers: list[str]) -> list[str]:
    """Return the headers with a few misspelt, as a hand-edited export has them."""
    return [_MISSPELLINGS.get(h, h) for h in headers]
