"""Typed pipeline files (TOML) → frozen objects; unknown keys are errors."""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demand.schemas import STREAMS
from demand.series import FREQS

__all__ = [
    "ConfigError",
    "IngestConfig",
    "PipelineConfig",
    "SeriesConfig",
    "load_pipeline",
]


class ConfigError(ValueError):
    """A pipeline file is missing, unreadable or holds a bad value."""


@dataclass(frozen=True)
class IngestConfig:
    """Which extracts to load, and the column maps that read them.

    Args:
        paths: Files or folders, relative to the folder the pipeline runs from.
        adapter: A built-in column-map name, a TOML file or a folder of them.
    """

    paths: tuple[str, ...] = ("data/raw",)
    adapter: str = "northshire"


@dataclass(frozen=True)
class SeriesConfig:
    """Which demand series to build from the stream tables.

    Args:
        streams: Streams to aggregate.
        freqs: Frequencies, from "h", "D", "W", "M".
        levels: Level columns per hierarchy level; [] is the force.
        measures: "count" and/or "officer_hours" (workload).
        timezone: Local zone the periods follow.
    """

    streams: tuple[str, ...] = (
        "calls",
        "incidents",
        "mental_health",
        "missing_persons",
        "crimes",
    )
    freqs: tuple[str, ...] = ("D", "M")
    levels: tuple[tuple[str, ...], ...] = ((), ("area",))
    measures: tuple[str, ...] = ("count",)
    timezone: str = "Europe/London"

    def __post_init__(self) -> None:
        _check_members(
            "streams", self.streams, tuple(s for s in STREAMS if s != "establishment")
        )
        _check_members("freqs", self.freqs, tuple(FREQS))
        _check_members("measures", self.measures, ("count", "officer_hours"))


@dataclass(frozen=True)
class PipelineConfig:
    """One runnable pipeline: a name and one section per stage.

    Args:
        name: Short name used for reports, logs and the run history.
        stages: Stages to run, in order.
        ingest: The ingest stage's section.
        series: The series stage's section.
        path: The file it was loaded from (not part of the file).
    """

    name: str
    stages: tuple[str, ...] = ("ingest", "series")
    ingest: IngestConfig = field(default_factory=IngestConfig)
    series: SeriesConfig = field(default_factory=SeriesConfig)
    path: Path | None = None

    def __post_init__(self) -> None:
        _check_members("stages", self.stages, STAGES)


STAGES = ("ingest", "series")
"""Every stage a pipeline can run, in the only order they run in."""


def _check_members(key: str, values: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    for v in values:
        if v not in allowed:
            raise ConfigError(
                f"{key}: expected one of {', '.join(allowed)}; found {v!r}"
            )


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check `value` against a type hint, turning TOML lists into tuples."""
    origin = typing.get_origin(hint)
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list; found {value!r}")
        inner = typing.get_args(hint)[0]
        return tuple(_coerce(v, inner, f"{where}[{i}]") for i, v in enumerate(value))
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _coerce(value, options[0], where)
    if hint is bool and not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false; found {value!r}")
    if hint in (int, float) and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        raise ConfigError(f"{where}: expected a number; found {value!r}")
    if hint is str and not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string; found {value!r}")
    return float(value) if hint is float else value


def _build(cls: type, data: Any, where: str) -> Any:
    """Build a config dataclass from a TOML table, rejecting unknown keys."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a table; found {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls) if f.name != "path"}
    unknown = sorted(set(data) - fields)
    if unknown:
        raise ConfigError(
            f"[{where}] {unknown[0]}: unknown key; expected one of "
            f"{', '.join(sorted(fields))}"
        )
    kwargs = {}
    for key, value in data.items():
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            kwargs[key] = _build(hint, value, key)
        else:
            kwargs[key] = _coerce(value, hint, f"[{where}] {key}")
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"[{where}]: {exc}") from None
    except ConfigError as exc:
        raise ConfigError(f"[{where}] {exc}") from None


def load_pipeline(path: str | Path) -> PipelineConfig:
    """Load and validate a pipeline file.

    Raises:
        ConfigError: the file is missing or not TOML, a key is unknown, or a value has
            the wrong type; the message names the file, the key, what was expected
            and what was found.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such pipeline file.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}).") from None
    pipeline = data.pop("pipeline", {})
    if not isinstance(pipeline, dict) or "name" not in pipeline:
        raise ConfigError(f"{path}: [pipeline] name: expected a name; found none.")
    try:
        config = _build(PipelineConfig, {**pipeline, **data}, "pipeline")
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return dataclasses.replace(config, path=path)
