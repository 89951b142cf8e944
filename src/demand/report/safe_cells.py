"""Spreadsheet-safe cells: text a spreadsheet would run as a formula is made inert."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from demand.store import quote

__all__ = [
    "FORMULA_PREFIXES",
    "is_formula_text",
    "safe_frame",
    "safe_text",
    "safe_text_sql",
    "write_safe_csv",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula (OWASP
CSV-injection guidance: equals, plus, minus, at, tab 0x09, carriage return 0x0D)."""

# Characters some spreadsheets split a CSV field on (a `;` or tab delimiter by
# locale; `|` in DDE payloads): a field holding one is quoted, so that what
# follows can never start a cell of its own.
_SPLITTERS = (",", ";", "\t", "|", '"', "\r", "\n")


def is_formula_text(value: object) -> bool:
    """True for text a spreadsheet would read as a formula (numbers never are)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def safe_text(value: object) -> object:
    """Prefix formula-like text with a single quote; anything else is unchanged.

    ``"=1+2"`` becomes ``"'=1+2"``; the number ``-2.0`` stays a number, while
    the text ``"-2+3"`` becomes ``"'-2+3"``.
    """
    if is_formula_text(value):
        return "'" + str(value)
    return value


def _is_text_column(column: pd.Series) -> bool:
    dtype = column.dtype
    return (
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and column names are inert; numbers untouched.

    Args:
        frame: Any table about to be written for a spreadsheet or a BI tool.

    Returns:
        The same shape and dtypes, with every formula-like text prefixed by ``'``.
    """
    out = frame.copy()
    for name in out.columns:
        if _is_text_column(out[name]):
            column = out[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                column = column.astype(object)
            out[name] = column.map(safe_text, na_action="ignore")
    out.columns = [safe_text(c) if isinstance(c, str) else c for c in out.columns]
    return out


def write_safe_csv(frame: pd.DataFrame, path: Path | None = None) -> str:
    """Write a table as CSV that no spreadsheet can run (UTF-8, no index).

    Formula-like text is prefixed with ``'`` and quoted, and so is any text
    holding a character a spreadsheet might split on, per OWASP; numbers are
    written as pandas writes them (a negative number stays a number).

    Args:
        frame: The table.
        path: File to write; None to only return the text (e.g. for stdout).

    Returns:
        The CSV text.
    """
    safe = safe_frame(frame)
    if not len(safe.columns):  # nothing to write but an empty line
        text = "\n"
        if path is not None:
            path.write_text(text, encoding="utf-8", newline="")
        return text
    text_columns = [_is_text_column(safe[c]) for c in safe.columns]
    # pandas formats the cells (numbers, dates, missing values) as it always
    # does, quoting all text so that it reads back exactly; each field is then
    # quoted here by what it holds.
    plain = safe.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    out = io.StringIO()
    for number, fields in enumerate(csv.reader(io.StringIO(plain, newline=""))):
        header = number == 0
        out.write(
            ",".join(
                _field(value, header or is_text)
                for value, is_text in zip(fields, text_columns, strict=True)
            )
            + "\n"
        )
    text = out.getvalue()
    if path is not None:
        path.write_text(text, encoding="utf-8", newline="")
    return text


def _field(value: str, is_text: bool) -> str:
    """One CSV field, quoted where it must be (and always where it was made safe)."""
    must = any(c in value for c in _SPLITTERS) or (is_text and value.startswith("'"))
    return '"' + value.replace('"', '""') + '"' if must else value


def safe_text_sql(column: str) -> str:
    """SQL that makes a VARCHAR column's formula-like text inert, as `safe_text` does.

    Args:
        column: The column's name (quoted here).

    Returns:
        A DuckDB expression named `column`.
    """
    name = quote(column)
    # chr(9) is tab and chr(13) carriage return, as in FORMULA_PREFIXES.
    starts = f"left({name}, 1) IN ('=', '+', '-', '@', chr(9), chr(13))"
    return f"CASE WHEN {starts} THEN '''' || {name} ELSE {name} END AS {name}"
