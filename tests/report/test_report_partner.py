"""The planners' report shows partner demand: chart, tables, sheet, exports, view."""

from __future__ import annotations

import duckdb
import pandas as pd


def test_report_has_a_partner_demand_section(report_run) -> None:
    html = (report_run.folder / "report.html").read_text(encoding="utf-8")
    assert '<a href="#partner">Partner demand</a>' in html
    assert 'data-chart="hours-returned"' in html and 'data-chart="agencies"' in html
    assert "below pre-go-live practice" in html  # the summary sentence
    assert "S136 by police car" in html
    assert "not in this force&#39;s extract" in html
    assert "rcrp_phase2 would return" in html


def test_partner_demand_is_exported_beside_the_fms_tables(report_run) -> None:
    table = pd.read_csv(report_run.folder / "partner_demand.csv")
    assert {"measures", "hours_returned", "cumulative_hours_returned", "practice",
            "phase", "agency", "agency_forecast"} <= set(table["section"])  # fmt: skip
    returned = table[table["measure"] == "hours_returned"].dropna(subset=["value"])
    assert (returned["lo_80"] <= returned["value"]).all()
    assert (returned["value"] <= returned["hi_80"]).all()
    parquet = pd.read_parquet(report_run.exports / "partner_demand.parquet")
    assert len(parquet) == len(table)
    sheets = pd.read_excel(report_run.folder / "fms.xlsx", sheet_name=None)
    assert len(sheets["partner_demand"]) == len(table)
    readme = sheets["README"].astype(str)
    assert readme.apply(lambda c: c.str.contains("partner_demand")).any().any()
    with duckdb.connect(str(report_run.db), read_only=True) as con:
        rows = con.execute(
            "SELECT count(*) FROM partner_demand WHERE section = 'hours_returned'"
        ).fetchone()
    assert rows is not None and rows[0] == (table["section"] == "hours_returned").sum()
