"""Contracts of the derived tables the store owns: their columns and DuckDB types."""

from __future__ import annotations

__all__ = ["DERIVED_COLUMNS", "DERIVED_TABLES", "QUALITY_FRAMES", "table_columns"]

_RUN_SERIES = (
    ("run_id", "VARCHAR NOT NULL"),
    ("unique_id", "VARCHAR NOT NULL"),
    ("stream", "VARCHAR NOT NULL"),
    ("freq", "VARCHAR NOT NULL"),
    ("measure", "VARCHAR NOT NULL"),
)
"""The key every per-series table of a run starts with."""

_MEAN_AND_INTERVALS = (
    ("mean", "DOUBLE NOT NULL"),
    ("lo_80", "DOUBLE"),
    ("hi_80", "DOUBLE"),
    ("lo_95", "DOUBLE"),
    ("hi_95", "DOUBLE"),
)
"""A forecast's mean and its 80 % and 95 % intervals."""

DERIVED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "demand": (
        ("unique_id", "VARCHAR NOT NULL"),
        ("stream", "VARCHAR NOT NULL"),
        ("freq", "VARCHAR NOT NULL"),
        ("measure", "VARCHAR NOT NULL"),
        ("ds", "TIMESTAMP NOT NULL"),
        ("y", "DOUBLE NOT NULL"),
    ),
    "ingest_log": (
        ("file", "VARCHAR NOT NULL"),
        ("sha256", "VARCHAR NOT NULL"),
        ("stream", "VARCHAR NOT NULL"),
        ("adapter", "VARCHAR"),
        ("encoding", "VARCHAR"),
        ("status", "VARCHAR NOT NULL"),
        ("rows_read", "BIGINT NOT NULL"),
        ("rows_loaded", "BIGINT NOT NULL"),
        ("rows_inserted", "BIGINT NOT NULL"),
        ("rows_updated", "BIGINT NOT NULL"),
        ("rows_rejected", "BIGINT NOT NULL"),
        ("message", "VARCHAR"),
        ("started_at", "TIMESTAMPTZ NOT NULL"),
        ("finished_at", "TIMESTAMPTZ NOT NULL"),
    ),
    "runs": (
        ("run_id", "VARCHAR NOT NULL"),
        ("pipeline", "VARCHAR NOT NULL"),
        ("config_hash", "VARCHAR NOT NULL"),
        ("code_version", "VARCHAR NOT NULL"),
        ("data_fingerprint", "VARCHAR NOT NULL"),
        ("status", "VARCHAR NOT NULL"),
        ("error", "VARCHAR"),
        ("started_at", "TIMESTAMPTZ NOT NULL"),
        ("finished_at", "TIMESTAMPTZ"),
    ),
    "stage_runs": (
        ("run_id", "VARCHAR NOT NULL"),
        ("pipeline", "VARCHAR NOT NULL"),
        ("stage", "VARCHAR NOT NULL"),
        ("inputs_fingerprint", "VARCHAR NOT NULL"),
        ("settings_hash", "VARCHAR NOT NULL"),
        ("code_version", "VARCHAR NOT NULL"),
        ("status", "VARCHAR NOT NULL"),
        ("reason", "VARCHAR"),
        ("started_at", "TIMESTAMPTZ NOT NULL"),
        ("finished_at", "TIMESTAMPTZ NOT NULL"),
        ("seconds", "DOUBLE NOT NULL"),
        ("rows", "BIGINT NOT NULL"),
    ),
    "forecasts": (
        *_RUN_SERIES,
        ("horizon", "VARCHAR NOT NULL"),
        ("ds", "TIMESTAMP NOT NULL"),
        ("model", "VARCHAR NOT NULL"),
        *_MEAN_AND_INTERVALS,
    ),
    "backtests": (
        *_RUN_SERIES,
        ("cutoff", "TIMESTAMP NOT NULL"),
        ("ds", "TIMESTAMP NOT NULL"),
        ("y", "DOUBLE NOT NULL"),
        ("model", "VARCHAR NOT NULL"),
        *_MEAN_AND_INTERVALS,
    ),
    "model_scores": (
        *_RUN_SERIES,
        ("model", "VARCHAR NOT NULL"),
        ("mase", "DOUBLE"),
        ("smape", "DOUBLE"),
        ("rmse", "DOUBLE"),
        ("bias", "DOUBLE"),
        ("cov80", "DOUBLE"),
        ("cov95", "DOUBLE"),
        ("sql", "DOUBLE"),
        ("msis", "DOUBLE"),
    ),
    "model_choices": (
        *_RUN_SERIES,
        ("model", "VARCHAR NOT NULL"),
        ("chosen", "VARCHAR NOT NULL"),
        ("reason", "VARCHAR NOT NULL"),
        ("flags", "VARCHAR NOT NULL"),
    ),
    "capacity": (
        ("run_id", "VARCHAR NOT NULL"),
        ("department", "VARCHAR NOT NULL"),
        ("financial_year", "VARCHAR NOT NULL"),
        ("basis", "VARCHAR NOT NULL"),
        ("periods", "BIGINT NOT NULL"),
        ("year_fraction", "DOUBLE NOT NULL"),
        ("demand", "DOUBLE"),
        ("hours_mean", "DOUBLE NOT NULL"),
        ("hours_lo_80", "DOUBLE"),
        ("hours_hi_80", "DOUBLE"),
        ("hours_lo_95", "DOUBLE"),
        ("hours_hi_95", "DOUBLE"),
        ("productive_hours_per_fte", "DOUBLE NOT NULL"),
        ("fte_mean", "DOUBLE NOT NULL"),
        ("fte_lo_80", "DOUBLE"),
        ("fte_hi_80", "DOUBLE"),
        ("fte_lo_95", "DOUBLE"),
        ("fte_hi_95", "DOUBLE"),
        ("fte_demand", "DOUBLE"),
        ("fte_other_work", "DOUBLE"),
        ("fte_fixed", "DOUBLE"),
        ("fte_supervision", "DOUBLE"),
        ("establishment_fte", "DOUBLE"),
        ("as_at", "DATE"),
        ("cost_per_fte_gbp", "DOUBLE"),
        ("gap_fte", "DOUBLE"),
        ("gap_fte_lo_95", "DOUBLE"),
        ("gap_fte_hi_95", "DOUBLE"),
        ("gap_hours", "DOUBLE"),
        ("gap_cost_gbp", "DOUBLE"),
        ("p_demand_exceeds_capacity", "DOUBLE"),
        ("service_level", "DOUBLE"),
        ("travel_only_attendance", "DOUBLE"),
        ("cover_feasibility", "VARCHAR"),
        ("service_standard", "DOUBLE"),
        ("service_measure", "VARCHAR"),
    ),
    "sensitivity": (
        ("run_id", "VARCHAR NOT NULL"),
        ("department", "VARCHAR NOT NULL"),
        ("financial_year", "VARCHAR NOT NULL"),
        ("assumption", "VARCHAR NOT NULL"),
        ("low_value", "DOUBLE"),
        ("high_value", "DOUBLE"),
        ("value_unit", "VARCHAR"),
        ("gap_fte", "DOUBLE"),
        ("gap_at_low", "DOUBLE"),
        ("gap_at_high", "DOUBLE"),
        ("swing", "DOUBLE"),
    ),
    "scenarios": (
        ("run_id", "VARCHAR NOT NULL"),
        ("scenario", "VARCHAR NOT NULL"),
        ("department", "VARCHAR NOT NULL"),
        ("financial_year", "VARCHAR NOT NULL"),
        ("basis", "VARCHAR NOT NULL"),
        ("demand", "DOUBLE"),
        ("hours_mean", "DOUBLE"),
        ("fte_mean", "DOUBLE"),
        ("gap_fte", "DOUBLE"),
        ("gap_cost_gbp", "DOUBLE"),
        ("service_level", "DOUBLE"),
        ("demand_change", "DOUBLE"),
        ("hours_mean_change", "DOUBLE"),
        ("fte_mean_change", "DOUBLE"),
        ("gap_fte_change", "DOUBLE"),
        ("gap_cost_gbp_change", "DOUBLE"),
        ("service_level_change", "DOUBLE"),
    ),
    "response_cover": (
        ("run_id", "VARCHAR NOT NULL"),
        ("area", "VARCHAR NOT NULL"),
        ("hour_of_week", "BIGINT NOT NULL"),
        ("arrivals_per_hour", "DOUBLE"),
        ("officers_needed", "DOUBLE NOT NULL"),
        ("officers_rostered", "DOUBLE"),
        ("g1_attendance", "DOUBLE"),
        ("units", "DOUBLE"),
        ("travel_only_attendance", "DOUBLE"),
        ("cover_feasibility", "VARCHAR"),
    ),
    "area_service": (
        ("run_id", "VARCHAR NOT NULL"),
        ("department", "VARCHAR NOT NULL"),
        ("financial_year", "VARCHAR NOT NULL"),
        ("area", "VARCHAR NOT NULL"),
        ("service_measure", "VARCHAR"),
        ("service_level", "DOUBLE"),
        ("service_standard", "DOUBLE"),
    ),
    "normalised": (
        ("file", "VARCHAR NOT NULL"),
        ("sha256", "VARCHAR NOT NULL"),
        ("stream", "VARCHAR NOT NULL"),
        ("column", "VARCHAR NOT NULL"),
        ("original", "VARCHAR NOT NULL"),
        ("normalised", "VARCHAR"),
        ("rows", "BIGINT NOT NULL"),
        ("loaded_at", "TIMESTAMPTZ NOT NULL"),
    ),
    "rejects": (
        ("file", "VARCHAR NOT NULL"),
        ("sha256", "VARCHAR NOT NULL"),
        ("stream", "VARCHAR NOT NULL"),
        ("line", "BIGINT"),
        ("column", "VARCHAR"),
        ("value", "VARCHAR"),
        ("reason", "VARCHAR NOT NULL"),
        ("loaded_at", "TIMESTAMPTZ NOT NULL"),
    ),
}
"""Each derived table's columns in order: (name, DuckDB type and constraint)."""


def _ddl(columns: tuple[tuple[str, str], ...]) -> str:
    return ",\n".join('"' + n.replace('"', '""') + f'" {t}' for n, t in columns)


DERIVED_TABLES: dict[str, str] = {n: _ddl(c) for n, c in DERIVED_COLUMNS.items()}
"""Column definitions (DuckDB DDL bodies) of the derived tables the store owns."""


def table_columns(table: str) -> list[str]:
    """Return the columns of derived `table`, in the order the store holds them.

    Raises:
        KeyError: `table` is not a derived table.
    """
    return [name for name, _ in DERIVED_COLUMNS[table]]


QUALITY_FRAMES = (
    "summary",
    "files",
    "coverage",
    "gaps",
    "duplicates",
    "outliers",
    "rejects",
    "normalised",
)
"""The frames of a data-quality report (`demand.quality.QualityReport`), in the
order a report shows them; here, free of pandas, so the CLI can offer them."""
