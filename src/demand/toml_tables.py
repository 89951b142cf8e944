"""Strict TOML tables → frozen dataclasses: unknown keys and wrong types fail."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["build_frozen"]


def _error(
    path: Path | None, key: str, problem: str, error: type[Exception]
) -> Exception:
    return error(f"{path or '<file>'}: {key}: {problem}")


def _coerce(
    value: Any, hint: Any, path: Path | None, key: str, error: type[Exception]
) -> Any:
    """Check one TOML value against a type hint; lists become tuples."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise _error(path, key, f"expected a table; found {value!r}", error)
        return build_frozen(typing.cast(type, hint), value, path, key, error)
    if origin in (types.UnionType, typing.Union):
        if value is None:
            return None
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _coerce(value, inner, path, key, error)
    if origin is tuple:
        if not isinstance(value, list):
            raise _error(path, key, f"expected a list; found {value!r}", error)
        inner = typing.get_args(hint)[0]
        return tuple(
            _coerce(v, inner, path, f"{key}[{i}]", error) for i, v in enumerate(value)
        )
    if origin is dict:
        if not isinstance(value, dict):
            raise _error(path, key, f"expected a table; found {value!r}", error)
        inner = typing.get_args(hint)[1]
        return {
            k: _coerce(v, inner, path, f"{key}.{k}", error) for k, v in value.items()
        }
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _error(path, key, f"expected a number; found {value!r}", error)
        if not math.isfinite(value):
            raise _error(path, key, f"expected a finite number; found {value!r}", error)
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _error(path, key, f"expected a whole number; found {value!r}", error)
        return value
    if hint is date:
        if not isinstance(value, date):
            raise _error(
                path,
                key,
                f"expected a TOML date like 2023-07-01; found {value!r}",
                error,
            )
        return value
    if hint is bool and not isinstance(value, bool):
        raise _error(path, key, f"expected true or false; found {value!r}", error)
    if hint is str and isinstance(value, date):  # a TOML date such as 2023-07-01
        return value.isoformat()
    if hint is str and not isinstance(value, str):
        raise _error(path, key, f"expected a string; found {value!r}", error)
    return value


def build_frozen(
    cls: type,
    data: dict[str, Any],
    path: Path | None,
    where: str,
    error: type[Exception],
) -> Any:
    """Build a frozen dataclass from a TOML table, naming unknown and missing keys.

    Args:
        cls: The dataclass; a field named ``path`` is set to `path`.
        data: The TOML table.
        path: The file, named in every error.
        where: Dotted key of the table ("" for the document).
        error: Exception class raised, with "file: key: problem".
    """
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name != "path"]
    prefix = f"{where}." if where else ""
    for key in data:
        if key not in names:
            raise _error(
                path,
                f"{prefix}{key}",
                f"unknown key; expected one of: {', '.join(names)}",
                error,
            )
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name == "path":
            continue
        if f.name not in data:
            no_default = f.default is dataclasses.MISSING
            if no_default and f.default_factory is dataclasses.MISSING:
                raise _error(
                    path, f"{prefix}{f.name}", "missing; this key is required", error
                )
            continue
        kwargs[f.name] = _coerce(
            data[f.name], hints[f.name], path, f"{prefix}{f.name}", error
        )
    if any(f.name == "path" for f in dataclasses.fields(cls)):
        kwargs["path"] = path
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as problem:
        if str(problem).startswith(f"{path or '<file>'}: "):
            raise  # a nested table already named the file and key
        where_key = f"{where}." if where else ""
        raise error(f"{path or '<file>'}: {where_key}{problem}") from None
