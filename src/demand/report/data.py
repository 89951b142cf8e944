"""Read what a report shows from the store: one run's forecasts, capacity and checks."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from demand.capacity.sensitivity import SENSITIVITY_COLUMNS
from demand.series import FINANCIAL_YEAR_START_MONTH
from demand.series_ids import parse_unique_id
from demand.store import Store

__all__ = ["NOT_ASSESSED", "ReportData", "read_report_data", "split_unique_id"]

log = logging.getLogger(__name__)

_INTERVALS = ("lo_80", "hi_80", "lo_95", "hi_95")
_DAILY_HISTORY_DAYS = 91

# The configured model's rows first; a series whose fit fell back (to seasonal
# naive, or naive for a history shorter than a season) has only the fallback's.
_FORECASTS_SQL = (
    "SELECT f.unique_id, f.stream, f.ds, f.model, f.mean, f.lo_80, f.hi_80, "
    "f.lo_95, f.hi_95 FROM forecasts f LEFT JOIN model_choices c ON "
    "c.run_id = f.run_id AND c.unique_id = f.unique_id AND c.freq = f.freq "
    "AND c.measure = f.measure WHERE f.run_id = ? AND f.freq = ? AND "
    "f.measure = 'count' AND f.horizon = ? "
    "ORDER BY f.unique_id, f.ds, f.model = coalesce(c.model, f.model) DESC, f.model"
)

NOT_ASSESSED = "not assessed: this pipeline has no capacity stage"
"""What the report says where capacity, gaps and risk would be shown."""


AREA_SERVICE_COLUMNS = [
    "department",
    "financial_year",
    "area",
    "service_measure",
    "service_level",
    "service_standard",
]


@dataclass(frozen=True)
class ReportData:
    """Everything a report reads, as frames; nothing here is modelled again.

    Attributes:
        pipeline: The pipeline's name.
        forecast_run: Run id of the forecasts shown.
        capacity_run: Run id of the capacity and scenario rows shown; None when
            the pipeline has no capacity stage (capacity frames are then empty).
        history: Monthly counts: ``unique_id, stream, area, ds, y`` (area
            "force" for the force-wide series).
        forecasts: Monthly strategic forecasts of the chosen model, same keys
            plus ``model, mean, lo_80, hi_80, lo_95, hi_95``.
        hours_per_unit: ``unique_id, hours_per_unit`` from the last 12 months
            of recorded officer hours over counts (streams that record them).
        hour_of_week: ``stream, hour_of_week, y``: mean hourly demand over the
            last 8 weeks (0 = Monday 00:00 local), force-wide.
        capacity: The run's `capacity` rows.
        scenarios: The run's `scenarios` rows.
        model_choices: Chosen models per strategic series and why.
        model_scores: Backtest scores of the forecast run (may be empty).
        ingest: Per stream: files, rows read, loaded, rejected.
        rejects: Per stream and reason: rejected rows.
        cover: The run's `response_cover` rows (empty where the capacity stage
            had no hourly incident forecasts, or a store predates the table).
        daily_history: Daily counts of the last `_DAILY_HISTORY_DAYS` days,
            keyed as `history`.
        daily_forecasts: Daily operational forecasts, keyed as `forecasts`
            (what a history too short for a financial year still allows).
        financial_year_start_month: Month (1-12) financial years start in.
        sensitivity: The run's `sensitivity` rows (gap at each end of each
            assumption's range; empty where the store predates the table).
        area_service: The run's `area_service` rows: each area's modelled
            service by department and year (empty where the store predates
            the table).
    """

    pipeline: str
    forecast_run: str
    capacity_run: str | None
    history: pd.DataFrame
    forecasts: pd.DataFrame
    hours_per_unit: pd.DataFrame
    hour_of_week: pd.DataFrame
    capacity: pd.DataFrame
    scenarios: pd.DataFrame
    model_choices: pd.DataFrame
    model_scores: pd.DataFrame
    ingest: pd.DataFrame
    rejects: pd.DataFrame
    cover: pd.DataFrame
    daily_history: pd.DataFrame = field(default_factory=pd.DataFrame)
    daily_forecasts: pd.DataFrame = field(default_factory=pd.DataFrame)
    financial_year_start_month: int = FINANCIAL_YEAR_START_MONTH
    sensitivity: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    )
    area_service: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=AREA_SERVICE_COLUMNS)
    )

    @property
    def has_capacity(self) -> bool:
        """Whether a capacity run is reported (False: demand only)."""
        return self.capacity_run is not None


def _cover(store: Store, run_id: str | None) -> pd.DataFrame:
    exists = _one(
        store,
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
        ["response_cover"],
    )
    if exists == "0" or run_id is None:
        return pd.DataFrame(
            columns=["area", "hour_of_week", "officers_needed", "officers_rostered"]
        )
    return _frame(
        store,
        "SELECT * FROM response_cover WHERE run_id = ? ORDER BY area, hour_of_week",
        [run_id],
    )


def _sensitivity(store: Store, run_id: str | None) -> pd.DataFrame:
    """The run's `sensitivity` rows (empty for a store that predates the table)."""
    exists = _one(
        store,
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
        ["sensitivity"],
    )
    if exists == "0" or run_id is None:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    return _frame(
        store,
        "SELECT * EXCLUDE (run_id) FROM sensitivity WHERE run_id = ? "
        "ORDER BY department, financial_year, swing DESC",
        [run_id],
    )


def _area_service(store: Store, run_id: str | None) -> pd.DataFrame:
    """The run's `area_service` rows (empty for a store that predates the table)."""
    exists = _one(
        store,
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
        ["area_service"],
    )
    if exists == "0" or run_id is None:
        return pd.DataFrame(columns=AREA_SERVICE_COLUMNS)
    return _frame(
        store,
        "SELECT * EXCLUDE (run_id) FROM area_service WHERE run_id = ? "
        "ORDER BY department, financial_year, area",
        [run_id],
    )


def split_unique_id(unique_id: pd.Series) -> pd.Series:
    """Area of each series id: "calls" → "force", "calls/area=Eastmoor" →
    "Eastmoor"; any other level (e.g. "crimes/offence_group=Theft") → "other"."""
    levels = unique_id.map(lambda u: parse_unique_id(u)[1])
    area = levels.map(lambda lv: lv.get("area", "other") if len(lv) == 1 else "other")
    return area.where(levels.map(len).gt(0), "force")


def _one(store: Store, sql: str, params: list[object]) -> str | None:
    row = store.con.execute(sql, params).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def _frame(store: Store, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    return store.con.execute(sql, params or []).df()


def _forecasts(store: Store, run_id: str, freq: str, horizon: str) -> pd.DataFrame:
    """One model's forecasts per series (the configured one, else its fallback)."""
    frame = _frame(store, _FORECASTS_SQL, [run_id, freq, horizon])
    frame = frame.drop_duplicates(["unique_id", "ds"]).reset_index(drop=True)
    frame[list(_INTERVALS)] = frame[list(_INTERVALS)].astype(float)
    return frame


def _areas(frame: pd.DataFrame) -> pd.DataFrame:
    """Add `area`; leave out series of other levels (e.g. offence groups)."""
    frame = frame.assign(area=split_unique_id(frame["unique_id"]))
    return frame[frame["area"] != "other"].reset_index(drop=True)


def read_report_data(
    store: Store,
    pipeline: str,
    history_months: int = 36,
    financial_year_start_month: int = FINANCIAL_YEAR_START_MONTH,
    runs: tuple[str, str | None] | None = None,
) -> ReportData:
    """Read the latest forecasts, capacity and data checks of a pipeline.

    Capacity is optional: a pipeline without a capacity stage is read with
    `capacity_run` None and empty capacity, scenario and cover frames. Series
    of levels other than force and area (e.g. offence groups) are left out.

    Args:
        store: The store (read access is enough).
        pipeline: Pipeline name whose runs to report.
        history_months: Months of monthly history to read before the forecasts.
        financial_year_start_month: Month (1-12) financial years start in.
        runs: The forecast and capacity run ids to read instead of the latest
            (e.g. the previous run, to say what changed); capacity may be None.

    Returns:
        The `ReportData`.

    Raises:
        ValueError: the store holds no forecasts yet.
    """
    forecast_run, capacity_run = runs or (
        store.latest_run(pipeline, "forecast", "forecasts"),
        store.latest_run(pipeline, "capacity", "capacity"),
    )
    if forecast_run is None:
        raise ValueError(
            "The store holds no forecasts; run the forecast stage first "
            "(demand run PIPELINE.toml)."
        )
    if capacity_run is None:
        log.info("no capacity results: capacity and risk are %s", NOT_ASSESSED)
    forecasts = _forecasts(store, forecast_run, "M", "strategic")
    history = _frame(
        store,
        "SELECT unique_id, stream, ds, y FROM demand WHERE freq = 'M' AND "
        "measure = 'count' AND ds >= (SELECT max(ds) FROM demand WHERE freq = 'M')"
        " - to_months(CAST(? AS INTEGER)) ORDER BY unique_id, ds",
        [history_months - 1],
    )
    daily_forecasts = _forecasts(store, forecast_run, "D", "operational")
    daily_history = _frame(
        store,
        "SELECT unique_id, stream, ds, y FROM demand WHERE freq = 'D' AND "
        "measure = 'count' AND ds > (SELECT max(ds) FROM demand WHERE freq = 'D')"
        " - to_days(CAST(? AS INTEGER)) ORDER BY unique_id, ds",
        [_DAILY_HISTORY_DAYS],
    )
    hours = _frame(
        store,
        "WITH recent AS (SELECT * FROM demand WHERE freq = 'M' AND ds > "
        "(SELECT max(ds) FROM demand WHERE freq = 'M') - INTERVAL 12 MONTH) "
        "SELECT h.unique_id, sum(h.y) / nullif(sum(c.y), 0) AS hours_per_unit "
        "FROM recent h JOIN recent c ON c.unique_id = h.unique_id AND c.ds = h.ds "
        "AND c.measure = 'count' WHERE h.measure = 'officer_hours' GROUP BY ALL",
    )
    hour_of_week = _frame(
        store,
        "WITH h AS (SELECT stream, ds, y FROM demand WHERE freq = 'h' AND "
        "measure = 'count' AND unique_id = stream AND ds > (SELECT max(ds) FROM "
        "demand WHERE freq = 'h') - INTERVAL 8 WEEK) SELECT stream, "
        "(isodow(ds) - 1) * 24 + hour(ds) AS hour_of_week, avg(y) AS y FROM h "
        "GROUP BY ALL ORDER BY ALL",
    )
    forecasts, history, daily_forecasts, daily_history = (
        _areas(f) for f in (forecasts, history, daily_forecasts, daily_history)
    )
    return ReportData(
        pipeline=pipeline,
        forecast_run=forecast_run,
        capacity_run=capacity_run,
        history=history,
        forecasts=forecasts,
        hours_per_unit=hours,
        hour_of_week=hour_of_week,
        capacity=_frame(
            store,
            "SELECT * FROM capacity WHERE run_id = ? ORDER BY department, "
            "financial_year, basis",
            [capacity_run],
        ),
        scenarios=_frame(
            store,
            "SELECT * FROM scenarios WHERE run_id = ? ORDER BY scenario, "
            "department, financial_year, basis",
            [capacity_run],
        ),
        model_choices=_frame(
            store,
            "SELECT unique_id, stream, freq, model, chosen, reason, flags FROM "
            "model_choices WHERE run_id = ? ORDER BY stream, freq, unique_id",
            [forecast_run],
        ),
        model_scores=_frame(
            store,
            "SELECT unique_id, stream, freq, model, mase, smape, rmse, bias, cov80,"
            " cov95, sql, msis FROM model_scores WHERE run_id = "
            "(SELECT max(run_id) FROM model_scores) "
            "ORDER BY stream, freq, unique_id, model",
        ),
        ingest=_frame(
            store,
            "SELECT stream, count(*) AS files, sum(rows_read) AS rows_read, "
            "sum(rows_loaded) AS rows_loaded, sum(rows_rejected) AS rows_rejected "
            "FROM ingest_log WHERE status = 'loaded' GROUP BY stream ORDER BY stream",
        ),
        rejects=_frame(
            store,
            # One row per reason: a duplicate's reason names the line of its
            # first copy, which would give every duplicate its own row.
            "SELECT stream, regexp_replace(reason, ': first seen on line [0-9]+$', "
            "'') AS reason, count(*) AS rows FROM rejects GROUP BY ALL "
            "ORDER BY stream, rows DESC, reason",
        ),
        cover=_cover(store, capacity_run),
        daily_history=daily_history,
        daily_forecasts=daily_forecasts,
        financial_year_start_month=financial_year_start_month,
        sensitivity=_sensitivity(store, capacity_run),
        area_service=_area_service(store, capacity_run),
    )
