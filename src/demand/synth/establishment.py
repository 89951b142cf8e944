"""The establishment workbook: posts by department and role at financial-year ends."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl

from demand.synth.profile import NORTHSHIRE, ForceProfile

__all__ = [
    "POSTS",
    "establishment_rows",
    "financial_year_ends",
    "write_establishment",
]

# Department -> role -> (FTE at the first year end, cost per FTE in GBP at that date).
POSTS: dict[str, dict[str, tuple[float, float]]] = {
    "Force Control Room": {
        "Call Handler": (128.0, 34_500.0),
        "Dispatcher": (52.0, 37_800.0),
        "Control Room Supervisor": (16.0, 46_200.0),
        "Force Incident Manager (Inspector)": (6.0, 78_400.0),
    },
    "Response": {
        "Police Constable": (415.0, 57_600.0),
        "Police Sergeant": (62.0, 69_900.0),
        "Police Inspector": (12.0, 80_100.0),
    },
    "Neighbourhood Policing": {
        "Police Constable": (148.0, 57_600.0),
        "PCSO": (112.0, 36_900.0),
        "Police Sergeant": (24.0, 69_900.0),
    },
    "Investigations": {
        "Detective Constable": (196.0, 60_300.0),
        "Detective Sergeant": (41.0, 71_800.0),
        "Police Staff Investigator": (58.0, 41_700.0),
    },
    "Public Protection": {
        "Detective Constable": (118.0, 60_300.0),
        "Detective Sergeant": (26.0, 71_800.0),
        "Safeguarding Officer": (44.0, 39_200.0),
    },
}
# Growth of FTE per year by department (control-room investment after the briefing).
FTE_GROWTH_PER_YEAR = {
    "Force Control Room": 0.06,
    "Response": 0.02,
    "Neighbourhood Policing": 0.01,
    "Investigations": 0.015,
    "Public Protection": 0.04,
}
PAY_GROWTH_PER_YEAR = 0.045
HEADERS = ("Department", "Role", "As At", "FTE", "Cost per FTE (£)")
_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def financial_year_ends(start: date, end: date) -> list[date]:
    """Return each 31 March from `start` to `end`, or else the last one before `end`."""
    found = [date(y, 3, 31) for y in range(start.year, end.year + 1)]
    inside = [d for d in found if start <= d <= end]
    return inside or [
        date(end.year if end >= date(end.year, 3, 31) else end.year - 1, 3, 31)
    ]


def establishment_rows(
    rng: np.random.Generator, as_at_dates: list[date], scale: float = 1.0
) -> list[tuple[str, str, date, float, float]]:
    """Return (department, role, as at, FTE, cost per FTE in GBP) rows.

    `scale` multiplies every post's FTE (a force of another size than Northshire).
    """
    rows = []
    for step, as_at in enumerate(as_at_dates):
        for department, roles in POSTS.items():
            growth = (1 + FTE_GROWTH_PER_YEAR[department]) ** step
            for role, (fte, cost) in roles.items():
                # Vacancies and part-time posts leave FTE off a round number.
                noisy_fte = fte * scale * growth * (1 + 0.015 * rng.standard_normal())
                pay = cost * (1 + PAY_GROWTH_PER_YEAR) ** step
                rows.append(
                    (
                        department,
                        role,
                        as_at,
                        round(noisy_fte, 1),
                        float(round(pay, -1)),
                    )
                )
    return rows


def write_establishment(
    rng: np.random.Generator,
    out_dir: Path,
    as_at_dates: list[date],
    profile: ForceProfile = NORTHSHIRE,
) -> tuple[dict[str, dict], dict]:
    """Write `establishment/establishment.xlsx` (sheet `Establishment`).

    The workbook is byte-identical for the same seed: document times and zip entry
    times are fixed.

    Args:
        rng: Random generator of the establishment.
        out_dir: The output directory.
        as_at_dates: The As At dates, one per financial-year end.
        profile: The force; its `scale` multiplies every post.

    Returns:
        The file's entry and the establishment's truth record.
    """
    rows = establishment_rows(rng, as_at_dates, profile.scale)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Establishment"
    sheet.append(HEADERS)
    for department, role, as_at, fte, cost in rows:
        sheet.append((department, role, as_at, fte, cost))
        sheet.cell(row=sheet.max_row, column=3).number_format = "dd/mm/yyyy"
    fixed = datetime(as_at_dates[-1].year, as_at_dates[-1].month, as_at_dates[-1].day)
    workbook.properties.created = fixed
    workbook.properties.creator = f"{profile.name} Police (synthetic)"
    buffer = io.BytesIO()
    workbook.save(buffer)
    relative = "establishment/establishment.xlsx"
    (out_dir / "establishment").mkdir(parents=True, exist_ok=True)
    _write_fixed_zip(buffer.getvalue(), out_dir / relative, fixed)
    fte_by_department: dict[str, dict[str, float]] = {}
    for department, _role, as_at, value, _cost in rows:
        by_department = fte_by_department.setdefault(as_at.isoformat(), {})
        by_department[department] = round(by_department.get(department, 0.0) + value, 1)
    truth = {
        "as_at": [d.isoformat() for d in as_at_dates],
        "fte_by_department": fte_by_department,
        "fte_growth_per_year": FTE_GROWTH_PER_YEAR,
        "pay_growth_per_year": PAY_GROWTH_PER_YEAR,
    }
    return {relative: {"rows": len(rows), "fault_rows": 0, "encoding": "xlsx"}}, truth


def _write_fixed_zip(content: bytes, path: Path, stamp: datetime) -> None:
    """Rewrite an xlsx with fixed entry times and document dates (reproducible)."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                pattern = rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*"
                data = re.sub(pattern, rb"\g<1>" + iso, data)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, data)
