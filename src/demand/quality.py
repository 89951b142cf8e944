"""Data-quality report per source: coverage, gaps, duplicates, outliers and rejects."""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from demand.schemas import STREAMS, get_stream
from demand.series import is_month_only, is_unlikely_empty
from demand.store import Store, quote
from demand.tables import QUALITY_FRAMES

__all__ = [
    "NO_TIME_OF_DAY",
    "QUALITY_FRAMES",
    "QualityReport",
    "adapter_timezone",
    "quality_report",
]

logger = logging.getLogger(__name__)

NO_TIME_OF_DAY = "no time of day: hourly analysis is not possible"
"""The summary's note on a stream whose every timestamp is at local 00:00."""


@dataclass(frozen=True)
class QualityReport:
    """Frames describing the quality of what ingest loaded, one row per finding.

    Args:
        summary: One row per stream: `stream, rows, first, last, freq,
            periods, empty_periods, gaps, rows_read, rows_rejected,
            duplicates, outliers, note` (`note` says, e.g., that every
            timestamp is at 00:00: no time of day).
        files: `ingest_log` per file: `file, stream, status, rows_read,
            rows_loaded, rows_updated, rows_rejected, message`.
        coverage: Rows per local period: `stream, series, ds, rows` (days,
            months for month-only streams, source periods for `counts`).
        gaps: Runs of periods with no rows too long to be chance at the
            series' mean rate (`series.is_unlikely_empty`; every missing
            period of a `counts` source): `stream, series, gap_start,
            gap_end, periods`.
        duplicates: `stream, file, kind, rows`: keys repeated within a file
            (rejected) or replaced by a later file.
        outliers: Periods far from the stream's usual level: `stream, series,
            ds, rows, median, score` (robust z-score, |score| > 3.5).
        rejects: Rejected rows by reason: `stream, reason, rows`.
        normalised: Values ingest rewrote to their canonical spelling (areas
            differing in spaces, line breaks or case): `stream, column,
            original, normalised, rows`, summed over files.
    """

    summary: pd.DataFrame
    files: pd.DataFrame
    coverage: pd.DataFrame
    gaps: pd.DataFrame
    duplicates: pd.DataFrame
    outliers: pd.DataFrame
    rejects: pd.DataFrame
    normalised: pd.DataFrame

    def frame(self, name: str) -> pd.DataFrame:
        """Return the frame called `name` (one of `QUALITY_FRAMES`).

        Raises:
            ValueError: `name` is not a frame of the report.
        """
        if name not in QUALITY_FRAMES:
            known = ", ".join(QUALITY_FRAMES)
            raise ValueError(f"Unknown quality frame {name!r}; use one of {known}.")
        return getattr(self, name)


def _coverage(store: Store, stream: str, timezone: str) -> pd.DataFrame:
    """Rows per local period of one stream, with every empty period as 0."""
    schema = get_stream(stream)
    if schema.grain == "period":
        # Counts are checked at the source's own periods, on the UTC clock, so a
        # clock change neither hides nor invents a missing hour.
        frame = store.con.execute(
            "SELECT series, freq, period_start FROM counts ORDER BY ALL"
        ).df()
        parts = []
        for (series, freq), part in frame.groupby(["series", "freq"], sort=True):
            utc = pd.DatetimeIndex(part["period_start"]).tz_convert("UTC")
            grid = pd.date_range(utc.min(), utc.max(), freq=freq)
            rows = pd.Series(1, index=utc).groupby(level=0).size()
            rows = rows.reindex(grid, fill_value=0)
            local = grid.tz_convert(timezone).tz_localize(None)
            parts.append(
                pd.DataFrame({"series": series, "ds": local, "rows": rows.to_numpy()})
            )
        if not parts:
            return pd.DataFrame(columns=["stream", "series", "ds", "rows"])
        out = pd.concat(parts, ignore_index=True)
        return out.assign(stream=stream)[["stream", "series", "ds", "rows"]]
    monthly = is_month_only(store, stream)
    unit, step = ("month", "MS") if monthly else ("day", "D")
    # A month-only row holds a local month already, and establishment a date:
    # no zone to convert.
    time = f"timezone(?, {schema.time_column})"
    if monthly:
        month = schema.month_column or schema.time_column
        time = f"CAST({month} AS TIMESTAMP)"
    elif schema.grain == "date":
        unit, step, time = "year", "YS", f"CAST({schema.time_column} AS TIMESTAMP)"
    frame = store.con.execute(
        f"SELECT date_trunc('{unit}', {time}) AS ds, count(*) AS rows "
        f"FROM {quote(stream)} GROUP BY ALL ORDER BY ds",
        [timezone] if "?" in time else [],
    ).df()
    if frame.empty:
        return pd.DataFrame(columns=["stream", "series", "ds", "rows"])
    grid = pd.date_range(frame["ds"].min(), frame["ds"].max(), freq=step)
    rows = frame.set_index("ds")["rows"].reindex(grid, fill_value=0)
    return pd.DataFrame(
        {"stream": stream, "series": stream, "ds": grid, "rows": rows.to_numpy()}
    )


def _gaps(coverage: pd.DataFrame) -> pd.DataFrame:
    """Runs of consecutive empty periods per series that chance does not explain.

    A stream's days with no events are expected when it is small: a run is a
    gap only if no events in that many days is unlikely at the series' mean
    rate (`is_unlikely_empty`). A `counts` source's missing period is always a
    gap (its rows are periods, not events); so is a missing year of
    establishment.
    """
    rows = []
    for (stream, series), part in coverage.groupby(["stream", "series"], sort=True):
        empty = part["rows"].to_numpy() == 0
        ds = part["ds"].to_numpy()
        # Days per period: coverage is by day, or by month for month-only data.
        step = pd.Timedelta(ds[1] - ds[0]).days if len(ds) > 1 else 0
        per_day = {1: 1.0, 28: 30.4375, 29: 30.4375, 30: 30.4375, 31: 30.4375}.get(step)
        rate = float(part["rows"].mean()) / per_day if per_day else math.inf
        if get_stream(stream).grain in ("period", "date"):
            rate = math.inf
        start = None
        for i, is_empty in enumerate([*empty, False]):
            if is_empty and start is None:
                start = i
            elif not is_empty and start is not None:
                run = i - start
                if is_unlikely_empty(rate, run * (per_day or 1.0)):
                    rows.append((stream, series, ds[start], ds[i - 1], run))
                start = None
    return pd.DataFrame(
        rows, columns=["stream", "series", "gap_start", "gap_end", "periods"]
    )


# A robust z-score (median and scaled MAD) beyond this flags a period.
_OUTLIER_SCORE = 3.5


def _outliers(
    store: Store, stream: str, coverage: pd.DataFrame, timezone: str
) -> pd.DataFrame:
    """Periods whose volume is far from the series' median (robust z-score)."""
    columns = ["stream", "series", "ds", "rows", "median", "score"]
    grain = get_stream(stream).grain
    if grain == "date":
        return pd.DataFrame(columns=columns)  # rows per year are not demand
    if grain == "period":
        values = store.con.execute(
            "SELECT series, timezone(?, period_start) AS ds, count AS rows FROM counts",
            [timezone],
        ).df()
    else:
        values = coverage[coverage["rows"] > 0][["series", "ds", "rows"]]
    found = []
    for series, part in values.groupby("series"):
        y = part["rows"].astype(float)
        median = float(y.median())
        mad = float((y - median).abs().median()) * 1.4826
        if mad == 0 or np.isnan(mad):
            continue
        score = (y - median) / mad
        hit = part[score.abs() > _OUTLIER_SCORE].assign(
            stream=stream, series=series, median=median, score=score.round(2)
        )
        found.append(hit)
    if not found:
        return pd.DataFrame(columns=columns)
    return pd.concat(found, ignore_index=True)[columns]


def adapter_timezone(store: Store, streams: Sequence[str] | None = None) -> str:
    """Return the zone of the column maps that loaded the streams, from `ingest_log`.

    The most used map's `timezone` wins; a map that can no longer be read is
    passed over. Without any, a pipeline's default zone (`SeriesConfig`).
    """
    from demand.ingest import IngestError
    from demand.ingest.adapter import load_adapter

    rows = store.con.execute(
        "SELECT adapter, count(*) FROM ingest_log WHERE status = 'loaded' AND "
        "($all OR list_contains($streams, stream)) GROUP BY adapter",
        {"all": streams is None, "streams": list(streams or [])},
    ).fetchall()
    zones: Counter[str] = Counter()
    for adapter, files in rows:
        try:
            zones[load_adapter(Path(adapter)).timezone] += files
        except (IngestError, OSError):
            logger.info("column map %s cannot be read for its time zone", adapter)
    if zones:
        return zones.most_common(1)[0][0]
    from demand.config import SeriesConfig

    return SeriesConfig.timezone


def _time_of_day_note(store: Store, stream: str, timezone: str) -> str:
    """`NO_TIME_OF_DAY` if every timestamp of a timed stream is at local 00:00."""
    schema = get_stream(stream)
    column = schema.time_column
    if schema.grain != "instant" or is_month_only(store, stream):
        return ""
    row = store.con.execute(
        f"SELECT count({quote(column)}), count(*) FILTER (WHERE "
        f"CAST(timezone(?, {quote(column)}) AS TIME) <> TIME '00:00') "
        f"FROM {quote(stream)}",
        [timezone],
    ).fetchone()
    return NO_TIME_OF_DAY if row and row[0] and not row[1] else ""


def quality_report(
    store: Store,
    streams: Sequence[str] | None = None,
    timezone: str | None = None,
) -> QualityReport:
    """Describe the quality of each loaded source: coverage, gaps, duplicates,
    outliers and rejected rows by reason.

    Args:
        store: The store after ingest.
        streams: Streams to report; None means every stream holding rows.
        timezone: Local zone days are counted in; None means the zone of the
            column maps that loaded them (`adapter_timezone`).

    Returns:
        The report's frames (see `QualityReport`); each is empty, with its
        columns, where there is nothing to report.

    Raises:
        ValueError: A stream is unknown.
    """
    if timezone is None:
        timezone = adapter_timezone(store, streams)
    timed = list(STREAMS)
    if streams is None:
        streams = [s for s in timed if store.count(s)]
    for s in streams:
        if s not in STREAMS:
            known = ", ".join(timed)
            raise ValueError(f"{s!r} is not a stream to report on; use one of {known}.")
    coverage = [_coverage(store, s, timezone) for s in streams]
    cov = (
        pd.concat(coverage, ignore_index=True)
        if coverage
        else pd.DataFrame(columns=["stream", "series", "ds", "rows"])
    )
    gaps = _gaps(cov)
    outliers = [
        _outliers(store, s, c, timezone) for s, c in zip(streams, coverage, strict=True)
    ]
    out = (
        pd.concat(outliers, ignore_index=True)
        if outliers
        else pd.DataFrame(columns=["stream", "series", "ds", "rows", "median", "score"])
    )
    con = store.con
    params = {"streams": list(streams)}
    files = con.execute(
        "SELECT file, stream, status, rows_read, rows_loaded, rows_updated, "
        "rows_rejected, message FROM ingest_log WHERE list_contains($streams, stream) "
        "ORDER BY stream, file",
        params,
    ).df()
    rejects = con.execute(
        "SELECT stream, regexp_replace(reason, ': first seen on line .*$', '') AS "
        "reason, count(*) AS rows FROM rejects WHERE list_contains($streams, stream) "
        "GROUP BY ALL ORDER BY stream, rows DESC, reason",
        params,
    ).df()
    duplicates = con.execute(
        "SELECT stream, file, 'repeated key within the file (rejected)' AS kind, "
        "count(*) AS rows FROM rejects WHERE list_contains($streams, stream) AND "
        "reason LIKE 'duplicate key%' GROUP BY ALL UNION ALL "
        "SELECT stream, file, 'key loaded before from another file (replaced)', "
        "rows_updated FROM ingest_log WHERE list_contains($streams, stream) AND "
        "rows_updated > 0 AND status = 'loaded' ORDER BY stream, file",
        params,
    ).df()
    summary = _summary(store, streams, cov, gaps, out, files, duplicates)
    summary["note"] = [_time_of_day_note(store, s, timezone) for s in streams]
    normalised = _normalised(store, streams)
    return QualityReport(
        summary, files, cov, gaps, duplicates, out, rejects, normalised
    )


def _normalised(store: Store, streams: Sequence[str]) -> pd.DataFrame:
    """Spellings ingest rewrote, per stream; empty for a store made before it did."""
    columns = ["stream", "column", "original", "normalised", "rows"]
    exists = store.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'normalised'"
    ).fetchone()
    if not exists or not exists[0]:
        return pd.DataFrame(columns=columns)
    return store.con.execute(
        'SELECT stream, "column", original, normalised, '
        'CAST(sum("rows") AS BIGINT) AS "rows" '
        "FROM normalised WHERE list_contains($streams, stream) GROUP BY ALL "
        'ORDER BY stream, "column", normalised, original',
        {"streams": list(streams)},
    ).df()


def _summary(
    store: Store,
    streams: Sequence[str],
    coverage: pd.DataFrame,
    gaps: pd.DataFrame,
    outliers: pd.DataFrame,
    files: pd.DataFrame,
    duplicates: pd.DataFrame,
) -> pd.DataFrame:
    rows = []
    for s in streams:
        cov = coverage[coverage["stream"] == s]
        log = files[files["stream"] == s]
        grain = get_stream(s).grain
        freq = "day"
        if grain == "period":
            freq = "source period"
        elif is_month_only(store, s):
            freq = "month"
        elif grain == "date":
            freq = "year"
        rows.append(
            {
                "stream": s,
                "rows": store.count(s),
                "first": cov["ds"].min() if len(cov) else pd.NaT,
                "last": cov["ds"].max() if len(cov) else pd.NaT,
                "freq": freq,
                "periods": len(cov),
                "empty_periods": int((cov["rows"] == 0).sum()),
                "gaps": int((gaps["stream"] == s).sum()),
                "rows_read": int(log["rows_read"].sum()),
                "rows_rejected": int(log["rows_rejected"].sum()),
                "duplicates": int(
                    duplicates.loc[duplicates["stream"] == s, "rows"].sum()
                ),
                "outliers": int((outliers["stream"] == s).sum()),
            }
        )
    return pd.DataFrame(rows)
