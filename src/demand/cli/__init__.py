"""The `demand` command: parse options, call one library function, print a summary.

One module per group of commands (data, forecast, capacity, report, pipeline);
the shared options, error handling and printing live beside them.
"""

from __future__ import annotations

from demand.cli import (  # noqa: F401  (each registers its commands on `cli`)
    capacity_commands,
    data_commands,
    forecast_commands,
    pipeline_commands,
    report_commands,
)
from demand.cli.group import cli
from demand.cli.printing import err

__all__ = ["cli", "main"]


def main() -> None:
    """Entry point of the `demand` console script; Ctrl-C leaves the store as it was."""
    try:
        cli(prog_name="demand")
    except KeyboardInterrupt:
        err.print("Interrupted; the file being loaded was rolled back.")
        raise SystemExit(130) from None
