"""The `demand` command group: global options and the logging set-up."""

from __future__ import annotations

import logging

import click

__all__ = ["cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Log more to stderr (-vv for debug).")
@click.version_option(package_name="demand")
def cli(verbose: int) -> None:
    """Forecast a police force's demand and turn it into the people it needs.

    Example: demand synth && demand ingest data/raw
    """
    log_level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    handler = logging.StreamHandler()
    handler.setLevel(log_level)  # a run's log file may take more than stderr shows
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(log_level)
