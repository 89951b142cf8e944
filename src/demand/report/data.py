"""Read what a report shows from the store: one run's forecasts, capacity and checks."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from demand.capacity.sensitivity import SENSITIVITY_COLUMNS
from demand.local_names import LocalNames
from demand.series import FINANCIAL_YEAR_START_MONTH
from demand.series_ids import parse_unique_id
from demand.store import Store
from demand.store import report_reads as reads
from demand.tables import table_columns

__all__ = ["NOT_ASSESSED", "ReportData", "read_report_data", "split_unique_id"]

log = logging.getLogger(__name__)

_INTERVALS = ("lo_80", "hi_80", "lo_95", "hi_95")
_DAILY_HISTORY_DAYS = 91

_CHOICE_COLUMNS = ("unique_id", "stream", "freq", "model", "chosen", "reason", "flags")
_SCORE_COLUMNS = (
    "unique_id", "stream", "freq", "model",
    "mase", "smape", "rmse", "bias", "cov80", "cov95", "sql", "msis",
)  # fmt: skip

NOT_ASSESSED = "not assessed: this pipeline has no capacity stage"
"""What the report says where capacity, gaps and risk would be shown."""


AREA_SERVICE_COLUMNS = table_columns("area_service")[1:]
"""Columns of the `area_service` rows a report reads (without `run_id`)."""


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
        names: The force's names of call lines and grades (`LocalNames`).
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
    names: LocalNames = field(default_factory=LocalNames)
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


def _run_rows(
    store: Store,
    table: str,
    run_id: str | None,
    order: tuple[str, ...],
    drop_run_id: bool = True,
) -> pd.DataFrame:
    """The run's rows of a table an older store may predate: empty, with the
    table's columns, where there is no run or no table."""
    if run_id is None or not reads.has_table(store, table):
        columns = table_columns(table)
        return pd.DataFrame(columns=columns[1:] if drop_run_id else columns)
    return reads.read_run_table(store, table, run_id, order, drop_run_id=drop_run_id)


def split_unique_id(unique_id: pd.Series) -> pd.Series:
    """Area of each series id: "calls" → "force", "calls/area=Eastmoor" →
    "Eastmoor"; any other level (e.g. "crimes/offence_group=Theft") → "other"."""
    levels = unique_id.map(lambda u: parse_unique_id(u)[1])
    area = levels.map(lambda lv: lv.get("area", "other") if len(lv) == 1 else "other")
    return area.where(levels.map(len).gt(0), "force")


def _forecasts(store: Store, run_id: str, freq: str, term: str) -> pd.DataFrame:
    """One model's forecasts per series (the configured one, else its fallback).

    `term` is "operational" or "strategic", as `forecasts.horizon` stores it.
    """
    frame = reads.read_chosen_forecasts(store, run_id, freq, term)
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
    names: LocalNames | None = None,
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
        names: The force's names of call lines and grades, in which the
            service measures are read (the store keeps the canonical ones).

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
    history = reads.read_recent_counts(store, "M", history_months)
    daily_forecasts = _forecasts(store, forecast_run, "D", "operational")
    daily_history = reads.read_recent_counts(store, "D", _DAILY_HISTORY_DAYS)
    forecasts, history, daily_forecasts, daily_history = (
        _areas(f) for f in (forecasts, history, daily_forecasts, daily_history)
    )
    frames = {
        "history": history,
        "forecasts": forecasts,
        "daily_history": daily_history,
        "daily_forecasts": daily_forecasts,
        "hours_per_unit": reads.read_hours_per_unit(store),
        "hour_of_week": reads.read_hour_of_week(store),
        **_run_frames(store, forecast_run, capacity_run),
        **reads.read_data_checks(store),
    }
    names = names or LocalNames()
    for table in ("capacity", "area_service"):
        frames[table] = names.relabel_column(frames[table], "service_measure")
    return ReportData(
        pipeline=pipeline,
        forecast_run=forecast_run,
        capacity_run=capacity_run,
        financial_year_start_month=financial_year_start_month,
        names=names,
        **frames,  # type: ignore[arg-type]
    )


def _run_frames(
    store: Store, forecast_run: str, capacity_run: str | None
) -> dict[str, pd.DataFrame]:
    """The rows the forecast and capacity runs wrote, by `ReportData` field."""
    capacity_order = ("department", "financial_year", "basis")
    return {
        "capacity": reads.read_run_table(
            store, "capacity", capacity_run, capacity_order
        ),
        "scenarios": reads.read_run_table(
            store, "scenarios", capacity_run, ("scenario", *capacity_order)
        ),
        "model_choices": reads.read_run_table(
            store, "model_choices", forecast_run, ("stream", "freq", "unique_id"),
            columns=_CHOICE_COLUMNS,
        ),
        # The scores of the forecasts shown: a store that several pipelines
        # share holds others' scores too.
        "model_scores": reads.read_run_table(
            store, "model_scores", forecast_run,
            ("stream", "freq", "unique_id", "model"), columns=_SCORE_COLUMNS,
        ),
        "cover": _run_rows(
            store, "response_cover", capacity_run, ("area", "hour_of_week"),
            drop_run_id=False,
        ),
        "sensitivity": _run_rows(
            store, "sensitivity", capacity_run,
            ("department", "financial_year", "swing DESC"),
        ),
        "area_service": _run_rows(
            store, "area_service", capacity_run,
            ("department", "financial_year", "area"),
        ),
    }  # fmt: skip
