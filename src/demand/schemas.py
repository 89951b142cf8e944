"""Canonical stream schemas and derived-table contracts: the single source of truth."""

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
    "DERIVED_TABLES",
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

DERIVED_TABLES: dict[str, str] = {
    "demand": """
        unique_id VARCHAR NOT NULL,
        stream VARCHAR NOT NULL,
        freq VARCHAR NOT NULL,
        measure VARCHAR NOT NULL,
        ds TIMESTAMP NOT NULL,
        y DOUBLE NOT NULL
    """,
    "ingest_log": """
        file VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        stream VARCHAR NOT NULL,
        adapter VARCHAR,
        encoding VARCHAR,
        status VARCHAR NOT NULL,
        rows_read BIGINT NOT NULL,
        rows_loaded BIGINT NOT NULL,
        rows_inserted BIGINT NOT NULL,
        rows_updated BIGINT NOT NULL,
        rows_rejected BIGINT NOT NULL,
        message VARCHAR,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL
    """,
    "runs": """
        run_id VARCHAR NOT NULL,
        pipeline VARCHAR NOT NULL,
        config_hash VARCHAR NOT NULL,
        code_version VARCHAR NOT NULL,
        data_fingerprint VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        error VARCHAR,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ
    """,
    "stage_runs": """
        run_id VARCHAR NOT NULL,
        pipeline VARCHAR NOT NULL,
        stage VARCHAR NOT NULL,
        inputs_fingerprint VARCHAR NOT NULL,
        settings_hash VARCHAR NOT NULL,
        code_version VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        reason VARCHAR,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL,
        seconds DOUBLE NOT NULL,
        "rows" BIGINT NOT NULL
    """,
    "forecasts": """
        run_id VARCHAR NOT NULL,
        unique_id VARCHAR NOT NULL,
        stream VARCHAR NOT NULL,
        freq VARCHAR NOT NULL,
        measure VARCHAR NOT NULL,
        horizon VARCHAR NOT NULL,
        ds TIMESTAMP NOT NULL,
        model VARCHAR NOT NULL,
        mean DOUBLE NOT NULL,
        lo_80 DOUBLE,
        hi_80 DOUBLE,
        lo_95 DOUBLE,
        hi_95 DOUBLE
    """,
    "backtests": """
        run_id VARCHAR NOT NULL,
        unique_id VARCHAR NOT NULL,
        stream VARCHAR NOT NULL,
        freq VARCHAR NOT NULL,
        measure VARCHAR NOT NULL,
        cutoff TIMESTAMP NOT NULL,
        ds TIMESTAMP NOT NULL,
        y DOUBLE NOT NULL,
        model VARCHAR NOT NULL,
        mean DOUBLE NOT NULL,
        lo_80 DOUBLE,
        hi_80 DOUBLE,
        lo_95 DOUBLE,
        hi_95 DOUBLE
    """,
    "model_scores": """
        run_id VARCHAR NOT NULL,
        unique_id VARCHAR NOT NULL,
        stream VARCHAR NOT NULL,
        freq VARCHAR NOT NULL,
        measure VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        mase DOUBLE,
        smape DOUBLE,
        rmse DOUBLE,
        bias DOUBLE,
        cov80 DOUBLE,
        cov95 DOUBLE
    """,
    "model_choices": """
        run_id VARCHAR NOT NULL,
        unique_id VARCHAR NOT NULL,
        stream VARCHAR NOT NULL,
        freq VARCHAR NOT NULL,
        measure VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        chosen VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        flags VARCHAR NOT NULL
    """,
    "capacity": """
        run_id VARCHAR NOT NULL,
        department VARCHAR NOT NULL,
        financial_year VARCHAR NOT NULL,
        basis VARCHAR NOT NULL,
        periods BIGINT NOT NULL,
        year_fraction DOUBLE NOT NULL,
        demand DOUBLE,
        hours_mean DOUBLE NOT NULL,
        hours_lo_80 DOUBLE,
        hours_hi_80 DOUBLE,
        hours_lo_95 DOUBLE,
        hours_hi_95 DOUBLE,
        productive_hours_per_fte DOUBLE NOT NULL,
        fte_mean DOUBLE NOT NULL,
        fte_lo_80 DOUBLE,
        fte_hi_80 DOUBLE,
        fte_lo_95 DOUBLE,
        fte_hi_95 DOUBLE,
        fte_demand DOUBLE,
        fte_other_work DOUBLE,
        fte_fixed DOUBLE,
        fte_supervision DOUBLE,
        establishment_fte DOUBLE,
        as_at DATE,
        cost_per_fte_gbp DOUBLE,
        gap_fte DOUBLE,
        gap_fte_lo_95 DOUBLE,
        gap_fte_hi_95 DOUBLE,
        gap_hours DOUBLE,
        gap_cost_gbp DOUBLE,
        p_demand_exceeds_capacity DOUBLE,
        service_level DOUBLE
    """,
    "scenarios": """
        run_id VARCHAR NOT NULL,
        scenario VARCHAR NOT NULL,
        department VARCHAR NOT NULL,
        financial_year VARCHAR NOT NULL,
        basis VARCHAR NOT NULL,
        demand DOUBLE,
        hours_mean DOUBLE,
        fte_mean DOUBLE,
        gap_fte DOUBLE,
        gap_cost_gbp DOUBLE,
        service_level DOUBLE,
        demand_change DOUBLE,
        hours_mean_change DOUBLE,
        fte_mean_change DOUBLE,
        gap_fte_change DOUBLE,
        gap_cost_gbp_change DOUBLE,
        service_level_change DOUBLE
    """,
    "response_cover": """
        run_id VARCHAR NOT NULL,
        area VARCHAR NOT NULL,
        hour_of_week BIGINT NOT NULL,
        arrivals_per_hour DOUBLE,
        officers_needed DOUBLE NOT NULL,
        officers_rostered DOUBLE,
        g1_attendance DOUBLE
    """,
    "rejects": """
        file VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        stream VARCHAR NOT NULL,
        line BIGINT,
        "column" VARCHAR,
        value VARCHAR,
        reason VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ NOT NULL
    """,
}
"""Column definitions (DuckDB DDL bodies) of the derived tables the store owns."""


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
