"""Report commands: the planners' report, the FMS risk register, a national roll-up."""

from __future__ import annotations

from pathlib import Path

import click

from demand.cli.group import cli
from demand.cli.options import (
    csv_option,
    out_folder_option,
    pipeline_db_option,
    pipeline_option,
    user_errors,
)
from demand.cli.printing import console, print_frame
from demand.cli.stage_runs import read_store, run_stage

__all__ = ["fms", "national", "report", "roll_up"]


@cli.command()
@pipeline_option
@pipeline_db_option
@user_errors
def report(pipeline_path: Path, db: Path | None) -> None:
    """Write the planners' HTML report, the FMS workbook and the exports.

    Example: demand report --pipeline pipelines/demo.toml
    """
    from demand.config import load_pipeline
    from demand.store import pipeline_folder

    config = load_pipeline(pipeline_path)
    run_id, db = run_stage(pipeline_path, db, "report")
    section = config.report
    folder = Path(section.out_dir) / config.name / run_id
    exports = section.exports_dir or pipeline_folder(config.name) / "exports"
    console.print(f"Report: {folder / 'report.html'}")
    console.print(f"FMS workbook: {folder / 'fms.xlsx'}; CSV files beside it")
    console.print(f"Parquet exports in {exports}/; fms_* views in {db}")


@cli.command()
@pipeline_option
@pipeline_db_option
@csv_option
@user_errors
def fms(pipeline_path: Path, db: Path | None, as_csv: bool) -> None:
    """Write the FMS risk tables (with the report) and print the risk register.

    Example: demand fms --pipeline pipelines/demo.toml --csv
    """
    from demand.store.summary_reads import fms_risk_register

    run_id, db = run_stage(pipeline_path, db, "report")
    with read_store(db) as store:
        risks = fms_risk_register(store, run_id)
    print_frame(risks, f"FMS risk register, run {run_id}", as_csv)


@cli.command()
@click.argument(
    "stores", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--pipeline", "pipeline_name", default="", help="Pipeline reported.")
@out_folder_option(
    Path("reports/national"), "Folder for national.csv and national_change.svg."
)
@click.option(
    "--disclosure-threshold",
    type=click.IntRange(min=1),
    default=None,
    help="For publication: blank each count below it, and every range or change "
    "that would give one back, as each force's published FMS copy does.",
)
@csv_option
@user_errors
def national(
    stores: tuple[Path, ...],
    pipeline_name: str,
    out: Path,
    disclosure_threshold: int | None,
    as_csv: bool,
) -> None:
    """Roll up many forces' FMS reports: demand now and in four years, gaps, grades.

    Each STORE is one force's store (after a run with the report stage); the
    force is named by the store's folder. The change shows with its 80 % range
    (the CSV keeps both ends of it, and of the year's demand, as fractions and
    counts).

    Example: demand national data/forces/*/demand.duckdb --out reports/national
    """
    named = {(p.parent.name or p.stem): p for p in stores}
    if len(named) != len(stores):
        raise click.ClickException("Two stores share a folder name; give one a folder.")
    roll_up(named, pipeline_name, out, as_csv, disclosure_threshold)


def roll_up(
    stores: dict[str, Path],
    pipeline_name: str,
    out: Path,
    as_csv: bool = False,
    disclosure_threshold: int | None = None,
) -> None:
    """Write and print the national roll-up of forces' stores, named by force."""
    from demand.national import format_change_range, national_rollup, write_national

    table = national_rollup(stores, pipeline_name, disclosure_threshold)
    paths = write_national(table, out)
    if not as_csv:  # on screen a change reads as a percentage, as in `demand fms`
        change = table.pop("change_fraction")
        table.insert(7, "change_pct", (100 * change).round(1))
        lo, hi = table.pop("change_lo_80"), table.pop("change_hi_80")
        ranges = map(format_change_range, lo, hi)
        table.insert(8, "change_80_pct", list(ranges))  # e.g. "-2.0 to +10.3"
        table = table.drop(columns=["demand_ahead_lo_80", "demand_ahead_hi_80"])
    forces = f"{len(stores)} force" + ("s" if len(stores) != 1 else "")
    print_frame(table, f"national roll-up of {forces}", as_csv)
    if not as_csv:
        console.print("Wrote " + ", ".join(map(str, paths)))
