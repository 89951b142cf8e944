"""Formula text in the data reaches every CSV, workbook and Parquet file inert."""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from demand.cli import cli
from demand.config import load_pipeline
from demand.pipeline import run_pipeline
from demand.report.excel import write_workbook
from demand.report.exports import write_csvs
from demand.synth import generate_force

ROOT = Path(__file__).resolve().parents[2]

# OWASP's CSV-injection payloads, one per first character it lists.
PAYLOADS = (
    "=1+2",
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "-2+3",
    "\t=1+2",
    "\r=1+2",
)

# The synthetic force's areas, renamed in its extracts as a force's system
# might export them. Area text holding '/' cannot reach the report until series
# ids encode it (issue 13 finding 4), so these leave it out; the writers are
# tested with every payload above.
AREA_NAMES = {
    "Northtown": "=1+2",
    "Southbridge": '=HYPERLINK("x","y")',
    "Eastmoor": "+cmd|' -C calc'!A0",
    "Westdale": "@SUM(A1)",
}


def _csv_field(text: str) -> bytes:
    return ('"' + text.replace('"', '""') + '"').encode("ascii")


PIPELINE = """
[pipeline]
name = "inject"
stages = ["ingest", "series", "forecast", "report"]

[ingest]
paths = ["{raw}"]

[series]
freqs = ["M"]
levels = [[], ["area"]]

[forecast]
models = ["seasonal_naive"]
operational_days = 0
backtest = false
n_jobs = 1

[report]
assumptions = "{root}/pipelines/assumptions/northshire.toml"
out_dir = "{out}/reports"
exports_dir = "{out}/processed"
publish = true
disclosure_threshold = 10
"""


def _is_formula(text: str) -> bool:
    """True for text a spreadsheet would run: starts with = + - @ tab or CR and
    is not a number."""
    if not text.startswith(("=", "+", "-", "@", "\t", "\r")):
        return False
    try:
        float(text)
    except ValueError:
        return True
    return False


def _assert_workbook_inert(path: Path) -> list[str]:
    """No formula cell and no formula-like text; returns every text cell."""
    texts = []
    for sheet in load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (path, sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not _is_formula(cell.value), (path, cell.coordinate)
                    texts.append(cell.value)
    return texts


def _assert_csv_inert(text: str, where: object) -> list[str]:
    """No field a spreadsheet would run, and each one made safe is quoted (so no
    other delimiter splits it); returns the fields."""
    fields = [f for row in csv.reader(io.StringIO(text, newline="")) for f in row]
    for field in fields:
        assert not _is_formula(field), (where, field)
        if field.startswith("'") and _is_formula(field[1:]):
            assert '"' + field.replace('"', '""') + '"' in text, (where, field)
    return fields


def test_writers_make_every_formula_payload_inert(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "area": list(PAYLOADS),
            "demand": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "note": ["a;=1+2"] * len(PAYLOADS),
        }
    )
    book = write_workbook(
        tmp_path / "t.xlsx",
        {"t": frame},
        {"t": {"area": "=1+2"}},
        {"pipeline": "@SUM(A1)"},
    )
    texts = _assert_workbook_inert(book)
    # XML reads a stored carriage return back as a line feed.
    assert {("'" + p).replace("\r", "\n") for p in PAYLOADS} <= set(texts)
    sheet = load_workbook(book)["t"]
    assert sheet["B2"].value == -1.5 and sheet["B2"].data_type == "n"
    (path,) = write_csvs(tmp_path, {"t": frame})
    text = path.read_bytes().decode("utf-8")
    fields = _assert_csv_inert(text, path)
    assert {"'" + p for p in PAYLOADS} <= set(fields)
    back = pd.read_csv(path)
    assert back["demand"].iloc[0] == -1.5  # a negative number stays a number
    assert back["area"].tolist() == ["'" + p for p in PAYLOADS]


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """Two synthetic years whose areas are formulas, through every stage."""
    base = tmp_path_factory.mktemp("inject")
    generate_force(base / "raw", years=2, end=date(2025, 3, 31), seed=5)
    for path in (base / "raw").rglob("*.csv"):
        content = path.read_bytes()
        for old, new in AREA_NAMES.items():  # the area is a field of its own
            field = rb"(?<=,)" + old.encode() + rb"(?=,|\r|\n|$)"
            content = re.sub(field, _csv_field(new), content)
        path.write_bytes(content)
    pipeline = base / "pipeline.toml"
    pipeline.write_text(
        PIPELINE.format(raw=base / "raw", root=ROOT, out=base), encoding="utf-8"
    )
    db = base / "s.duckdb"
    result = run_pipeline(load_pipeline(pipeline), db, log_dir=base)
    assert result.status == "ok", result.error
    return base, pipeline, result.run_id


def test_formula_areas_reach_every_export_as_inert_text(injected) -> None:
    base, _, run_id = injected
    folder = base / "reports" / "inject" / run_id
    wanted = {"'" + name for name in AREA_NAMES.values()}
    books = [folder / "fms.xlsx", folder / "published" / "fms.xlsx"]
    for book in books:
        assert wanted <= set(_assert_workbook_inert(book)), book
    csvs = sorted(folder.rglob("*.csv"))
    assert {p.name for p in csvs} >= {"fms_areas.csv", "fms_risks.csv"}
    assert folder / "published" / "fms_areas.csv" in csvs
    for path in csvs:
        fields = _assert_csv_inert(path.read_bytes().decode("utf-8"), path)
        if path.name.startswith("fms_"):
            assert wanted <= set(fields), path
    parquet = sorted((base / "processed").glob("*.parquet"))
    assert {p.stem for p in parquet} >= {"series", "fms_areas", "fms_risks"}
    for path in parquet:
        frame = pd.read_parquet(path)
        for column in frame.columns:
            if frame[column].dtype.kind in "OSUT" or pd.api.types.is_string_dtype(
                frame[column]
            ):
                text = frame[column].dropna().astype(str)
                assert not text.map(_is_formula).any(), (path, column)
        if "area" in frame.columns:
            assert wanted <= set(frame["area"].dropna()), path


def test_fms_csv_on_stdout_is_inert(injected, tmp_path: Path) -> None:
    base, pipeline, _ = injected
    shutil.copy(base / "s.duckdb", tmp_path / "s.duckdb")
    result = CliRunner().invoke(
        cli,
        ["fms", "--pipeline", str(pipeline), "--db", str(tmp_path / "s.duckdb")]
        + ["--csv"],
    )
    assert result.exit_code == 0, result.output
    fields = _assert_csv_inert(result.stdout, "demand fms --csv")
    assert {"'" + name for name in AREA_NAMES.values()} <= set(fields)


def test_backtest_scores_file_is_inert(tmp_path: Path) -> None:
    ds = pd.date_range("2018-01-01", "2019-06-30", freq="D")
    y = 100 + 10 * (ds.day_of_week == 5)
    series = pd.concat(
        [pd.DataFrame({"unique_id": uid, "ds": ds, "y": y}) for uid in PAYLOADS[:4]]
    )
    series.to_csv(tmp_path / "s.csv", index=False)
    out = tmp_path / "scores.csv"
    args = ["--input", str(tmp_path / "s.csv"), "--freq", "D", "--out", str(out)]
    result = CliRunner().invoke(cli, ["backtest", *args, "--model", "seasonal_naive"])
    assert result.exit_code == 0, result.output
    fields = _assert_csv_inert(out.read_bytes().decode("utf-8"), out)
    assert {"'" + p for p in PAYLOADS[:4]} <= set(fields)
