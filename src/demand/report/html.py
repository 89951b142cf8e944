"""Render the planners' report: one self-contained HTML file (inline CSS and SVG)."""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

__all__ = ["html_table", "render_report"]

log = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).parent / "templates"


def _cell(value: Any, fmt: str | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return '<span class="flag">yes</span>' if value else ""
    if fmt and isinstance(value, int | float):
        return html.escape(fmt.format(value).replace("-", "−"))
    return html.escape(str(value))


def html_table(
    frame: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    grade_classes: Mapping[str, int] | None = None,
) -> str:
    """Format a frame as an escaped HTML table.

    Args:
        frame: Rows to show, columns in order.
        formats: ``str.format`` patterns by column, e.g. ``{"gap_fte": "{:,.1f}"}``.
        headers: Column headings by column; the column name otherwise.
        grade_classes: CSS class index by grade label, to colour a ``grade`` column.

    Returns:
        A ``<table>`` element; text columns are left-aligned.
    """
    formats, headers = formats or {}, headers or {}
    text = {
        c
        for c in frame.columns
        if not pd.api.types.is_numeric_dtype(frame[c])
        or pd.api.types.is_bool_dtype(frame[c])
    }
    head = "".join(
        f'<th class="{"text" if c in text else ""}">'
        f"{html.escape(headers.get(c, c.replace('_', ' ')))}</th>"
        for c in frame.columns
    )
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            shown = _cell(value, formats.get(column))
            if column == "grade" and grade_classes and value in grade_classes:
                shown = f'<span class="grade g{grade_classes[value]}">{shown}</span>'
            klass = ' class="text"' if column in text else ""
            cells.append(f"<td{klass}>{shown}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def render_report(context: Mapping[str, Any]) -> str:
    """Render `templates/report.html.j2` with a context of text, tables and SVG.

    Args:
        context: Values the template names; SVG and tables are trusted markup
            made by this package, every other value is escaped.

    Returns:
        The HTML document: no external scripts, styles, fonts or images.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("report.html.j2").render(**context)
