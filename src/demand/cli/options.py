"""The CLI's shared options (`--db`, `--pipeline`, `--csv`, `--scheduler`) and the
one way a user's mistake ends a command: one sentence and exit 1."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from demand.lock import RunLockedError
from demand.store import StoreBusyError, default_db_path

__all__ = [
    "csv_option",
    "db_option",
    "file_option",
    "out_folder_option",
    "pipeline_db",
    "pipeline_db_option",
    "pipeline_option",
    "require_store",
    "scheduler_option",
    "user_errors",
    "with_scheduler",
]

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
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


def require_store(db: Path, first: str = "`demand ingest`") -> None:
    """Refuse to read a store that does not exist, naming the command that makes it."""
    if not db.exists():
        raise click.ClickException(f"No store at {db}; run {first} first.")


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


def pipeline_db(config: Any, db: Path | None) -> Path:
    """The store a pipeline uses: `--db`, else `default_db_path` for it."""
    return db if db is not None else default_db_path(config.name, config.store.db)


def csv_option(func: F) -> F:
    """Add `--csv`: print the result as CSV for machines instead of a table."""
    return click.option(
        "--csv", "as_csv", is_flag=True, help="Print CSV instead of a table."
    )(func)


def file_option(flag: str, dest: str, help: str) -> Callable[[F], F]:
    """Add a required option `flag` naming one file, passed as `dest`."""
    return click.option(
        flag,
        dest,
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        help=help,
    )


def out_folder_option(default: Path, help: str) -> Callable[[F], F]:
    """Add `--out FOLDER`: where a command writes its files (default shown)."""
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=True,
        help=help,
    )


def optional_pipeline_option(help: str) -> Callable[[F], F]:
    """Add `--pipeline FILE` (optional, must exist), passed as `pipeline_path`."""
    return click.option(
        "--pipeline",
        "pipeline_path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help=help,
    )


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


def with_scheduler(config: Any, scheduler: str | None) -> Any:
    """The pipeline with its fits sent to the Dask scheduler named on the CLI."""
    if not scheduler:
        return config
    engine = dataclasses.replace(
        config.engine, kind="dask", scheduler=scheduler, workers=0
    )
    return dataclasses.replace(config, engine=engine)
