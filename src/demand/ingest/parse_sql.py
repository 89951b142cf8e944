"""SQL expressions over one source column: trim and null, parse, map codes, clocks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from demand.ingest.adapter import ANY_CODE, Adapter
from demand.ingest.clock import joined_formats
from demand.ingest.matching import match_sql, parse_match
from demand.schemas import Column
from demand.store import quote

__all__ = [
    "SourceColumn",
    "clock_sql",
    "code_text",
    "keep_expr",
    "mapped_sql",
    "parse_expr",
    "raw_expr",
]


@dataclass(frozen=True)
class SourceColumn:
    """Where a mapped canonical column comes from in the source relation.

    Args:
        identifier: Quoted SQL identifier of the source column.
        dtype: DuckDB type the source gives it (VARCHAR for CSV and Excel).
    """

    identifier: str
    dtype: str = "VARCHAR"


def code_text(value: object) -> str:
    """Return a map's code or constant as the text SQL compares ("true", "1.5")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def raw_expr(src: SourceColumn, nulls: tuple[str, ...]) -> str:
    """Return SQL of a source column's trimmed text, NULL for the map's null texts."""
    text = (
        src.identifier
        if src.dtype == "VARCHAR"
        else f"CAST({src.identifier} AS VARCHAR)"
    )
    if set(nulls) <= {""}:
        return f"nullif(trim({text}), '')"
    return (
        f"CASE WHEN list_contains($nulls, trim({text})) THEN NULL ELSE trim({text}) END"
    )


def parse_expr(col: Column, text: str, src_dtype: str | None) -> str:
    """Return SQL turning `text` (or a typed source column) into `col.dtype`."""
    if col.dtype == "TIMESTAMPTZ":
        if src_dtype == "TIMESTAMP WITH TIME ZONE":
            return text
        if src_dtype in ("TIMESTAMP", "DATE"):
            return f"timezone($tz, CAST({text} AS TIMESTAMP))"
        # Naive local wall time -> UTC. DuckDB (ICU) reads the repeated autumn
        # hour as its second, GMT, occurrence and a spring-gap time as GMT.
        return f"timezone($tz, try_strptime({text}, $datetime_formats))"
    if col.dtype == "DATE":
        if src_dtype == "TIMESTAMP WITH TIME ZONE":
            return f"CAST(timezone($tz, {text}) AS DATE)"
        if src_dtype in ("TIMESTAMP", "DATE"):
            return f"CAST({text} AS DATE)"
        return f"CAST(try_strptime({text}, $date_formats) AS DATE)"
    if col.dtype == "VARCHAR":
        return text
    return f"try_cast({text} AS {col.dtype})"


def keep_expr(
    adapter: Adapter, filters: Mapping[str, SourceColumn], params: dict[str, Any]
) -> str:
    """SQL that is True for the rows the map's `where` and `exclude` keep."""
    terms = ["true"]
    for kind, table in (("where", adapter.where), ("exclude", adapter.exclude)):
        for j, (header, texts) in enumerate(table.items()):
            text = f"trim({filters[header].identifier})"
            hit = match_sql(text, texts, f"{kind}{j}", params)
            terms.append(hit if kind == "where" else f"NOT {hit}")
    return " AND ".join(terms)


def mapped_sql(r: str, i: int, table: Mapping[str, Any], params: dict[str, Any]) -> str:
    """SQL of the canonical value of code `r` under a `[values.x]` table, else NULL.

    Exact codes are one CASE; then each `prefix:`/`pattern:` code in the map's
    order; then `*`. A table of only "*" gives every code the one value.
    """
    whens: list[str] = []
    matches: list[str] = []
    other = "NULL"
    for j, (code, canonical) in enumerate(table.items()):
        params[f"vv{i}_{j}"] = code_text(canonical)
        if code == ANY_CODE:
            other = f"$vv{i}_{j}"
        elif parse_match(code).kind == "exact":
            params[f"vk{i}_{j}"] = code
            whens.append(f"WHEN $vk{i}_{j} THEN $vv{i}_{j}")
        else:
            hit = match_sql(r, [code], f"vk{i}_{j}", params)
            matches.append(f"WHEN {hit} THEN $vv{i}_{j}")
    if matches:
        other = f"CASE {' '.join(matches)} ELSE {other} END"
    return f"CASE {r} {' '.join(whens)} ELSE {other} END" if whens else other


def clock_sql(
    adapter: Adapter,
    sources: Mapping[str, SourceColumn],
    filters: Mapping[str, SourceColumn],
    params: dict[str, Any],
) -> tuple[dict[str, str], dict[str, str]]:
    """Raw text and local wall time of the map's date-plus-time and time-only columns.

    Returns:
        (canonical -> layer-1 raw SQL, canonical -> layer-2 SQL of the local
        naive timestamp, over the `r<i>` raw columns).
    """
    raw: dict[str, str] = {}
    local: dict[str, str] = {}
    index = {c.name: i for i, c in enumerate(adapter.schema.columns)}
    nulls = adapter.null_values
    if adapter.times:
        params["joined_formats"] = joined_formats(
            adapter.date_formats, adapter.time_formats
        )
    for name, time_header in adapter.times.items():
        # A spreadsheet's date cell is a datetime at midnight ("2021-09-14
        # 00:00:00" once converted): its date is the part before the time.
        date_text = (
            f"regexp_replace({raw_expr(sources[name], nulls)}, ' 00:00(:00)?$', '')"
        )
        time_text = raw_expr(filters[time_header], nulls)
        raw[name] = f"({date_text} || ' ' || {time_text})"
        local[name] = f"try_strptime({quote(f'r{index[name]}')}, $joined_formats)"
    if not adapter.time_only:
        return raw, local
    params["time_formats"] = list(adapter.time_formats)
    anchor = adapter.schema.time_column
    r_anchor = quote(f"r{index[anchor]}")
    anchor_local = local.get(anchor)
    if anchor_local is None:
        dtype = sources[anchor].dtype
        anchor_local = f"try_strptime({r_anchor}, $datetime_formats)"
        if dtype == "TIMESTAMP WITH TIME ZONE":
            anchor_local = f"timezone($tz, {r_anchor})"
        elif dtype in ("TIMESTAMP", "DATE"):
            anchor_local = f"CAST({r_anchor} AS TIMESTAMP)"
    for name in adapter.time_only:
        raw[name] = raw_expr(sources[name], nulls)
        on_day = (
            f"(CAST({anchor_local} AS DATE) + CAST(try_strptime("
            f"{quote(f'r{index[name]}')}, $time_formats) AS TIME))"
        )
        # Later than the anchor by definition: an earlier time is the next day.
        local[name] = (
            f"CASE WHEN {on_day} < {anchor_local} THEN {on_day} + INTERVAL 1 DAY "
            f"ELSE {on_day} END"
        )
    return raw, local
