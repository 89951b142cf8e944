"""Data commands: write a synthetic force, ingest extracts, and look at the store."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from demand.cli.group import cli
from demand.cli.options import (
    csv_option,
    db_option,
    optional_pipeline_option,
    out_folder_option,
    require_store,
    user_errors,
)
from demand.cli.printing import console, err, print_frame, progress
from demand.tables import QUALITY_FRAMES

__all__ = ["ingest", "quality", "status", "synth"]


@cli.command()
@out_folder_option(
    Path("data/raw"), "Folder to write the extracts and truth.json into."
)
@click.option("--years", type=click.IntRange(1, 20), default=4, show_default=True)
@click.option(
    "--end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2026-03-31",
    show_default=True,
    help="Last day of data (inclusive).",
)
@click.option("--seed", type=int, default=2024, show_default=True)
@click.option("--faults", is_flag=True, help="Add realistic bad rows and files.")
@click.option(
    "--forces",
    type=click.IntRange(1, 200),
    default=None,
    help="Write this many forces of different sizes, one folder each under --out.",
)
@click.option("--name", default=None, help="The force's name (default Northshire).")
@click.option(
    "--areas",
    default=None,
    help="The force's areas, e.g. 'Ashford:urban,Elmby:rural' (equal shares).",
)
@click.option(
    "--scale",
    type=click.FloatRange(0.01, 100),
    default=1.0,
    show_default=True,
    help="Demand and establishment relative to Northshire.",
)
@click.option(
    "--growth-shift",
    type=float,
    default=0.0,
    show_default=True,
    help="Added to every stream's yearly growth (0.01 = one point faster).",
)
@user_errors
def synth(
    out: Path,
    years: int,
    end: Any,
    seed: int,
    faults: bool,
    forces: int | None,
    name: str | None,
    areas: str | None,
    scale: float,
    growth_shift: float,
) -> None:
    """Write a synthetic force's raw extracts (Northshire unless told otherwise).

    Example: demand synth --out data/raw --years 4 --seed 2024
    """
    last_day = date.fromisoformat(str(end.date()))
    if forces is not None:
        if name or areas or scale != 1.0 or growth_shift:
            raise click.UsageError("--forces chooses every force's shape itself.")
        _synth_forces(out, forces, seed=seed, years=years, end=last_day, faults=faults)
        return
    from demand.synth import ForceProfile, generate_force, parse_areas
    from demand.synth.force_files import write_force_files

    profile = ForceProfile(scale=scale, growth_shift_per_year=growth_shift)
    if name:
        profile = replace(profile, name=name)
    if areas:
        pairs = parse_areas(areas)
        profile = replace(
            profile, areas=pairs, area_shares=(1 / len(pairs),) * len(pairs)
        )
    with progress() as bar:
        task = bar.add_task("generating streams", total=6)

        def step(stream: str) -> None:
            bar.update(task, advance=1, description=f"wrote {stream}")

        truth = generate_force(
            out,
            years=years,
            end=last_day,
            seed=seed,
            faults=faults,
            progress=step,
            profile=profile,
        )
    rows = sum(f["rows"] + f["fault_rows"] for f in truth["files"].values())
    written = write_force_files(out, profile)
    console.print(
        f"{truth['force']}: {rows:,} rows in {len(truth['files'])} files under {out}/"
    )
    console.print(
        f"Wrote {written['pipeline']} and {written['assumptions']}, sized to this "
        f"force: demand run {written['pipeline']} takes it end to end."
    )


def _synth_forces(out: Path, forces: int, **options: Any) -> None:
    """Write `forces` forces of different sizes, one folder each under `out`."""
    from demand.synth import force_profiles, generate_forces
    from demand.synth.force_files import write_force_files

    with progress() as bar:
        task = bar.add_task("generating forces", total=6 * forces)
        truths = generate_forces(
            out,
            forces,
            **options,
            progress=lambda s: bar.update(task, advance=1, description=s),
        )
    for t, p in zip(truths, force_profiles(forces, options["seed"]), strict=True):
        write_force_files(out / t["force"], p)
        console.print(
            f"{t['force']}: {len(t['areas'])} areas, {t['profile']['scale']:g} "
            f"× Northshire, under {out / t['force']}/"
        )


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--adapter",
    default="northshire",
    show_default=True,
    help="Column maps: a built-in name, a TOML file, or a folder of TOML files.",
)
@optional_pipeline_option(
    "Pipeline file whose names of call lines and grades the extracts use."
)
@db_option
@csv_option
@user_errors
def ingest(
    paths: tuple[Path, ...],
    adapter: str,
    pipeline_path: Path | None,
    db: Path,
    as_csv: bool,
) -> None:
    """Load raw extracts into the store, validating every row and losing none.

    Example: demand ingest data/raw --adapter northshire
    """
    from demand.config import load_pipeline
    from demand.ingest import find_files, load_adapters
    from demand.ingest import ingest as run_ingest
    from demand.lock import lock_path, run_lock
    from demand.store import Store

    names = load_pipeline(pipeline_path).ingest.names if pipeline_path else None

    total = len(find_files(list(paths), load_adapters(adapter)))
    # The run lock of `demand run`: one writer at a time, whichever command it is.
    holder = "ingest-" + time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    with (
        run_lock(lock_path(db), holder),
        Store(db) as store,
        progress() as bar,
    ):
        task = bar.add_task("ingesting", total=total)
        result = run_ingest(
            store,
            list(paths),
            adapter=adapter,
            progress=lambda r: bar.update(task, advance=1, description=r.file.name),
            names=names,
        )
    print_frame(result.files_frame(), "ingest", as_csv)
    err.print(
        f"{result.rows_read:,} rows read = {result.rows_loaded:,} loaded + "
        f"{result.rows_rejected:,} rejected (see the rejects table); store {db}"
    )
    if not result.ok:
        raise click.ClickException(" ".join(result.errors))


@cli.command()
@db_option
@user_errors
def status(db: Path) -> None:
    """Show how many rows each table of the store holds.

    Example: demand status --db data/processed/fms_annual/demand.duckdb
    """
    from demand.store import Store

    require_store(db)
    with Store(db, read_only=True) as store:
        counts = store.table_counts()
    table = Table("table", "rows")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)


@cli.command()
@click.option(
    "--show",
    type=click.Choice(QUALITY_FRAMES),
    default="summary",
    show_default=True,
    help="Which frame of the report to print.",
)
@click.option(
    "--stream", "streams", multiple=True, help="Stream to report (repeatable)."
)
@click.option(
    "--timezone",
    default=None,
    help="Local zone that days are counted in  [default: the pipeline's "
    "[series] timezone with --pipeline, else the column maps' timezone, "
    "else Europe/London].",
)
@optional_pipeline_option("Pipeline file whose [series] timezone days are counted in.")
@db_option
@csv_option
@user_errors
def quality(
    show: str,
    streams: tuple[str, ...],
    timezone: str | None,
    pipeline_path: Path | None,
    db: Path,
    as_csv: bool,
) -> None:
    """Report each source's coverage by day, gaps, duplicates, outliers and rejects.

    Example: demand quality --show gaps --stream counts --csv
    """
    from demand.quality import quality_report
    from demand.store import Store

    if timezone is None and pipeline_path is not None:
        from demand.config import load_pipeline

        timezone = load_pipeline(pipeline_path).series.timezone
    require_store(db)
    with Store(db, read_only=True) as store:
        report = quality_report(store, list(streams) or None, timezone)
    print_frame(report.frame(show), f"data quality: {show}", as_csv)
