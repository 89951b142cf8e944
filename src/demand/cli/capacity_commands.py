"""Capacity commands: size a control room, and turn forecasts into people and gaps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from demand.cli.group import cli
from demand.cli.options import (
    csv_option,
    pipeline_db_option,
    pipeline_option,
    user_errors,
)
from demand.cli.printing import console
from demand.cli.stage_runs import run_and_show

__all__ = ["capacity", "erlang", "scenario"]


@cli.command()
@click.option(
    "--calls",
    type=click.FloatRange(0),
    required=True,
    help="Calls offered in the interval.",
)
@click.option(
    "--interval-minutes",
    type=click.FloatRange(0, min_open=True),
    default=60.0,
    show_default=True,
)
@click.option(
    "--aht-seconds",
    type=click.FloatRange(0, min_open=True),
    required=True,
    help="Average handling time per call, seconds.",
)
@click.option(
    "--target-seconds",
    type=click.FloatRange(0),
    default=10.0,
    show_default=True,
    help="Answer-time target, seconds.",
)
@click.option(
    "--service-level",
    type=float,
    default=0.9,
    show_default=True,
    help="Share of offered calls to answer within the target (0-1).",
)
@click.option(
    "--patience-seconds",
    type=click.FloatRange(0, min_open=True),
    help="Mean caller patience; switches Erlang C to Erlang A.",
)
@click.option(
    "--agents",
    type=click.IntRange(0),
    help="Evaluate this many agents instead of sizing.",
)
@click.option(
    "--shrinkage",
    type=float,
    default=0.0,
    show_default=True,
    help="Share of paid time not on calls (0-1), for rostered FTE.",
)
@click.option(
    "--max-abandon",
    type=float,
    default=0.05,
    show_default=True,
    help="Largest share of callers that may abandon when sizing (Erlang A, 0-1).",
)
@click.option(
    "--max-occupancy",
    type=float,
    help="Optional cap on agents' occupancy when sizing (0-1).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@user_errors
def erlang(as_json: bool, **sizing: Any) -> None:
    """Size a control room for one interval with Erlang C (or A, given patience).

    Example: demand erlang --calls 300 --aht-seconds 120 --service-level 0.9 --json
    """
    import json

    from demand.capacity.control_room import size_control_room

    # The options are `size_control_room`'s arguments, by name.
    values = size_control_room(**sizing).as_dict(json_safe=True)
    if as_json:
        click.echo(json.dumps(values))
        return
    table = Table("measure", "value")
    for key, value in values.items():
        shown = (
            "overloaded"
            if value is None
            else (f"{value:.4f}" if isinstance(value, float) else str(value))
        )
        table.add_row(key, shown)
    console.print(table)


@cli.command()
@pipeline_option
@pipeline_db_option
@csv_option
@user_errors
def capacity(pipeline_path: Path, db: Path | None, as_csv: bool) -> None:
    """Turn the latest forecasts into hours, FTE and gaps per department and year.

    Example: demand capacity --pipeline pipelines/demo.toml
    """
    from demand.store.summary_reads import capacity_summary

    title = "capacity of run {}"
    run_and_show(pipeline_path, db, "capacity", capacity_summary, title, as_csv)


@cli.command()
@click.argument(
    "scenario_files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False),
)
@pipeline_option
@pipeline_db_option
@csv_option
@user_errors
def scenario(
    scenario_files: tuple[str, ...], pipeline_path: Path, db: Path | None, as_csv: bool
) -> None:
    """Compare scenarios with the baseline; the baseline itself never changes.

    Example: demand scenario pipelines/scenarios/rcrp_phase2.toml
    """
    from demand.store.summary_reads import scenario_summary

    title = "scenarios against the baseline, run {}"
    run_and_show(
        pipeline_path, db, "capacity", scenario_summary, title, as_csv,
        scenarios=scenario_files,
    )  # fmt: skip
