"""The FMS authors' workbook: one formatted sheet per table and a README sheet."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from demand.report.safe_cells import safe_text

__all__ = ["write_workbook"]

log = logging.getLogger(__name__)

_HEADER = PatternFill("solid", fgColor="1F5FA8")


def _number_format(column: str) -> str:
    if column.endswith(("_fraction", "_lo_80", "_hi_80")) and "change" in column:
        return "0.0%"
    if column.startswith("p_") or column in {"service_level", "cov80", "cov95"}:
        return "0.000"
    if column.endswith("_gbp"):
        return "£#,##0"
    if column.endswith(("_fte", "poisson_z", "hours_per_unit")):
        return "#,##0.0"
    return "#,##0"


def _value(value: object) -> object:
    """A cell value: numbers stay numbers, missing values stay empty, and text
    that a spreadsheet would run as a formula is made inert."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()  # type: ignore[union-attr]
    return safe_text(value)


def _append(sheet: Worksheet, values: list[object]) -> None:
    """Append a row; every text cell is stored as a string, never a formula."""
    sheet.append([_value(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def write_workbook(
    path: Path,
    sheets: Mapping[str, pd.DataFrame],
    descriptions: Mapping[str, Mapping[str, str]],
    about: Mapping[str, str],
) -> Path:
    """Write an Excel workbook: a README sheet, then one sheet per table.

    Args:
        path: The ``.xlsx`` file to write (its folder must exist).
        sheets: Tables by sheet name (≤ 31 characters), in order.
        descriptions: Per sheet, what each column means (with units).
        about: Lines for the README's head: run ids, pipeline, made at.

    Returns:
        `path`. Numbers are stored as numbers with a display format, never text;
        text is stored as text, formula-like text prefixed with ``'`` (OWASP).
    """
    book = Workbook()
    readme = book.active
    readme.title = "README"
    _append(readme, ["What this workbook holds"])
    readme["A1"].font = Font(bold=True, size=13)
    for key, value in about.items():
        _append(readme, [key, value])
    readme.append([])
    _append(readme, ["sheet", "column", "meaning"])
    for cell in readme[readme.max_row]:
        cell.font = Font(bold=True)
    for name, frame in sheets.items():
        for column in frame.columns:
            _append(
                readme, [name, column, descriptions.get(name, {}).get(column, column)]
            )
    readme.column_dimensions["A"].width = 22
    readme.column_dimensions["B"].width = 30
    readme.column_dimensions["C"].width = 90
    for name, frame in sheets.items():
        sheet = book.create_sheet(name[:31])
        _append(sheet, list(frame.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = _HEADER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for record in frame.itertuples(index=False):
            _append(sheet, list(record))
        for index, column in enumerate(frame.columns, start=1):
            letter = get_column_letter(index)
            numeric = pd.api.types.is_numeric_dtype(frame[column]) and not (
                pd.api.types.is_bool_dtype(frame[column])
            )
            width = max(len(column), 8) + 2
            sheet.column_dimensions[letter].width = min(width, 28)
            if numeric:
                fmt = _number_format(column)
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = fmt
        sheet.freeze_panes = "A2"
        if len(frame):
            sheet.auto_filter.ref = sheet.dimensions
    book.save(path)
    log.info("wrote workbook %s (%d sheets)", path, len(sheets) + 1)
    return path
