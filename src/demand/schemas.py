"""Canonical stream schemas: the single source of truth for every raw stream's columns
(the derived tables' contracts are in `demand.tables`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Column",
    "StreamSchema",
    "STREAMS",
    "AGGREGATE_FREQS",
    "GRADES",
    "MONTH_ONLY_STREAMS",
    "CALL_LINES",
    "MISSING_RISKS",
    "DEPARTMENTS",
    "SYSTEM_COLUMNS",
    "get_stream",
]

GRADES = ("G1", "G2", "G3", "G4", "RWD")
"""Incident grades: G1 emergency .. G4 scheduled; RWD resolved without deployment."""

CALL_LINES = ("999", "101")
AGGREGATE_FREQS = ("h", "D")
"""Periods an aggregate source may count over: hours or days."""
MONTH_ONLY_STREAMS = ("crimes", "asb")
"""Streams that may hold a month and no time; their series are monthly only."""
MISSING_RISKS = ("high", "medium", "low", "no_apparent_risk")
DEPARTMENTS = (
    "control_room",
    "response",
    "neighbourhood",
    "investigation",
    "public_protection",
)


@dataclass(frozen=True)
class Column:
    """One canonical column.

    Args:
        name: Canonical column name.
        dtype: DuckDB type the column is stored as.
        required: The value must be present (not null) for a row to load.
        allowed: Closed set of canonical values, or None for an open set.
        minimum: Smallest valid value for numbers (durations are never negative).
        derive: SQL over other canonical columns that fills this column when the
            adapter does not map it (e.g. `month` from `recorded_at`).
        description: What the column means, with its unit.
    """

    name: str
    dtype: str
    required: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    derive: str | None = None
    description: str = ""


@dataclass(frozen=True)
class StreamSchema:
    """The contract of one stream table.

    Args:
        name: Table name.
        key: Columns that identify a row; a later extract with the same key
            replaces the earlier row.
        time_column: The column that places a row in time.
        columns: Canonical columns, without the system columns.
        description: What one row is.
    """

    name: str
    key: tuple[str, ...]
    time_column: str
    columns: tuple[Column, ...]
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        """Canonical column names in table order, without system columns."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """Return the canonical column called `name`."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


SYSTEM_COLUMNS = (
    Column("source_file", "VARCHAR", True, description="file the row was loaded from"),
    Column(
        "loaded_at", "TIMESTAMPTZ", True, description="when the row was loaded, UTC"
    ),
)

_DURATION = "seconds, never negative"

STREAMS: dict[str, StreamSchema] = {
    s.name: s
    for s in (
        StreamSchema(
            "calls",
            key=("call_id",),
            time_column="received_at",
            description="one 999 or 101 call",
            columns=(
                Column("call_id", "VARCHAR", True),
                Column("received_at", "TIMESTAMPTZ", True, description="UTC"),
                Column("line", "VARCHAR", True, allowed=CALL_LINES),
                Column(
                    "answered_at", "TIMESTAMPTZ", description="UTC; null if abandoned"
                ),
                Column("wait_seconds", "DOUBLE", minimum=0, description=_DURATION),
                Column("handle_seconds", "DOUBLE", minimum=0, description=_DURATION),
                Column("abandoned", "BOOLEAN", derive="answered_at IS NULL"),
                Column("area", "VARCHAR"),
            ),
        ),
        StreamSchema(
            "incidents",
            key=("incident_id",),
            time_column="created_at",
            description="one command-and-control incident",
            columns=(
                Column("incident_id", "VARCHAR", True),
                Column("created_at", "TIMESTAMPTZ", True, description="UTC"),
                Column("grade", "VARCHAR", True, allowed=GRADES),
                Column("category", "VARCHAR"),
                Column("area", "VARCHAR"),
                Column("deployed", "BOOLEAN", derive="dispatched_at IS NOT NULL"),
                Column("dispatched_at", "TIMESTAMPTZ", description="UTC"),
                Column("arrived_at", "TIMESTAMPTZ", description="UTC"),
                Column("cleared_at", "TIMESTAMPTZ", description="UTC"),
                Column("officer_hours", "DOUBLE", minimum=0, description="hours"),
                Column("qualifiers", "VARCHAR", description="';'-separated flags"),
            ),
        ),
        StreamSchema(
            "mental_health",
            key=("incident_id",),
            time_column="created_at",
            description="one mental-health-related incident (Right Care Right Person)",
            columns=(
                Column("incident_id", "VARCHAR", True),
                Column("created_at", "TIMESTAMPTZ", True, description="UTC"),
                Column("area", "VARCHAR"),
                Column("rcrp_category", "VARCHAR"),
                Column("police_attended", "BOOLEAN"),
                Column("s136", "BOOLEAN", description="a section 136 detention"),
                Column("officer_hours", "DOUBLE", minimum=0, description="hours"),
            ),
        ),
        StreamSchema(
            "missing_persons",
            key=("report_id",),
            time_column="reported_at",
            description="one missing-person report",
            columns=(
                Column("report_id", "VARCHAR", True),
                Column("reported_at", "TIMESTAMPTZ", True, description="UTC"),
                Column("risk", "VARCHAR", True, allowed=MISSING_RISKS),
                Column("age_band", "VARCHAR"),
                Column("area", "VARCHAR"),
                Column("closed_at", "TIMESTAMPTZ", description="UTC"),
                Column("repeat", "BOOLEAN"),
                Column("officer_hours", "DOUBLE", minimum=0, description="hours"),
            ),
        ),
        StreamSchema(
            "crimes",
            key=("crime_id",),
            time_column="month",
            description="one recorded crime",
            columns=(
                Column("crime_id", "VARCHAR", True),
                Column(
                    "recorded_at", "TIMESTAMPTZ", description="UTC; null if month-only"
                ),
                Column(
                    "month",
                    "DATE",
                    True,
                    derive=(
                        "CAST(date_trunc('month', "
                        "timezone('Europe/London', recorded_at)) AS DATE)"
                    ),
                    description="first day of the month recorded, local",
                ),
                Column("offence_group", "VARCHAR", True),
                Column("area", "VARCHAR"),
                Column("domestic", "BOOLEAN"),
                Column("outcome", "VARCHAR"),
            ),
        ),
        StreamSchema(
            "asb",
            key=(),
            time_column="month",
            description=(
                "one anti-social-behaviour incident (police.uk), kept apart from "
                "crime; it has no id, so a reloaded file replaces its own rows"
            ),
            columns=(
                Column(
                    "month",
                    "DATE",
                    True,
                    description="first day of the month recorded, local",
                ),
                Column("category", "VARCHAR"),
                Column("area", "VARCHAR"),
            ),
        ),
        StreamSchema(
            "counts",
            key=("series", "period_start"),
            time_column="period_start",
            description=(
                "events counted per hour or day by a source that gives only "
                "counts; a period without a row is missing, not zero"
            ),
            columns=(
                Column("series", "VARCHAR", True, description="e.g. ems_calls"),
                Column("period_start", "TIMESTAMPTZ", True, description="UTC instant"),
                Column("freq", "VARCHAR", True, allowed=AGGREGATE_FREQS),
                Column("count", "DOUBLE", True, minimum=0, description="events"),
                Column("area", "VARCHAR"),
            ),
        ),
        StreamSchema(
            "establishment",
            key=("department", "role", "as_at"),
            time_column="as_at",
            description="posts of one department and role on a date",
            columns=(
                Column("department", "VARCHAR", True),
                Column("role", "VARCHAR", True),
                Column("as_at", "DATE", True),
                Column(
                    "fte",
                    "DOUBLE",
                    True,
                    minimum=0,
                    description="full-time equivalents",
                ),
                Column("cost_per_fte", "DOUBLE", minimum=0, description="GBP per year"),
            ),
        ),
    )
}


def get_stream(name: str) -> StreamSchema:
    """Return the schema of stream `name`.

    Raises:
        ValueError: `name` is not a stream; the message lists the streams.
    """
    try:
        return STREAMS[name]
    except KeyError:
        known = ", ".join(STREAMS)
        raise ValueError(f"Unknown stream {name!r}; choose one of: {known}.") from None
