"""The stream registry: each stream's table contract, time, levels, workload and label
(the single source of truth; the derived tables' contracts are in `demand.tables`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "Column",
    "GRAINS",
    "StreamSchema",
    "STREAMS",
    "Workload",
    "AGGREGATE_FREQS",
    "GRADES",
    "CALL_LINES",
    "MISSING_RISKS",
    "DEPARTMENTS",
    "DEPARTMENT_NAMES",
    "SYSTEM_COLUMNS",
    "demand_streams",
    "get_stream",
    "stream_label",
    "stream_labels",
]

GRADES = ("G1", "G2", "G3", "G4", "RWD")
"""Incident grades: G1 emergency .. G4 scheduled; RWD resolved without deployment.
A force whose priorities are called otherwise names them in `[pipeline] grades`."""

CALL_LINES = ("999", "101")
"""Call lines: the emergency line (999) and the non-emergency line (101); a force
whose lines are called otherwise names them in `[pipeline] call_lines`."""
AGGREGATE_FREQS = ("h", "D")
"""Periods an aggregate source may count over: hours or days."""
MISSING_RISKS = ("high", "medium", "low", "no_apparent_risk")


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


GRAINS = ("instant", "month", "period", "date")
"""How a stream's rows sit in time: an instant (a UTC timestamp), a local month
(no day or time), a source's counting period (`counts`), or a date
(`establishment`, not demand)."""

DEPARTMENT_NAMES = {
    "control_room": "the control room",
    "response": "response",
    "neighbourhood": "the neighbourhood team",
    "investigation": "investigation",
    "public_protection": "public protection",
}
"""Departments that carry demand, with their names in report sentences."""
DEPARTMENTS = tuple(DEPARTMENT_NAMES)


@dataclass(frozen=True)
class Workload:
    """How a stream's forecast demand becomes workload hours (`capacity`).

    Args:
        basis: The assumptions table that gives the unit times and departments
            (a key of `demand.capacity.demand_lines.UNIT_TIME_BASES`):
            "call_lines" (Erlang per line, control room), "unit_times" (per
            grade), "mental_health" (RCRP hours), "missing_persons" (per risk)
            or "investigation" (per offence group, with a default).
        level: The level column whose value picks the unit time, e.g. "grade";
            None for the stream's total. Its forecast series are used, else the
            total split by the recent mix of that level.
        overlaps: A stream whose rows already hold this one's (mental-health
            incidents are incidents too): its hours are taken out of that
            stream, so a change in this stream alone changes the total.
    """

    basis: str
    level: str | None = None
    overlaps: str | None = None


@dataclass(frozen=True)
class StreamSchema:
    """Everything per stream: its table's contract, its time, levels and workload.

    Args:
        name: Table name.
        key: Columns that identify a row; a later extract with the same key
            replaces the earlier row.
        time_column: The column that places a row in time.
        columns: Canonical columns, without the system columns.
        workload: How its demand becomes workload hours, or None where the
            stream carries no workload by choice (stated for every stream, so a
            new one is never silently 0 hours).
        grain: How rows sit in time, one of `GRAINS`.
        month_column: A local month column that stands in where `time_column`
            is null (police.uk gives months only): such a stream's series are
            monthly only; None where the time is always there.
        label: Name in reports, e.g. "999 and 101 calls"; None: the name.
        description: What one row is.
    """

    name: str
    key: tuple[str, ...]
    time_column: str
    columns: tuple[Column, ...]
    workload: Workload | None
    grain: str = "instant"
    month_column: str | None = None
    label: str | None = None
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        """Canonical column names in table order, without system columns."""
        return tuple(c.name for c in self.columns)

    @property
    def levels(self) -> tuple[str, ...]:
        """Columns a series may be split by: text and yes/no columns.

        Keys and times are not levels (one series per incident or per instant).
        """
        return tuple(
            c.name
            for c in self.columns
            if c.dtype in ("VARCHAR", "BOOLEAN")
            and c.name not in self.key
            and c.name != self.time_column
        )

    @property
    def has_officer_hours(self) -> bool:
        """True if rows record the officer hours they took."""
        return "officer_hours" in self.column_names

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
_MONTH = "first day of the month recorded, local"


def _id(name: str) -> Column:
    return Column(name, "VARCHAR", True)


def _utc(name: str, required: bool = False, note: str = "UTC") -> Column:
    return Column(name, "TIMESTAMPTZ", required, description=note)


def _officer_hours() -> Column:
    return Column("officer_hours", "DOUBLE", minimum=0, description="hours")


def _text(*names: str) -> tuple[Column, ...]:
    return tuple(Column(n, "VARCHAR") for n in names)


def _events(
    name: str, key: str, time_column: str, *columns: Column, **facts: Any
) -> StreamSchema:
    """An event stream: one row per event, its id and UTC time columns first."""
    return StreamSchema(
        name,
        key=(key,),
        time_column=time_column,
        columns=(_id(key), _utc(time_column, True), *columns),
        **facts,
    )


STREAMS: dict[str, StreamSchema] = {
    s.name: s
    for s in (
        _events(
            "calls",
            "call_id",
            "received_at",
            Column("line", "VARCHAR", True, allowed=CALL_LINES),
            _utc("answered_at", note="UTC; null if abandoned"),
            Column("wait_seconds", "DOUBLE", minimum=0, description=_DURATION),
            Column("handle_seconds", "DOUBLE", minimum=0, description=_DURATION),
            Column("abandoned", "BOOLEAN", derive="answered_at IS NULL"),
            Column("area", "VARCHAR"),
            description="one 999 or 101 call",
            label="999 and 101 calls",
            workload=Workload("call_lines", "line"),
        ),
        _events(
            "incidents",
            "incident_id",
            "created_at",
            Column("grade", "VARCHAR", True, allowed=GRADES),
            *_text("category", "area"),
            Column("deployed", "BOOLEAN", derive="dispatched_at IS NOT NULL"),
            *(_utc(c) for c in ("dispatched_at", "arrived_at", "cleared_at")),
            _officer_hours(),
            Column("qualifiers", "VARCHAR", description="';'-separated flags"),
            description="one command-and-control incident",
            label="Incidents",
            workload=Workload("unit_times", "grade"),
        ),
        _events(
            "mental_health",
            "incident_id",
            "created_at",
            *_text("area", "rcrp_category"),
            Column("police_attended", "BOOLEAN"),
            Column("s136", "BOOLEAN", description="a section 136 detention"),
            _officer_hours(),
            description="one mental-health-related incident (Right Care Right Person)",
            label="Mental-health incidents",
            workload=Workload("mental_health", overlaps="incidents"),
        ),
        _events(
            "missing_persons",
            "report_id",
            "reported_at",
            Column("risk", "VARCHAR", True, allowed=MISSING_RISKS),
            *_text("age_band", "area"),
            _utc("closed_at"),
            Column("repeat", "BOOLEAN"),
            _officer_hours(),
            description="one missing-person report",
            label="Missing-person reports",
            workload=Workload("missing_persons", "risk"),
        ),
        StreamSchema(
            "crimes",
            key=("crime_id",),
            time_column="recorded_at",
            month_column="month",
            description="one recorded crime",
            label="Recorded crimes",
            workload=Workload("investigation", "offence_group"),
            columns=(
                _id("crime_id"),
                _utc("recorded_at", note="UTC; null if month-only"),
                Column(
                    "month",
                    "DATE",
                    True,
                    derive=(
                        "CAST(date_trunc('month', "
                        "timezone('Europe/London', recorded_at)) AS DATE)"
                    ),
                    description=_MONTH,
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
            grain="month",
            description=(
                "one anti-social-behaviour incident (police.uk), kept apart from "
                "crime; it has no id, so a reloaded file replaces its own rows"
            ),
            # No unit times are agreed for ASB: it is reported, not sized.
            workload=None,
            columns=(
                Column("month", "DATE", True, description=_MONTH),
                *_text("category", "area"),
            ),
        ),
        StreamSchema(
            "counts",
            key=("series", "period_start"),
            time_column="period_start",
            grain="period",
            description=(
                "events counted per hour or day by a source that gives only "
                "counts; a period without a row is missing, not zero"
            ),
            # A source's own counts (e.g. EMS calls) are another agency's work.
            workload=None,
            columns=(
                Column("series", "VARCHAR", True, description="e.g. ems_calls"),
                _utc("period_start", True, note="UTC instant"),
                Column("freq", "VARCHAR", True, allowed=AGGREGATE_FREQS),
                Column("count", "DOUBLE", True, minimum=0, description="events"),
                Column("area", "VARCHAR"),
            ),
        ),
        StreamSchema(
            "establishment",
            key=("department", "role", "as_at"),
            time_column="as_at",
            grain="date",
            description="posts of one department and role on a date",
            workload=None,  # the people who do the work, not demand
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
"""The stream registry: every stream table and what it means downstream. Adding
a stream is an entry here, an adapter map (`ingest`) and a synth generator."""


def stream_label(name: str) -> str:
    """The stream's name in reports: its `label`, else its table name."""
    schema = STREAMS.get(name)
    return schema.label if schema is not None and schema.label else name


def stream_labels() -> dict[str, str]:
    """Report names of the streams that have a `label`, by stream."""
    return {name: s.label for name, s in STREAMS.items() if s.label}


def demand_streams() -> tuple[str, ...]:
    """Streams whose rows are demand (every stream but `establishment`)."""
    return tuple(s for s, schema in STREAMS.items() if schema.grain != "date")


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
