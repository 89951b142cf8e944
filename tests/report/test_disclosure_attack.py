"""An attacker with everything published cannot give a suppressed count back."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demand.config import ReportConfig
from demand.context import PipelineContext
from demand.report import build_report
from demand.store import Store

ROOT = Path(__file__).resolve().parents[2]
KEY = ["stream", "area", "financial_year"]


@pytest.fixture(scope="module")
def published(report_run, tmp_path_factory) -> dict[str, object]:
    """The report run again on a copy of the store, with a threshold that hides
    an area's current year whose forecasts are shown (the case that leaked)."""
    base = tmp_path_factory.mktemp("attack")
    shutil.copy(report_run.db, base / "s.duckdb")
    with Store(base / "s.duckdb", read_only=True) as store:
        truth = store.con.execute(
            "SELECT * FROM fms_areas WHERE run_id = ?", [report_run.run_id]
        ).df()
    threshold = _leaky_threshold(truth[truth["area"] != "force"])
    section = ReportConfig(
        out_dir=str(base / "reports"),
        exports_dir=str(base / "exports"),
        assumptions=str(ROOT / "pipelines" / "assumptions" / "northshire.toml"),
        publish=True,
        disclosure_threshold=threshold,
    )
    with Store(base / "s.duckdb") as store:
        result = build_report(store, section, PipelineContext("rep", report_run.run_id))
    folder = result.folder / "published"
    sources = {
        "csv": (
            pd.read_csv(folder / "fms_areas.csv"),
            pd.read_csv(folder / "fms_risks.csv"),
        ),
        "xlsx": (
            pd.read_excel(folder / "fms.xlsx", sheet_name="fms_areas"),
            pd.read_excel(folder / "fms.xlsx", sheet_name="fms_risks"),
        ),
    }
    return {"truth": truth, "threshold": threshold, "sources": sources}


def _leaky_threshold(areas: pd.DataFrame) -> int:
    """A threshold that hides one area's current year in a stream and no forecast
    of that stream: the forecasts, with their change against the hidden count,
    stay published (as in the leak this guards against)."""
    current = areas[areas["kind"] == "actual"].sort_values("demand")
    for _, row in current.iterrows():
        threshold = int(row["demand"]) + 1
        stream = areas[areas["stream"] == row["stream"]]
        small = stream["demand"] < threshold
        if small.sum() == 1:
            return threshold
    raise AssertionError("no area's current year can be hidden on its own")


def _shown(value: object) -> bool:
    return value is not None and not pd.isna(value)


def _from_change(demand: float, change: float) -> float:
    return demand / (1.0 + change) if change != -1.0 else np.nan


def _attacks(areas: pd.DataFrame, risks: pd.DataFrame, row: pd.Series) -> list[float]:
    """Every value simple arithmetic on the published tables gives for the
    count of `row` (a suppressed cell)."""
    out = []
    same = areas[(areas["stream"] == row["stream"]) & (areas["area"] == row["area"])]
    if _shown(row["workload_hours"]) and _shown(row["hours_per_unit"]):
        out.append(row["workload_hours"] / row["hours_per_unit"])
    if row["kind"] == "actual":  # the current year, from each later year
        for _, later in same[same["kind"] == "forecast"].iterrows():
            out.append(later["demand"])  # a naive forecast is the count itself
            pairs = [
                ("demand", "change_fraction"),
                ("demand_lo_80", "change_lo_80"),
                ("demand_hi_80", "change_hi_80"),
            ]
            for count, change in pairs:
                if _shown(later[count]) and _shown(later[change]):
                    out.append(_from_change(later[count], later[change]))
            if _shown(later["demand"]) and _shown(later["poisson_z"]):
                out.append((np.sqrt(later["demand"]) - later["poisson_z"] / 2) ** 2)
        for _, risk in risks[
            (risks["stream"] == row["stream"]) & (risks["area"] == row["area"])
        ].iterrows():
            if _shown(risk["demand"]) and _shown(risk["change_fraction"]):
                out.append(_from_change(risk["demand"], risk["change_fraction"]))
            if _shown(risk["demand"]) and _shown(risk["poisson_z"]):
                out.append((np.sqrt(risk["demand"]) - risk["poisson_z"] / 2) ** 2)
            out.append(risk["current_demand"])
    else:  # a forecast year, from the current year
        base = same[same["kind"] == "actual"]["demand"]
        if len(base) and _shown(base.iloc[0]):
            past = base.iloc[0]
            if _shown(row["change_fraction"]):
                out.append(past * (1.0 + row["change_fraction"]))
            if _shown(row["poisson_z"]):
                out.append((np.sqrt(past) + row["poisson_z"] / 2) ** 2)
        for _, risk in risks[
            (risks["stream"] == row["stream"])
            & (risks["area"] == row["area"])
            & (risks["worst_year"] == row["financial_year"])
        ].iterrows():
            out.append(risk["demand"])
    out += _from_totals(areas, row)
    return [float(v) for v in out if _shown(v)]


def _from_totals(areas: pd.DataFrame, row: pd.Series) -> list[float]:
    """The count from the force total less the areas shown (one blank in the
    group), or from two totals at once, demand and workload (two blanks)."""
    group = areas[
        (areas["stream"] == row["stream"])
        & (areas["financial_year"] == row["financial_year"])
    ]
    force = group[group["area"] == "force"]
    parts = group[group["area"] != "force"]
    if not len(force) or not _shown(force["demand"].iloc[0]):
        return []
    blank = parts[parts["demand"].isna()]
    rest = force["demand"].iloc[0] - parts["demand"].sum()
    if len(blank) == 1:
        return [rest]
    unknown_work = parts[parts["workload_hours"].isna()]
    known_rates = blank["hours_per_unit"].notna().all()
    work = force["workload_hours"].iloc[0]
    if len(blank) == 2 and known_rates and _shown(work):
        if len(unknown_work) != len(blank):  # other workloads blank too: no help
            return []
        rest_work = work - parts["workload_hours"].sum()
        rates = blank["hours_per_unit"].to_numpy()
        system = np.array([[1.0, 1.0], rates])
        if abs(np.linalg.det(system)) < 1e-12:
            return []
        solved = np.linalg.solve(system, [rest, rest_work])
        mine = list(blank.index).index(row.name)
        return [float(solved[mine])]
    return []


def test_no_suppressed_count_can_be_recovered(published) -> None:
    truth = published["truth"].set_index(KEY)["demand"]
    threshold = published["threshold"]
    leaks = []
    hidden_current_with_forecasts = 0
    for name, (areas, risks) in published["sources"].items():
        hidden = areas[areas["suppressed"].astype(bool)]
        assert len(hidden) and hidden["demand"].isna().all()
        assert not areas["demand"].between(1, threshold - 1e-9).any()
        for index, row in hidden.iterrows():
            true = truth[tuple(row[KEY])]
            for guess in _attacks(areas, risks, areas.loc[index]):
                if abs(guess - true) < 0.5:
                    leaks.append((name, *row[KEY], true, guess))
            later = areas[
                (areas["stream"] == row["stream"])
                & (areas["area"] == row["area"])
                & (areas["kind"] == "forecast")
            ]
            if row["kind"] == "actual" and later["demand"].notna().any():
                hidden_current_with_forecasts += 1
    assert hidden_current_with_forecasts > 0  # the case that leaked is here
    assert not leaks, leaks[:10]


def test_totals_leave_each_suppressed_count_a_wide_range(published) -> None:
    threshold = published["threshold"]
    areas, _ = published["sources"]["csv"]
    checked = 0
    for _, group in areas.groupby(["stream", "financial_year"]):
        force = group[group["area"] == "force"]["demand"]
        parts = group[group["area"] != "force"]["demand"]
        blank = parts.isna().sum()
        if not blank or force.isna().all():
            continue
        rest = force.iloc[0] - parts.sum()
        # Each blank count is at least 1, so one lies in [1, rest - (blank - 1)].
        assert blank >= 2 and (rest - (blank - 1)) - 1 >= threshold
        checked += 1
    assert checked
