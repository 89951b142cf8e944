"""Summary sentences come from the numbers: change the data, the sentences change."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from demand.capacity.assumptions import load_assumptions
from demand.report import build_fms
from demand.report.data import read_report_data
from demand.report.summary import _over_years, summary_sentences
from demand.store import Store

ROOT = Path(__file__).resolve().parents[2]
ASSUMPTIONS = ROOT / "pipelines" / "assumptions" / "northshire.toml"


def _summary(data, assumptions) -> dict[str, list[str]]:
    fms = build_fms(data, assumptions)
    return summary_sentences(
        fms.areas, fms.risks, data.capacity, data.scenarios, assumptions, data.cover
    )


def test_sentences_follow_the_forecasts_and_the_capacity(report_run) -> None:
    assumptions = load_assumptions(ASSUMPTIONS)
    with Store(report_run.db, read_only=True) as store:
        data = read_report_data(store, "rep")
    before = _summary(data, assumptions)
    calls = next(s for s in before["Demand"] if s.startswith("999 and 101 calls"))
    assert "forecast to" in calls and "80% range" in calls

    columns = ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]
    more = data.forecasts.copy()
    more[columns] = more[columns] * 1.5  # half as much demand again
    fewer = data.capacity.assign(establishment_fte=1.0)
    after = _summary(
        dataclasses.replace(data, forecasts=more, capacity=fewer), assumptions
    )
    calls_after = next(s for s in after["Demand"] if s.startswith("999 and 101 calls"))
    assert calls_after != calls and "rise" in calls_after
    assert "more than chance" in calls_after
    assert any("more people than the 1 FTE" in s for s in after["People"])
    assert before["People"] != after["People"]


def test_forecasts_are_read_when_auto_chose_another_model(report_run, tmp_path) -> None:
    # `auto` (or a fallback) records the model it chose in model_choices.chosen,
    # while the forecasts keep the configured alias: the report must follow the
    # configured alias, or it finds no forecasts at all.
    db = tmp_path / "copy.duckdb"
    db.write_bytes(report_run.db.read_bytes())
    with Store(db) as store:
        store.con.execute("UPDATE model_choices SET chosen = 'some_other_model'")
    with Store(db, read_only=True) as store:
        data = read_report_data(store, "rep")
    assert len(data.forecasts) > 0
    assert data.forecasts["unique_id"].str.startswith("calls").any()


def test_the_risk_sentence_counts_the_years_it_looked_over(report_run) -> None:
    assumptions = load_assumptions(ASSUMPTIONS)
    with Store(report_run.db, read_only=True) as store:
        data = read_report_data(store, "rep")
    fms = build_fms(data, assumptions)
    force = fms.areas[
        (fms.areas["area"] == "force") & (fms.areas["kind"] == "forecast")
    ]
    years = force["financial_year"].nunique()

    (risk,) = _summary(data, assumptions)["Risk"]

    assert f"The highest FMS risk over the {years} forecast years is" in risk
    assert _over_years(1) == "in the one forecast year"
