"""What the CLI prints: the two consoles, tables of frames, and progress bars."""

from __future__ import annotations

import numbers
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from demand.cli.progress import progress_for

__all__ = ["console", "err", "print_frame", "progress"]

console = Console()
"""Data and summaries: stdout."""
err = Console(stderr=True)
"""Progress, status and totals: stderr, so stdout stays data."""


def progress() -> Any:
    """Return the progress display for stderr (a bar, or lines in a log file)."""
    return progress_for(err)


def print_frame(frame: Any, title: str, as_csv: bool = False) -> None:
    """Print a frame as a table titled `title`, or as CSV for machines."""
    if as_csv:
        from demand.report.safe_cells import write_safe_csv

        click.echo(write_safe_csv(frame), nl=False)  # no cell runs in a spreadsheet
        return
    table = Table(title=title)
    for name in frame.columns:
        numeric = frame[name].dtype.kind in "iuf"
        # Paths fold onto more lines rather than being cut short.
        table.add_column(
            str(name), overflow="fold", justify="right" if numeric else "left"
        )
    for row in frame.itertuples(index=False):
        table.add_row(*map(_cell, row))
    console.print(table)


def _cell(value: Any) -> str:
    """A table cell: thousands separators; fractional numbers with one decimal,
    two below 10 (a probability of 0.87 or a MASE of 0.69 must not print as 0.9
    or 0.7)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if isinstance(value, numbers.Real):
        number = float(value)
        return f"{number:,.2f}" if abs(number) < 10 else f"{number:,.1f}"
    return str(value)
