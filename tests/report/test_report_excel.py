"""Every number in the FMS workbook is the number in the store it came from."""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from demand.store import Store


def _assert_same(sheet: pd.DataFrame, table: pd.DataFrame, keys: list[str]) -> None:
    assert list(sheet.columns) == list(table.columns)
    assert len(sheet) == len(table)
    left = sheet.sort_values(keys).reset_index(drop=True)
    right = table.sort_values(keys).reset_index(drop=True)
    for column in table.columns:
        if pd.api.types.is_numeric_dtype(right[column]) and not (
            pd.api.types.is_bool_dtype(right[column])
        ):
            a = pd.to_numeric(left[column]).to_numpy(dtype=float)
            b = right[column].to_numpy(dtype=float)
            assert np.allclose(a, b, rtol=1e-12, atol=1e-9, equal_nan=True), column
        else:
            a = left[column].fillna("").astype(str).str.lower()
            b = right[column].fillna("").astype(str).str.lower()
            assert (a == b).all(), column


def test_workbook_numbers_match_the_duckdb_tables(report_run) -> None:
    book = report_run.folder / "fms.xlsx"
    sheets = pd.read_excel(book, sheet_name=None)
    with Store(report_run.db, read_only=True) as store:
        risks = store.con.execute(
            "SELECT * FROM fms_risks WHERE run_id = ?",
            [report_run.run_id],
        ).df()
        areas = store.con.execute(
            "SELECT * FROM fms_areas WHERE run_id = ?",
            [report_run.run_id],
        ).df()
        capacity_run = store.con.execute("SELECT max(run_id) FROM capacity").fetchone()
        capacity = store.con.execute(
            "SELECT * EXCLUDE (run_id) FROM capacity WHERE run_id = ?",
            [capacity_run[0]],
        ).df()
    assert set(risks["pipeline"]) == {"rep"}  # the sheets name the run
    assert set(sheets["fms_areas"]["run_id"]) == {report_run.run_id}
    _assert_same(sheets["fms_risks"], risks, ["stream", "area"])
    _assert_same(sheets["fms_areas"], areas, ["stream", "area", "financial_year"])
    _assert_same(
        sheets["capacity"], capacity, ["department", "financial_year", "basis"]
    )


def test_workbook_stores_numbers_as_numbers_and_explains_columns(report_run) -> None:
    book = load_workbook(report_run.folder / "fms.xlsx")
    assert book.sheetnames[0] == "README"
    sheet = book["fms_areas"]
    header = [c.value for c in sheet[1]]
    demand = header.index("demand") + 1
    values = [sheet.cell(row=r, column=demand) for r in range(2, sheet.max_row + 1)]
    assert values and all(c.data_type == "n" for c in values)
    readme = [[c.value for c in row] for row in book["README"].iter_rows()]
    assert any(report_run.run_id in str(row) for row in readme)
    explained = {(r[0], r[1]) for r in readme if len(r) > 2 and r[2]}
    assert ("fms_areas", "poisson_z") in explained


def test_exports_write_parquet_for_bi_tools(report_run) -> None:
    for name in ("series", "forecasts", "capacity", "fms_areas", "fms_risks"):
        frame = pd.read_parquet(report_run.exports / f"{name}.parquet")
        assert len(frame) > 0, name
