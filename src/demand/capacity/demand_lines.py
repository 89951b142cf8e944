"""Forecast streams → demand lines: department, method and unit time per line-period.

Which streams carry workload, at which level and from which assumptions table is
the stream registry's (`StreamSchema.workload`); the unit-time bases here read
those tables.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demand.capacity.assumptions import Assumptions
from demand.schemas import STREAMS
from demand.series_ids import parse_unique_id

__all__ = [
    "QUANTILES",
    "UNIT_TIME_BASES",
    "UnitTimeBasis",
    "demand_lines",
    "stream_primary_departments",
    "stream_work_departments",
]

logger = logging.getLogger(__name__)

QUANTILES = ("mean", "lo_80", "hi_80", "lo_95", "hi_95")
"""Forecast columns carried through: the mean and the 80 % and 95 % bounds."""


@dataclass(frozen=True)
class UnitTimeBasis:
    """One assumptions table that sizes a stream's demand.

    Args:
        assign: `(rows, assumptions) -> rows` keeping the rows it can size and
            adding ``department``, ``method`` ("linear": hours = count ×
            ``unit_hours``; "erlang": calls sized per line) and ``unit_hours``.
        departments: Every department the table sends work to.
        primary: The department that carries most of the stream's work.
    """

    assign: Callable[[pd.DataFrame, Assumptions], pd.DataFrame]
    departments: Callable[[Assumptions], tuple[str, ...]]
    primary: Callable[[Assumptions], str]


def _call_lines(rows: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    known = rows["key"].isin(list(a.call_lines))
    return rows[known].assign(
        department="control_room", method="erlang", unit_hours=np.nan
    )


def _unit_times(rows: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    unit = {g: u.officer_hours_per_incident for g, u in a.unit_times.items()}
    dept = {g: u.department for g, u in a.unit_times.items()}
    rows = rows[rows["key"].isin(list(unit))]
    return rows.assign(
        department=rows["key"].map(dept),
        method="linear",
        unit_hours=rows["key"].map(unit),
    )


def _mental_health(rows: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    m = a.mental_health
    # No go-live date: the force has no RCRP, so today's ("after") hours apply.
    after = (
        rows["ds"] >= pd.Timestamp(m.rcrp_date)
        if m.rcrp_date is not None
        else np.ones(len(rows), dtype=bool)
    )
    hours = np.where(
        after, m.hours_per_incident_after_rcrp, m.hours_per_incident_before_rcrp
    )
    return rows.assign(department=m.department, method="linear", unit_hours=hours)


def _missing_persons(rows: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    mp = a.missing_persons
    return rows.assign(
        department=mp.department,
        method="linear",
        unit_hours=rows["key"].map(mp.hours_per_report),
    )


def _investigation(rows: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    table = a.investigation
    unlisted = sorted(set(rows["key"]) - set(table))
    if unlisted and "default" not in table:
        raise ValueError(
            f"investigation has no hours for {', '.join(unlisted)}; "
            "add them or an [investigation.default] table."
        )
    times = {k: table.get(k, table.get("default")) for k in set(rows["key"])}
    return rows.assign(
        department=rows["key"].map({k: t.department for k, t in times.items() if t}),
        method="linear",
        unit_hours=rows["key"].map(
            {k: t.hours_per_crime for k, t in times.items() if t}
        ),
    )


def _grade_departments(a: Assumptions) -> tuple[str, ...]:
    units = [*a.unit_times.values(), *a.unit_times_by_category.values()]
    return tuple(sorted({u.department for u in units}))


def _investigation_primary(a: Assumptions) -> str:
    table = a.investigation
    return table.get("default", next(iter(table.values()))).department


UNIT_TIME_BASES: dict[str, UnitTimeBasis] = {
    "call_lines": UnitTimeBasis(
        _call_lines, lambda a: ("control_room",), lambda a: "control_room"
    ),
    "unit_times": UnitTimeBasis(
        _unit_times, _grade_departments, lambda a: a.unit_times["G1"].department
    ),
    "mental_health": UnitTimeBasis(
        _mental_health,
        lambda a: (a.mental_health.department,),
        lambda a: a.mental_health.department,
    ),
    "missing_persons": UnitTimeBasis(
        _missing_persons,
        lambda a: (a.missing_persons.department,),
        lambda a: a.missing_persons.department,
    ),
    "investigation": UnitTimeBasis(
        _investigation,
        lambda a: tuple(sorted({t.department for t in a.investigation.values()})),
        _investigation_primary,
    ),
}
"""Unit-time bases by the name a registry entry gives (`Workload.basis`)."""


def _basis(stream: str) -> UnitTimeBasis | None:
    workload = STREAMS[stream].workload
    if workload is None:
        return None
    try:
        return UNIT_TIME_BASES[workload.basis]
    except KeyError:
        raise ValueError(
            f"Stream {stream!r} names unit-time basis {workload.basis!r}; use one "
            f"of {', '.join(UNIT_TIME_BASES)}."
        ) from None


def stream_primary_departments(assumptions: Assumptions) -> dict[str, str]:
    """The department whose workload each stream mostly is, from the assumptions."""
    bases = {s: _basis(s) for s in STREAMS}
    return {s: b.primary(assumptions) for s, b in bases.items() if b is not None}


def stream_work_departments(assumptions: Assumptions) -> dict[str, tuple[str, ...]]:
    """Every department that carries work of each stream, from the assumptions.

    E.g. crimes → investigation and public protection (offence groups such as
    sexual offences are investigated by public protection); incidents →
    response (G1-G3), neighbourhood (G4) and the control room (resolved without
    deployment).
    """
    bases = {s: _basis(s) for s in STREAMS}
    return {s: b.departments(assumptions) for s, b in bases.items() if b is not None}


def _select(forecasts: pd.DataFrame, stream: str, level: str | None) -> pd.DataFrame:
    """Rows of a stream's force total (level None) or its one-level series."""
    parsed = forecasts["unique_id"].map(parse_unique_id)
    is_stream = parsed.map(lambda p: p[0] == stream)
    keys = parsed.map(lambda p: tuple(p[1]))
    wanted = () if level is None else (level,)
    hit = forecasts[is_stream & keys.map(lambda k: k == wanted)]
    if level is None:
        return hit.assign(key="all", line=stream)
    keys = hit["unique_id"].map(lambda u: parse_unique_id(u)[1][level])
    return hit.assign(key=keys, line=hit["unique_id"])


def _by_level(
    forecasts: pd.DataFrame,
    stream: str,
    level: str,
    mixes: Mapping[str, Mapping[str, float]],
) -> pd.DataFrame:
    """A stream's series by `level`; else its total split by `mixes[level]`."""
    rows = _select(forecasts, stream, level)
    if len(rows):
        return rows
    total = _select(forecasts, stream, None)
    if total.empty:
        return total
    if level not in mixes:
        raise ValueError(
            f"forecasts hold {stream!r} but no {stream}/{level}=... series; "
            f"forecast that level or pass mixes[{level!r}] (shares by {level})."
        )
    shares = pd.Series(mixes[level], dtype=float)
    shares = shares / shares.sum()
    parts = [
        total.assign(
            key=key,
            line=f"{stream}/{level}={key}",
            source_line=stream,  # one forecast: its parts' errors move together
            **{q: total[q] * share for q in QUANTILES},
        )
        for key, share in shares.items()
    ]
    return pd.concat(parts, ignore_index=True)


def _clean(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Forecasts with every quantile present, filled by the mean and floored at 0."""
    f = forecasts.copy()
    f["ds"] = pd.to_datetime(f["ds"])
    if f.duplicated(["unique_id", "ds"]).any():
        raise ValueError(
            "forecasts have several rows per (unique_id, ds); keep one model."
        )
    for q in QUANTILES:
        if q not in f.columns:
            f[q] = f["mean"]
        f[q] = f[q].fillna(f["mean"]).clip(lower=0.0)
    return f


def demand_lines(
    forecasts: pd.DataFrame,
    assumptions: Assumptions,
    mixes: Mapping[str, Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """Map forecast streams to departments and unit times: one row per line-period.

    Each stream with a `Workload` in the registry is read at its level and sized
    by its unit-time basis: calls → control room (Erlang, per line); incidents
    G1-G3 → response, G4 → neighbourhood, RWD → control room (as set per grade in
    the assumptions); mental-health incidents → their department at the
    RCRP-dependent hours, with an ``incidents/overlap=mental_health`` line that
    takes the same hours out of the incident lines (they already hold them), so
    a scenario that changes mental-health demand alone changes the total;
    missing persons by risk; crimes by offence group. A stream the registry
    gives no workload is left out (logged). Series at other levels (e.g. area)
    are not used.

    Args:
        forecasts: The `forecasts` shape (``unique_id, ds, mean, lo_80, hi_80,
            lo_95, hi_95``), one row per (unique_id, ds), counts per period.
        assumptions: The force's assumptions.
        mixes: Shares used to split a stream's total when its level is not
            forecast, by level: keys ``grade``, ``line``, ``risk``,
            ``offence_group``.

    Returns:
        Columns ``line, stream, key, department, method, unit_hours, ds,
        source_line`` and the `QUANTILES` as counts; ``method`` is ``linear``
        (hours = count × unit_hours) or ``erlang`` (``key`` is the call line);
        ``source_line`` names the forecast a line comes from (the stream's total
        for lines split from it by a mix, else the line itself).

    Raises:
        ValueError: Duplicate (unique_id, ds) rows (e.g. several models), a
            total without its level and without a mix, or no stream with
            workload in the forecasts.
    """
    mixes = mixes or {}
    f = _clean(forecasts)
    forecast_streams = set(f["unique_id"].map(lambda u: parse_unique_id(u)[0]))
    made: dict[str, pd.DataFrame] = {}
    for stream, schema in STREAMS.items():
        basis, workload = _basis(stream), schema.workload
        if basis is None or workload is None:
            if stream in forecast_streams:
                logger.info("%s carries no workload (registry choice)", stream)
            continue
        rows = (
            _select(f, stream, None)
            if workload.level is None
            else _by_level(f, stream, workload.level, mixes)
        )
        if len(rows):
            made[stream] = basis.assign(rows, assumptions)
    parts = []
    for stream, lines in made.items():
        parts.append(lines)
        overlaps = STREAMS[stream].workload.overlaps  # type: ignore[union-attr]
        if overlaps is not None and len(made.get(overlaps, ())):
            overlap = lines.assign(
                stream=overlaps,
                key=f"overlap={stream}",
                line=f"{overlaps}/overlap={stream}",
                **{q: -lines["mean"] for q in QUANTILES},
            )
            parts.append(overlap)
    if not parts:
        sized = ", ".join(s for s, schema in STREAMS.items() if schema.workload)
        raise ValueError(f"forecasts hold none of {sized}.")
    out = pd.concat(parts, ignore_index=True)
    out["stream"] = out["line"].map(lambda u: parse_unique_id(u)[0])
    if "source_line" not in out.columns:
        out["source_line"] = out["line"]
    out["source_line"] = out["source_line"].fillna(out["line"])
    columns = [
        "line",
        "stream",
        "key",
        "department",
        "method",
        "unit_hours",
        "ds",
        "source_line",
    ]
    return (
        out[[*columns, *QUANTILES]].sort_values(["line", "ds"]).reset_index(drop=True)
    )
