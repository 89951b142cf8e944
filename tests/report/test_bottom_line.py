"""The report opens with its bottom line, in one reference year; the workbook
has a sheet per FMS step; the appendix shows values beside their sources."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from demand.capacity.assumptions import load_assumptions
from demand.report.bottom_line import _listed, reference_year
from demand.report.build import build_fms
from demand.report.data import read_report_data
from demand.report.sections import assumption_rows
from demand.report.summary import summary_sentences
from demand.store import Store

ROOT = Path(__file__).resolve().parents[2]
ASSUMPTIONS = ROOT / "pipelines" / "assumptions" / "northshire.toml"
YEAR = re.compile(r"\b20\d\d/\d\d\b")


@pytest.fixture(scope="module")
def summary(report_run):
    assumptions = load_assumptions(str(ASSUMPTIONS))
    with Store(report_run.db, read_only=True) as store:
        data = read_report_data(store, "rep")
    fms = build_fms(data, assumptions)
    sentences = summary_sentences(
        fms.areas, fms.risks, data.capacity, data.scenarios, assumptions, data.cover
    )
    return sentences, fms, data


def test_summary_opens_with_three_sentences_of_bottom_line(summary):
    sentences, fms, data = summary
    assert next(iter(sentences)) == "Bottom line"
    need, short, sure = sentences["Bottom line"]
    year = reference_year(fms.areas)
    assert need.startswith(f"In {year}, the year every figure in this summary")
    binding = (
        data.capacity[data.capacity["financial_year"] == year]
        .sort_values("fte_mean", ascending=False)
        .drop_duplicates("department")
    )
    assert f"needs {binding['fte_mean'].sum():,.0f} FTE" in need
    gaps = binding.assign(gap=binding["fte_mean"] - binding["establishment_fte"])
    worst = gaps.sort_values("gap", ascending=False).iloc[0]
    if worst["gap"] > 0.5:
        name = worst["department"].replace("_", " ")
        assert name in short and "FTE" in short
        assert name in sure
    assert sure.startswith("How sure:") and "80% range" in sure


def test_every_year_the_summary_names_is_the_reference_year(summary):
    sentences, fms, _ = summary
    year = reference_year(fms.areas)
    named = {y for lines in sentences.values() for s in lines for y in YEAR.findall(s)}
    assert named == {year}


def test_report_first_screen_holds_the_bottom_line(report_run):
    html = (report_run.folder / "report.html").read_text("utf-8")
    bottom = html.index("data-bottom-line")
    assert bottom < html.index("<h3>Demand</h3>") < html.index('id="demand"')


def test_workbook_has_a_sheet_per_fms_step_with_years_as_columns(report_run):
    book = load_workbook(report_run.folder / "fms.xlsx", read_only=True)
    steps = ["Step 1 Demand", "Step 2 Capacity", "Step 3 Gap", "Step 4 Risk"]
    assert book.sheetnames[1:5] == steps
    demand = pd.read_excel(report_run.folder / "fms.xlsx", sheet_name=steps[0])
    years = [c for c in demand.columns if YEAR.match(str(c))]
    assert len(years) == 5 and years[0].endswith("recorded")
    assert all(y.endswith("forecast") for y in years[1:])
    areas = pd.read_csv(report_run.folder / "fms_areas.csv")
    row = areas[
        (areas["stream"] == "incidents")
        & (areas["area"] == "force")
        & (areas["kind"] == "forecast")
    ].iloc[0]
    shown = demand[
        (demand["Stream"] == "incidents")
        & (demand["Area"] == "force")
        & (demand["Figure"] == "Demand (count a year)")
    ]
    # Pasteable: counts whole, as the statement gives them.
    assert shown[f"{row['financial_year']} forecast"].iloc[0] == pytest.approx(
        row["demand"], abs=0.5
    )
    gap = pd.read_excel(report_run.folder / "fms.xlsx", sheet_name="Step 3 Gap")
    assert {"Department", "Figure"} <= set(gap.columns)
    assert "Gap (FTE, + short, − spare)" in set(gap["Figure"])


def test_machine_sheets_keep_their_names_and_columns(report_run):
    book = load_workbook(report_run.folder / "fms.xlsx", read_only=True)
    for name in ("fms_areas", "fms_risks", "capacity", "scenarios"):
        assert name in book.sheetnames
        header = [c.value for c in next(book[name].iter_rows(max_row=1))]
        csv = pd.read_csv(report_run.folder / f"{name}.csv", nrows=0)
        assert header == list(csv.columns)


def test_assumptions_appendix_shows_each_value_beside_its_source():
    assumptions = load_assumptions(str(ASSUMPTIONS))
    rows = assumption_rows(assumptions)
    assert list(rows.columns) == ["assumption", "value", "source"]
    assert rows["value"].str.contains("=").all()
    hours = assumptions.workforce.contracted_hours_per_fte_per_year
    workforce = rows.set_index("assumption").loc["workforce", "value"]
    assert f"contracted_hours_per_fte_per_year = {hours:,.0f}" in workforce
    assert rows["source"].str.len().gt(0).all()


@pytest.mark.parametrize(
    ("departments", "said"),
    [
        ([("response", 1.0)], "response (probability 100% that demand exceeds it)"),
        (
            [
                ("response", 1.0),
                ("investigation", 1.0),
                ("the neighbourhood team", 1.0),
            ],
            "response, investigation and the neighbourhood team "
            "(each: probability 100% that demand exceeds it)",
        ),
        (
            [("response", 0.97), ("investigation", float("nan"))],
            "response (probability 97% that demand exceeds it) and investigation",
        ),
    ],
)
def test_how_sure_says_a_shared_probability_once(departments, said):
    assert _listed(departments) == said
