"""The force's own names of the call lines and grades the toolkit models.

The store, the assumptions file and the capacity model keep the canonical roles
(`schemas.CALL_LINES`: the emergency line "999" and the non-emergency line "101";
`schemas.GRADES`: G1 emergency .. G4 scheduled, RWD resolved without deployment).
A force whose lines are 911 and a 10-digit number, or whose incidents carry
priorities 1-5, names them once in `[pipeline]`: ingest then accepts those names
as input values and everything a planner reads says them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from demand.schemas import CALL_LINES, GRADES, stream_label, stream_labels

__all__ = ["LocalNames"]

_CANONICAL = {"line": CALL_LINES, "grade": GRADES}
"""Each named column and its canonical values, in order."""

_STREAMS = {"line": "calls", "grade": "incidents"}
"""The stream table each named column belongs to."""


@dataclass(frozen=True)
class LocalNames:
    """Canonical call lines and grades → the force's names for them.

    Args:
        call_lines: Canonical line → local name, e.g. {"999": "911", "101":
            "10-digit"}; a line left out keeps its canonical name.
        grades: Canonical grade → local name, e.g. {"G1": "Priority 1"}.

    Raises:
        ValueError: a key is not a canonical line or grade, a name is empty, or
            two lines (or two grades) would share a name.
    """

    call_lines: Mapping[str, str] = field(default_factory=dict)
    grades: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, column in (("call_lines", "line"), ("grades", "grade")):
            given, canonical = getattr(self, key), _CANONICAL[column]
            unknown = [k for k in given if k not in canonical]
            if unknown:
                raise ValueError(
                    f"{key}: expected keys among {', '.join(canonical)}; "
                    f"found {unknown[0]!r}"
                )
            names = [self.name(column, value) for value in canonical]
            if any(not str(n).strip() for n in names):
                raise ValueError(f"{key}: expected a name for each; found an empty one")
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(
                    f"{key}: expected a different name for each; {twice[0]!r} "
                    "names two of them"
                )

    def name(self, column: str, value: str) -> str:
        """Return the local name of canonical `value` of `column` ("line", "grade")."""
        given = self.call_lines if column == "line" else self.grades
        return given.get(value, value)

    def input_codes(self, stream: str) -> dict[str, dict[str, str]]:
        """Texts a source of `stream` may write → canonical values, by column.

        A column is listed only where the force names a value its own way; its
        table takes the local names and the canonical values alike. With the
        UK's names (the default) nothing is, and ingest reads values as before.
        """
        out = {}
        for column, canonical in _CANONICAL.items():
            local = {self.name(column, v): v for v in canonical}
            if _STREAMS[column] == stream and any(k != v for k, v in local.items()):
                out[column] = {v: v for v in canonical} | local
        return out

    def relabel(self, text: str) -> str:
        """Say the local names in a planner's text.

        Grades are renamed wherever they stand as words ("G1 attended ...");
        call lines in the calls stream's label ("999 and 101 calls") and where
        one opens the text and names calls ("999 calls answered within 10 s",
        as the capacity stage's service measures read), since "101" elsewhere
        may be a count.
        """
        if self.call_lines:
            emergency, other = (self.name("line", v) for v in CALL_LINES)
            text = text.replace(
                f"{CALL_LINES[0]} and {CALL_LINES[1]} calls",
                f"{emergency} and {other} calls",
            )
        if self.grades:
            text = re.sub(
                r"\b(" + "|".join(GRADES) + r")\b",
                lambda m: self.name("grade", m.group(1)),
                text,
            )
        if self.call_lines:
            text = re.sub(
                r"^(" + "|".join(CALL_LINES) + r")(?= calls?\b)",
                lambda m: self.name("line", m.group(1)),
                text,
            )
        return text

    def key_label(self, key: str) -> str:
        """An assumptions key with the local name of the line or grade it is
        for beside it: "call_lines.999 (911)", "unit_times.G1 (P1)"."""
        table, _, value = key.partition(".")
        column = {"call_lines": "line", "unit_times": "grade"}.get(table)
        local = self.name(column, value) if column else value
        return key if local == value else f"{key} ({local})"

    def stream_label(self, stream: str) -> str:
        """The stream's name in reports (`schemas.stream_label`), in local names."""
        return self.relabel(stream_label(stream))

    def stream_labels(self) -> dict[str, str]:
        """Report names of the labelled streams, in local names, by stream."""
        return {name: self.relabel(label) for name, label in stream_labels().items()}

    def relabel_column(self, frame: pd.DataFrame, column: str) -> pd.DataFrame:
        """A copy of `frame` with its text `column` relabelled (`relabel`)."""
        if not (self.call_lines or self.grades) or column not in frame.columns:
            return frame
        texts = frame[column]
        named = texts.map(self.relabel, na_action="ignore")
        return frame.assign(**{column: named.where(texts.notna(), texts)})
