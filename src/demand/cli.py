"""The `demand` command: parse options, call one library function, print a summary."""

from __future__ import annotations

import functools
import logging
import numbers
import os
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from demand.cli_progress import progress_for
from demand.lock import RunLockedError
from demand.store import StoreBusyError, default_db_path
from demand.tables import QUALITY_FRAMES

__all__ = ["cli", "main"]

F = TypeVar("F", bound=Callable[..., Any])
console = Console()
err = Console(stderr=True)


def _user_errors(func: F) -> F:
    """Turn a user's mistake raised by the library, or a store in use by another
    run or program, into one sentence and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (
            ValueError,
            FileNotFoundError,
            NotADirectoryError,
            RunLockedError,
            StoreBusyError,
        ) as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _existing_folder(ctx: click.Context, param: click.Parameter, db: Any) -> Any:
    """Refuse a store named by the user (`--db`, `$DEMAND_DB`) in a missing folder.

    A mistyped folder would otherwise be created and the whole store rebuilt in it,
    quietly; the default location is still created when missing, with a warning.
    """
    source = ctx.get_parameter_source(param.name or "db")
    named = source is not click.core.ParameterSource.DEFAULT or "DEMAND_DB" in (
        os.environ
    )
    if db is not None and named and not Path(db).parent.is_dir():
        raise click.ClickException(
            f"The folder {Path(db).parent} of the store {db} does not exist; check "
            "the path, or create the folder first to start a new store there."
        )
    return db


def db_option(func: F) -> F:
    """Add `--db PATH`: the store (default `$DEMAND_DB` or the demo pipeline's)."""
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=default_db_path,
        show_default="$DEMAND_DB or data/processed/demo/demand.duckdb",
        help="DuckDB store to read and write (each pipeline has its own); its "
        "folder must exist.",
        callback=_existing_folder,
    )(func)


def pipeline_db_option(func: F) -> F:
    """Add `--db PATH` to a command that runs a pipeline: default its own store."""
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        show_default="$DEMAND_DB, else the pipeline's [store] db, else "
        "data/processed/<pipeline>/demand.duckdb",
        help="DuckDB store to read and write; its folder must exist.",
        callback=_existing_folder,
    )(func)


def _pipeline_db(config: Any, db: Path | None) -> Path:
    """The store a pipeline uses: `--db`, else `default_db_path` for it."""
    return db if db is not None else default_db_path(config.name, config.store.db)


def csv_option(func: F) -> F:
    """Add `--csv`: print the result as CSV for machines instead of a table."""
    return click.option(
        "--csv", "as_csv", is_flag=True, help="Print CSV instead of a table."
    )(func)


def _progress() -> Any:
    return progress_for(err)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Log more to stderr (-vv for debug).")
@click.version_option(package_name="demand")
def cli(verbose: int) -> None:
    """Forecast a police force's demand and turn it into the people it needs.

    Example: demand synth && demand ingest data/raw
    """
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    handler = logging.StreamHandler()
    handler.setLevel(level)  # a run's log file may take more than stderr shows
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/raw"),
    show_default=True,
    help="Folder to write the extracts and truth.json into.",
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
@_user_errors
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
    from demand.synth import ForceProfile, generate_force, generate_forces, parse_areas

    last_day = date.fromisoformat(str(end.date()))
    if forces is not None:
        if name or areas or scale != 1.0 or growth_shift:
            raise click.UsageError("--forces chooses every force's shape itself.")
        with _progress() as bar:
            task = bar.add_task("generating forces", total=6 * forces)
            truths = generate_forces(
                out,
                forces,
                seed=seed,
                years=years,
                end=last_day,
                faults=faults,
                progress=lambda s: bar.update(task, advance=1, description=s),
            )
        for t in truths:
            console.print(
                f"{t['force']}: {len(t['areas'])} areas, {t['profile']['scale']:g} "
                f"× Northshire, under {out / t['force']}/"
            )
        return
    profile = ForceProfile(scale=scale, growth_shift_per_year=growth_shift)
    if name:
        profile = replace(profile, name=name)
    if areas:
        pairs = parse_areas(areas)
        profile = replace(
            profile, areas=pairs, area_shares=(1 / len(pairs),) * len(pairs)
        )
    with _progress() as bar:
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
    console.print(
        f"{truth['force']}: {rows:,} rows in {len(truth['files'])} files under {out}/"
    )


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--adapter",
    default="northshire",
    show_default=True,
    help="Column maps: a built-in name, a TOML file, or a folder of TOML files.",
)
@db_option
@csv_option
@_user_errors
def ingest(paths: tuple[Path, ...], adapter: str, db: Path, as_csv: bool) -> None:
    """Load raw extracts into the store, validating every row and losing none.

    Example: demand ingest data/raw --adapter northshire
    """
    from demand.ingest import find_files, load_adapters
    from demand.ingest import ingest as run_ingest
    from demand.lock import lock_path, run_lock
    from demand.store import Store

    total = len(find_files(list(paths), load_adapters(adapter)))
    # The run lock of `demand run`: one writer at a time, whichever command it is.
    holder = "ingest-" + time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    with (
        run_lock(lock_path(db), holder),
        Store(db) as store,
        _progress() as bar,
    ):
        task = bar.add_task("ingesting", total=total)
        result = run_ingest(
            store,
            list(paths),
            adapter=adapter,
            progress=lambda r: bar.update(task, advance=1, description=r.file.name),
        )
    import pandas as pd

    frame = pd.DataFrame(
        [
            (str(r.file), r.stream, r.status, r.rows_read, r.rows_loaded)
            + (r.rows_rejected,)
            for r in result.files
        ],
        columns=["file", "stream", "status", "read", "loaded", "rejected"],
    )
    _print_frame(frame, "ingest", as_csv)
    err.print(
        f"{result.rows_read:,} rows read = {result.rows_loaded:,} loaded + "
        f"{result.rows_rejected:,} rejected (see the rejects table); store {db}"
    )
    if not result.ok:
        raise click.ClickException(" ".join(result.errors))


@cli.command()
@db_option
@_user_errors
def status(db: Path) -> None:
    """Show how many rows each table of the store holds.

    Example: demand status --db data/processed/fms_annual/demand.duckdb
    """
    from demand.store import Store

    if not db.exists():
        raise click.ClickException(f"No store at {db}; run `demand ingest` first.")
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
    help="Local zone that days are counted in  [default: the column maps' "
    "timezone, else Europe/London].",
)
@db_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@_user_errors
def quality(
    show: str, streams: tuple[str, ...], timezone: str | None, db: Path, as_csv: bool
) -> None:
    """Report each source's coverage by day, gaps, duplicates, outliers and rejects.

    Example: demand quality --show gaps --stream counts --csv
    """
    from demand.quality import quality_report
    from demand.store import Store

    if not db.exists():
        raise click.ClickException(f"No store at {db}; run `demand ingest` first.")
    with Store(db, read_only=True) as store:
        report = quality_report(store, list(streams) or None, timezone)
    _print_frame(report.frame(show), f"data quality: {show}", as_csv)


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
@_user_errors
def erlang(
    calls: float,
    interval_minutes: float,
    aht_seconds: float,
    target_seconds: float,
    service_level: float,
    patience_seconds: float | None,
    agents: int | None,
    shrinkage: float,
    max_abandon: float,
    max_occupancy: float | None,
    as_json: bool,
) -> None:
    """Size a control room for one interval with Erlang C (or A, given patience).

    Example: demand erlang --calls 300 --aht-seconds 120 --service-level 0.9 --json
    """
    import json

    from demand.capacity.control_room import size_control_room

    result = size_control_room(
        calls,
        interval_minutes,
        aht_seconds,
        target_seconds,
        service_level,
        patience_seconds=patience_seconds,
        agents=agents,
        shrinkage=shrinkage,
        max_occupancy=max_occupancy,
        max_abandon=max_abandon,
    )
    values = result.as_dict(json_safe=True)
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
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Long-format CSV or Parquet: unique_id, ds, y.",
)
@click.option(
    "--freq",
    type=click.Choice(["D", "M", "H"]),
    required=True,
    help="Protocol family: daily, monthly or hourly.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CSV to write: one row per (unique_id, model).",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    help="Model alias to score (repeatable); default every model.",
)
@click.option(
    "--country",
    default="GB",
    show_default=True,
    help="Bank holidays of this ISO 3166 country (GB: England and Wales; "
    "GB-SCT, US, ...); 'none' for none.",
)
@click.option(
    "--hierarchy",
    default="detect",
    show_default=True,
    help="'detect': where one series is the sum of the others, reconcile to it; "
    "a unique_id: that series is the total; 'none': no reconciliation.",
)
@_user_errors
def backtest(
    input_path: Path,
    freq: str,
    out_path: Path,
    models: tuple[str, ...],
    country: str,
    hierarchy: str,
) -> None:
    """Score every model on a series file with the rolling-origin protocol.

    Example: demand backtest --input series.csv --freq D --out scores.csv
    """
    from demand.forecast.backtest import SCORE_COLUMNS, backtest_file
    from demand.report.safe_cells import write_safe_csv

    with err.status(f"backtesting {input_path.name}"):
        scores = backtest_file(
            input_path,
            freq,
            models=list(models) or None,
            country=None if country.lower() == "none" else country,
            hierarchy=hierarchy,
        )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    write_safe_csv(scores[SCORE_COLUMNS], out_path)
    summary = scores.groupby("model")[["mase", "smape", "cov80", "cov95", "sql"]]
    table = Table("model", "mean MASE", "sMAPE %", "cov80", "cov95", "SQL")
    for model, row in summary.mean().sort_values("mase").iterrows():
        table.add_row(
            str(model),
            f"{row.mase:.3f}",
            f"{row.smape:.2f}",
            f"{row.cov80:.3f}",
            f"{row.cov95:.3f}",
            f"{row.sql:.3f}",
        )
    console.print(table)
    console.print(f"{len(scores):,} scores written to {out_path}")


def pipeline_option(func: F) -> F:
    """Add `--pipeline FILE`: the pipeline file whose section a stage command uses."""
    return click.option(
        "--pipeline",
        "pipeline_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("pipelines/demo.toml"),
        show_default=True,
        help="Pipeline file whose section this stage uses.",
    )(func)


scheduler_option = click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Fit on the Dask cluster at ADDRESS (tcp://host:8786), over [engine].",
)


def _with_scheduler(config: Any, scheduler: str | None) -> Any:
    """The pipeline with its fits sent to the Dask scheduler named on the CLI."""
    import dataclasses

    if not scheduler:
        return config
    engine = dataclasses.replace(
        config.engine, kind="dask", scheduler=scheduler, workers=0
    )
    return dataclasses.replace(config, engine=engine)


def _run_stage(
    pipeline_path: Path,
    db: Path | None,
    stage: str,
    scheduler: str | None = None,
    **section: Any,
) -> tuple[str, Path]:
    """Run one stage of a pipeline now (a recorded run); return its run id and
    the store it used."""
    import dataclasses

    from demand.config import load_pipeline
    from demand.pipeline import run_pipeline

    config = _with_scheduler(load_pipeline(pipeline_path), scheduler)
    if section:
        changed = dataclasses.replace(getattr(config, stage), **section)
        config = dataclasses.replace(config, **{stage: changed})
    config = dataclasses.replace(config, stages=(stage,))
    db = _pipeline_db(config, db)
    with err.status(f"{stage}: {config.name}"):
        result = run_pipeline(config, db, force=True)
    if result.status != "ok":
        raise click.ClickException(_failure(result))
    return result.run_id, db


def _failure(result: Any) -> str:
    """One sentence for a failed run: the stage, its error, where the traceback is."""
    failed = next(s for s in result.stages if s.status == "failed")
    return (
        f"Run {result.run_id} failed in stage {failed.stage}: {failed.reason} "
        f"(traceback in the log: {result.log_file})"
    )


def _run_and_show(
    pipeline_path: Path,
    db: Path | None,
    stage: str,
    *,
    title: str,
    sql: str,
    as_csv: bool,
    scheduler: str | None = None,
    **section: Any,
) -> None:
    """Run one stage, then print what `sql` (with the run id as its parameter) finds."""
    run_id, db = _run_stage(pipeline_path, db, stage, scheduler, **section)
    with _read_store(db) as store:
        summary = store.con.execute(sql, [run_id]).df()
    _print_frame(summary, title.format(run_id), as_csv)


def _print_frame(frame: Any, title: str, as_csv: bool = False) -> None:
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
    """A table cell: thousands separators, one decimal for fractional numbers."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if isinstance(value, numbers.Real):
        return f"{value:,.1f}"
    return str(value)


@cli.command()
@pipeline_option
@pipeline_db_option
@csv_option
@scheduler_option
@_user_errors
def forecast(
    pipeline_path: Path, db: Path | None, as_csv: bool, scheduler: str | None
) -> None:
    """Forecast every stored demand series with the pipeline's [forecast] settings.

    Example: demand forecast --pipeline pipelines/demo.toml
    """
    _run_and_show(
        pipeline_path,
        db,
        "forecast",
        title="forecasts of run {}",
        sql=(
            "SELECT stream, freq, count(DISTINCT unique_id) AS series, "
            "count(*) AS rows, min(ds) AS first, max(ds) AS last FROM forecasts "
            "WHERE run_id = ? GROUP BY ALL ORDER BY ALL"
        ),
        as_csv=as_csv,
        scheduler=scheduler,
    )


@cli.command()
@pipeline_option
@pipeline_db_option
@csv_option
@_user_errors
def capacity(pipeline_path: Path, db: Path | None, as_csv: bool) -> None:
    """Turn the latest forecasts into hours, FTE and gaps per department and year.

    Example: demand capacity --pipeline pipelines/demo.toml
    """
    _run_and_show(
        pipeline_path,
        db,
        "capacity",
        title="capacity of run {}",
        sql=(
            "SELECT department, financial_year, basis, round(fte_mean, 1) AS fte, "
            "round(fte_lo_80, 1) AS fte_lo_80, round(fte_hi_80, 1) AS fte_hi_80, "
            "establishment_fte, round(gap_fte, 1) AS gap_fte, "
            "round(p_demand_exceeds_capacity, 2) AS p_exceeds FROM capacity "
            "WHERE run_id = ? ORDER BY ALL"
        ),
        as_csv=as_csv,
    )


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
@_user_errors
def scenario(
    scenario_files: tuple[str, ...], pipeline_path: Path, db: Path | None, as_csv: bool
) -> None:
    """Compare scenarios with the baseline; the baseline itself never changes.

    Example: demand scenario pipelines/scenarios/rcrp_phase2.toml
    """
    _run_and_show(
        pipeline_path,
        db,
        "capacity",
        scenarios=scenario_files,
        title="scenarios against the baseline, run {}",
        sql=(
            "SELECT scenario, department, financial_year, round(fte_mean, 1) AS fte, "
            "round(fte_mean_change, 1) AS fte_change, round(gap_cost_gbp_change) AS "
            "gap_cost_change_gbp FROM scenarios WHERE run_id = ? AND basis = "
            "'workload' ORDER BY ALL"
        ),
        as_csv=as_csv,
    )


@cli.command()
@pipeline_option
@pipeline_db_option
@_user_errors
def report(pipeline_path: Path, db: Path | None) -> None:
    """Write the planners' HTML report, the FMS workbook and the exports.

    Example: demand report --pipeline pipelines/demo.toml
    """
    from demand.config import load_pipeline
    from demand.store import pipeline_folder

    config = load_pipeline(pipeline_path)
    run_id, db = _run_stage(pipeline_path, db, "report")
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
@_user_errors
def fms(pipeline_path: Path, db: Path | None, as_csv: bool) -> None:
    """Write the FMS risk tables (with the report) and print the risk register.

    Example: demand fms --pipeline pipelines/demo.toml --csv
    """
    run_id, db = _run_stage(pipeline_path, db, "report")
    with _read_store(db) as store:
        risks = store.con.execute(
            "SELECT stream, area, CAST(current_demand AS BIGINT) AS current, "
            "worst_year AS year, CAST(demand AS BIGINT) AS forecast, "
            "round(100 * change_fraction, 1) AS change_pct, round(poisson_z, 1) AS "
            "z, round(p_demand_exceeds_capacity, 2) AS p_exceeds, grade "
            "FROM fms_risks WHERE run_id = ?",
            [run_id],
        ).df()
    _print_frame(risks, f"FMS risk register, run {run_id}", as_csv)


def _read_store(db: Path) -> Any:
    from demand.store import Store

    return Store(db, read_only=True)


@cli.command()
@click.argument(
    "stores", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--pipeline", "pipeline_name", default="", help="Pipeline reported.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/national"),
    show_default=True,
    help="Folder for national.csv and national_change.svg.",
)
@csv_option
@_user_errors
def national(
    stores: tuple[Path, ...], pipeline_name: str, out: Path, as_csv: bool
) -> None:
    """Roll up many forces' FMS reports: demand now and in four years, gaps, grades.

    Each STORE is one force's store (after a run with the report stage); the
    force is named by the store's folder.

    Example: demand national data/forces/*/demand.duckdb --out reports/national
    """
    from demand.national import national_rollup, write_national

    named = {(p.parent.name or p.stem): p for p in stores}
    if len(named) != len(stores):
        raise click.ClickException("Two stores share a folder name; give one a folder.")
    table = national_rollup(named, pipeline_name)
    paths = write_national(table, out)
    _print_frame(table, f"national roll-up of {len(named)} forces", as_csv)
    if not as_csv:
        console.print("Wrote " + ", ".join(map(str, paths)))


@cli.command("run")
@click.argument("pipeline", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Rerun every stage, changed or not.")
@click.option(
    "--dry-run", is_flag=True, help="Say what would run and why; change nothing."
)
@pipeline_db_option
@scheduler_option
@_user_errors
def run_command(
    pipeline: Path, force: bool, dry_run: bool, db: Path | None, scheduler: str | None
) -> None:
    """Run a pipeline file's stages in order, skipping what is unchanged.

    Example: demand run pipelines/demo.toml
    """
    from demand.config import load_pipeline
    from demand.pipeline import run_pipeline

    config = _with_scheduler(load_pipeline(pipeline), scheduler)
    db = _pipeline_db(config, db)
    with _progress() as bar:
        tasks: dict[str, Any] = {}

        def show(stage: str, done: int, total: int, label: str) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=None)
            text = f"{stage}: {label[:48]}" if label else stage
            bar.update(tasks[stage], completed=done, total=total or None)
            bar.update(tasks[stage], description=text)

        result = run_pipeline(config, db, force=force, dry_run=dry_run, progress=show)
    table = Table("stage", "status", "why", "seconds", "rows")
    for s in result.stages:
        table.add_row(s.stage, s.status, s.reason, f"{s.seconds:.1f}", f"{s.rows:,}")
    console.print(table)
    if result.status != "ok":
        raise click.ClickException(_failure(result))
    if not dry_run:
        console.print(f"Run {result.run_id} ok; store {db}; log {result.log_file}")


@cli.command()
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@db_option
@_user_errors
def runs(limit: int, db: Path) -> None:
    """List the latest pipeline runs recorded in the store.

    Example: demand runs --limit 5
    """
    from demand.pipeline import run_history

    if not db.exists():
        raise click.ClickException(f"No store at {db}; run `demand run` first.")
    table = Table("run", "pipeline", "status", "started", "stages", "error")
    for r in run_history(db, limit):
        table.add_row(
            r["run_id"],
            r["pipeline"],
            r["status"],
            f"{r['started_at']:%Y-%m-%d %H:%M}",
            r["stages"] or "",
            r["error"] or "",
        )
    console.print(table)


def main() -> None:
    """Entry point of the `demand` console script; Ctrl-C leaves the store as it was."""
    try:
        cli(prog_name="demand")
    except KeyboardInterrupt:
        err.print("Interrupted; the file being loaded was rolled back.")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
