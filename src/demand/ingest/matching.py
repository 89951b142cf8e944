"""Match source texts exactly, by prefix or by pattern, as SQL run once per file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

__all__ = ["PATTERN", "PREFIX", "Match", "check_match_text", "match_sql", "parse_match"]

PREFIX = "prefix:"
"""A text written `prefix:MH` matches every value that starts with `MH`."""
PATTERN = "pattern:"
"""A text written `pattern:^2[0-9]C` matches every value the regular expression
finds (RE2 syntax, searched anywhere in the value unless anchored by ^ or $)."""


@dataclass(frozen=True)
class Match:
    """One text of a `where`, `exclude` or `[values]` table, read.

    Args:
        kind: "exact", "prefix" or "pattern".
        text: The text to compare, without its `prefix:`/`pattern:` marker.
    """

    kind: str
    text: str


def parse_match(text: str) -> Match:
    """Read `prefix:…` and `pattern:…` texts; any other text matches exactly."""
    for marker, kind in ((PREFIX, "prefix"), (PATTERN, "pattern")):
        if text.startswith(marker):
            return Match(kind, text[len(marker) :])
    return Match("exact", text)


def check_match_text(text: str) -> str:
    """Return "" if `text` is a usable match, else what is wrong with it.

    A pattern is compiled by DuckDB's RE2 engine, the one that runs it, so an
    expression RE2 refuses (e.g. a look-ahead) is caught when the map is loaded.
    """
    match = parse_match(text)
    if match.kind != "exact" and not match.text:
        return f"has an empty {match.kind} after its marker"
    if match.kind == "pattern":
        try:
            duckdb.execute("SELECT regexp_matches('', $p)", {"p": match.text})
        except duckdb.Error as exc:
            reason = str(exc).splitlines()[0].removeprefix("Invalid Input Error: ")
            return f"has a pattern RE2 cannot compile ({reason})"
    return ""


def match_sql(
    value_sql: str, texts: Iterable[str], name: str, params: dict[str, Any]
) -> str:
    """Return SQL that is True where `value_sql` matches one of `texts`, else False.

    Exact texts are compared as one list; each prefix and pattern is a bound
    parameter, so DuckDB compiles a pattern once per query, not once per row.

    Args:
        value_sql: SQL of the (trimmed) source text; NULL never matches.
        texts: Texts as written in the map (`prefix:`/`pattern:` or exact).
        name: Parameter-name stem, unique within the query.
        params: The query's parameters; this function adds its own.
    """
    exact: list[str] = []
    terms: list[str] = []
    for j, match in enumerate(map(parse_match, texts)):
        if match.kind == "exact":
            exact.append(match.text)
            continue
        params[f"{name}_{j}"] = match.text
        function = "starts_with" if match.kind == "prefix" else "regexp_matches"
        terms.append(f"{function}({value_sql}, ${name}_{j})")
    if exact:
        params[name] = exact
        terms.insert(0, f"list_contains(${name}, {value_sql})")
    return f"coalesce({' OR '.join(terms) or 'false'}, false)"
