"""Build the one SELECT that parses, maps and validates a source's rows, set-based."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from demand.ingest import parse_sql
from demand.ingest.adapter import Adapter
from demand.ingest.clock import joined_formats
from demand.ingest.parse_sql import SourceColumn
from demand.ingest.plausible import DateWindow, outside_sql, short_year_sql
from demand.schemas import Column
from demand.store import quote

__all__ = ["Check", "ParseQuery", "SourceColumn", "build_parse_query"]

logger = logging.getLogger(__name__)

_TIMESTAMP_TYPES = ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "DATE")
# Why a text did not parse to a type (other types: "not a valid <type>").
_NOT_PARSED = {
    "DOUBLE": "not a number",
    **dict.fromkeys(("BIGINT", "INTEGER"), "not a whole number"),
    "BOOLEAN": "not true/false (map the source codes under [values.{name}])",
}


@dataclass(frozen=True)
class Check:
    """One way a row can fail: the column it names and the reason stored in rejects."""

    column: str
    reason: str


@dataclass(frozen=True)
class ParseQuery:
    """A SELECT over a source relation and what its failure codes mean.

    Args:
        sql: SELECT returning the canonical columns in table order (without
            system columns), `_fail` (index into `checks`, NULL for a valid row),
            `_value` (the offending source text, NULL for a valid row) and
            `_keep` (False for a row the map's `where`/`exclude` leave out).
        params: Named parameters of `sql`.
        checks: Failure code -> (column, reason).
    """

    sql: str
    params: dict[str, Any]
    checks: tuple[Check, ...]


def _unparsed_reason(col: Column, adapter: Adapter) -> str:
    if col.name in adapter.times:
        joined = joined_formats(adapter.date_formats, adapter.time_formats)
        return "unparseable date and time: expected " + " or ".join(joined)
    if col.name in adapter.time_only:
        times = " or ".join(adapter.time_formats)
        return f"unparseable time of day: expected {times}"
    if col.dtype == "TIMESTAMPTZ":
        return "unparseable date: expected " + " or ".join(adapter.datetime_formats)
    if col.dtype == "DATE":
        formats = (*adapter.date_formats, *adapter.datetime_formats)
        return "unparseable date: expected " + " or ".join(formats)
    return _NOT_PARSED.get(col.dtype, f"not a valid {col.dtype}").format(name=col.name)


def _value_checks(
    col: Column,
    window: DateWindow,
    name: str,
    value_sql: str,
    check: Callable[[str, str, str, str], None],
) -> None:
    """Add the checks on a parsed value: plausible dates, finite numbers."""
    if col.dtype in ("TIMESTAMPTZ", "DATE"):
        # Before the window check, so the reason names the likely cause.
        check(
            col.name,
            f"date with a year below 100, before the plausible window "
            f"(from {window.earliest.isoformat()}): the file looks like it writes "
            "two-digit years (e.g. 1/3/16), which a %Y format reads as year 16; "
            "add formats with %y to the map's datetime_formats",
            short_year_sql(name),
            value_sql,
        )
        check(
            col.name,
            f"date outside the plausible window {window.describe()} (from "
            "earliest_date to future_days after the file's modification or the "
            "run date; change them in the column map if the date is real)",
            outside_sql(name, col.dtype),
            value_sql,
        )
    if col.dtype in ("DOUBLE", "FLOAT"):
        check(
            col.name,
            "not a finite number (NaN or infinity)",
            f"NOT isfinite({name})",
            value_sql,
        )


def build_parse_query(
    adapter: Adapter,
    source_sql: str,
    sources: Mapping[str, SourceColumn],
    window: DateWindow,
    filters: Mapping[str, SourceColumn] | None = None,
) -> ParseQuery:
    """Build the single-pass SELECT that turns source rows into canonical rows.

    Each row gets its canonical columns and, if it fails, the first failing
    check in column order: an unmapped code, an unparseable value, a date
    with a two-digit year or outside the plausible window, a number that is
    not finite (NaN, infinity), a missing required value, a value outside the
    allowed set, or a number below its minimum. Duplicate keys are found
    later, over the valid rows.

    Args:
        adapter: The column map.
        source_sql: A FROM-able relation (e.g. a `read_csv(...)` call); its
            parameters must be added to the returned params by the caller.
        sources: Canonical column -> where the source holds it, for every
            column in `adapter.columns`.
        window: Days a date may fall on; others are rejected.
        filters: Source header -> where the source holds it, for every header
            in the map's `where` and `exclude` and every time header of `times`.

    Returns:
        The query, its parameters and the meaning of its failure codes.
    """
    schema = adapter.schema
    params: dict[str, Any] = {"tz": adapter.timezone, **window.params()}
    if not set(adapter.null_values) <= {""}:
        params["nulls"] = list(adapter.null_values)
    if any(c.dtype == "TIMESTAMPTZ" for c in schema.columns):
        params["datetime_formats"] = list(adapter.datetime_formats)
    if any(c.dtype == "DATE" for c in schema.columns):
        params["date_formats"] = [*adapter.date_formats, *adapter.datetime_formats]

    clock_raw, clock_local = parse_sql.clock_sql(
        adapter, sources, filters or {}, params
    )
    raw: list[str] = []  # layer 1: trimmed source text, NULL for null literals
    parsed: list[str] = []  # layer 2: typed canonical columns
    derived: list[str] = []  # layer 3: columns computed from other columns
    checks: list[Check] = []
    conditions: list[tuple[str, str]] = []  # (SQL condition, raw value SQL)

    def check(column: str, reason: str, condition: str, value: str) -> None:
        checks.append(Check(column, reason))
        conditions.append((condition, value))

    for i, col in enumerate(schema.columns):
        name = quote(col.name)
        value_sql = f"CAST({name} AS VARCHAR)"
        if col.name in adapter.columns:
            src = sources[col.name]
            r = quote(f"r{i}")
            value_sql = r
            text = r
            typed = src.dtype in _TIMESTAMP_TYPES and col.name not in adapter.values
            if col.name in clock_raw:
                typed = False
                raw.append(f"{clock_raw[col.name]} AS {r}")
            elif typed:
                raw.append(f"{src.identifier} AS {r}")
                value_sql = f"CAST({r} AS VARCHAR)"
            else:
                raw.append(f"{parse_sql.raw_expr(src, adapter.null_values)} AS {r}")
            if col.name in adapter.values:
                m = quote(f"m{i}")
                mapped = parse_sql.mapped_sql(r, i, adapter.values[col.name], params)
                parsed.append(
                    f"CASE WHEN {r} IS NULL THEN NULL ELSE {mapped} END AS {m}"
                )
                codes = ", ".join(adapter.values[col.name])
                check(
                    col.name,
                    f"value not in the map's values for {col.name} (known: {codes})",
                    f"{r} IS NOT NULL AND {m} IS NULL",
                    r,
                )
                text = m
            expr = parse_sql.parse_expr(col, text, src.dtype if typed else None)
            if col.name in clock_local:
                expr = f"timezone($tz, {clock_local[col.name]})"
            parsed.append(f"{expr} AS {name}")
            if col.dtype != "VARCHAR":
                check(
                    col.name,
                    _unparsed_reason(col, adapter),
                    f"{text} IS NOT NULL AND {name} IS NULL",
                    value_sql,
                )
            _value_checks(col, window, name, value_sql, check)
        elif col.name in adapter.constants:
            params[f"const{i}"] = parse_sql.code_text(adapter.constants[col.name])
            parsed.append(f"CAST($const{i} AS {col.dtype}) AS {name}")
        elif col.derive is not None:
            # derive SQL comes from schemas.py (code, not user text)
            derived.append(f"CAST(({col.derive}) AS {col.dtype}) AS {name}")
        else:
            parsed.append(f"CAST(NULL AS {col.dtype}) AS {name}")

        if col.required or col.name in schema.key:
            check(col.name, "missing required value", f"{name} IS NULL", value_sql)
        if col.allowed is not None:
            params[f"allowed{i}"] = list(col.allowed)
            allowed = ", ".join(col.allowed)
            check(
                col.name,
                f"value not in the allowed set of {col.name} ({allowed})",
                f"NOT list_contains($allowed{i}, {name})",
                value_sql,
            )
        if col.minimum is not None:
            params[f"min{i}"] = col.minimum
            below = f"{name} < $min{i}"
            what = "too small"
            if col.minimum == 0:
                what = "a negative duration or number"
                # '-0' is a minus sign on a duration, as faulty as '-5'.
                if col.dtype in ("DOUBLE", "FLOAT"):
                    below = f"({below} OR signbit({name}))"
            check(
                col.name,
                f"{col.name} below its minimum {col.minimum:g}: {what}",
                below,
                value_sql,
            )

    raw.append(f"{parse_sql.keep_expr(adapter, filters or {}, params)} AS _keep")
    l1 = f"SELECT {', '.join(raw)} FROM {source_sql}"
    l2 = (
        f"SELECT *, {', '.join(parsed)} FROM ({l1})"
        if parsed
        else f"SELECT * FROM ({l1})"
    )
    l3 = f"SELECT *, {', '.join(derived)} FROM ({l2})" if derived else l2
    fail = " ".join(f"WHEN {cond} THEN {k}" for k, (cond, _) in enumerate(conditions))
    value = " ".join(f"WHEN {k} THEN {v}" for k, (_, v) in enumerate(conditions))
    columns = ", ".join(quote(c) for c in schema.column_names)
    sql = (
        f"SELECT {columns}, _fail, _keep, "
        f"CASE WHEN _fail IS NOT NULL THEN CASE _fail {value} END END AS _value "
        f"FROM (SELECT *, CASE {fail} END AS _fail FROM ({l3}))"
    )
    # DuckDB refuses unused parameters: keep only those the SQL names.
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
    return ParseQuery(sql, used, tuple(checks))
