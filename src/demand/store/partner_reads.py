"""What partner demand and the national comparison read from the store."""

from __future__ import annotations

from datetime import date

import pandas as pd

from demand.store import Store, quote

__all__ = [
    "count_filled",
    "count_qualified_mental_health",
    "read_agency_rows",
    "read_force_fms_areas",
    "read_mental_health_rows",
]

_MONTH = "CAST(date_trunc('month', timezone(?, {t}.created_at)) AS DATE)"


def count_filled(store: Store, table: str, column: str) -> int:
    """Return how many rows of `table` have a value in `column`."""
    row = store.con.execute(
        f"SELECT count({quote(column)}) FROM {quote(table)}"  # noqa: S608 (quoted)
    ).fetchone()
    return int(row[0]) if row else 0


def count_qualified_mental_health(store: Store) -> int:
    """Return how many mental-health incidents match an incident with qualifiers."""
    row = store.con.execute(
        "SELECT count(*) FROM mental_health m JOIN incidents i "
        "USING (incident_id) WHERE i.qualifiers IS NOT NULL"
    ).fetchone()
    return int(row[0]) if row else 0


def read_mental_health_rows(
    store: Store, qualifier: str, timezone: str, split_at: date | None
) -> pd.DataFrame:
    """Return mental-health incidents summed by local month, `after` and area,
    and force-wide (area NULL → "force"); see `read_mental_health_months`.

    Args:
        qualifier: The RCRP qualifier flag on the matching incident.
        timezone: Local zone of the months.
        split_at: Go-live date splitting `after` at its local midnight; None
            for all False.
    """
    split = "FALSE" if split_at is None else "timezone(?, m.created_at) >= ?"
    params: list[object] = [timezone]
    if split_at is not None:
        params += [timezone, pd.Timestamp(split_at).to_pydatetime()]
    params.append(qualifier)
    sql = f"""
        WITH rows AS (
            SELECT {_MONTH.format(t="m")} AS month,
                   coalesce(m.area, 'unknown') AS area,
                   {split} AS after, m.police_attended, m.officer_hours, m.s136,
                   i.incident_id IS NOT NULL AS matched,
                   coalesce(list_contains(string_split(i.qualifiers, ';'), ?), FALSE)
                       AS flagged
            FROM mental_health m LEFT JOIN incidents i USING (incident_id)
        )
        SELECT month, coalesce(area, 'force') AS area, after,
               count(*) AS incidents,
               count_if(police_attended) AS attended,
               count(police_attended) AS attended_known,
               coalesce(sum(officer_hours), 0) AS hours_sum,
               count(officer_hours) AS hours_known,
               count_if(police_attended AND officer_hours IS NULL)
                   AS attended_without_hours,
               coalesce(sum(officer_hours) FILTER (WHERE police_attended), 0)
                   AS attended_hours_sum,
               count(officer_hours) FILTER (WHERE police_attended)
                   AS attended_hours_known,
               count_if(s136) AS s136, count(s136) AS s136_known,
               count_if(flagged) AS rcrp_flagged, count_if(matched) AS matched
        FROM rows
        GROUP BY GROUPING SETS ((month, after), (month, after, area))
        ORDER BY month, area, after
    """  # noqa: S608 (fixed text; values are parameters)
    return store.con.execute(sql, params).df()


def read_agency_rows(store: Store, timezone: str) -> pd.DataFrame:
    """Return incidents and officer hours by local month, category, RCRP
    category and qualifiers (hours of undeployed incidents count 0)."""
    sql = f"""
        SELECT {_MONTH.format(t="i")} AS month,
               i.category, m.rcrp_category, i.qualifiers,
               count(*) AS incidents,
               coalesce(sum(i.officer_hours), 0) AS officer_hours
        FROM incidents i LEFT JOIN mental_health m USING (incident_id)
        GROUP BY ALL ORDER BY month
    """  # noqa: S608 (fixed text; values are parameters)
    return store.con.execute(sql, [timezone]).df()


def read_force_fms_areas(store: Store, every_area: bool = False) -> pd.DataFrame:
    """Return the force-wide rows of the `fms_areas` view (every area's with
    `every_area`, for disclosure control across a force's areas).

    Raises:
        duckdb.CatalogException: the store has no report (no view yet).
    """
    where = "" if every_area else " WHERE area = 'force'"
    return store.con.execute(f"SELECT * FROM fms_areas{where}").df()  # noqa: S608
