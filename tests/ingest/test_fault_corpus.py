"""The fault corpus: every stream through many kinds of bad input, via `demand ingest`.

Each case writes one small file (built here, in code), runs `demand ingest` on a fresh
store through click's CliRunner and checks the contract: rows read = loaded +
rejected (in the ingest log and in the tables), the exit code, a one-sentence error
without a traceback, and that nothing non-finite or outside the plausible date window
is stored. `synth.faults` plants a few of these kinds in the synthetic force; this
corpus covers them all, one at a time, for every stream.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from demand.cli import cli
from demand.schemas import STREAMS
from demand.series_ids import parse_unique_id

ADAPTERS = Path(__file__).resolve().parents[2] / "src" / "demand" / "adapters"
FORMULAS = ("=1+2", '=HYPERLINK("x")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3")

_ESTABLISHMENT_MAP = """\
stream = "establishment"
glob = "*.csv"
[columns]
department = "Department"
role = "Role"
as_at = "As At"
fte = "FTE"
cost_per_fte = "Cost per FTE (£)"
[values.department]
"Force Control Room" = "control_room"
"Response" = "response"
"""


@dataclass(frozen=True)
class Stream:
    """How one stream's Northshire extract looks, and where its faults go.

    Args:
        name: The stream.
        headers: Source headers, in file order.
        row: Clean row number i (1-based) as texts.
        time: Index of the time column; `dates` are its bad values by kind.
        text: Index of a free-text column (formula text goes there).
        area: Index of the area column, or None.
        number: Index of a non-negative number column, or None.
        code: (index, unknown code) of a mapped or closed-set column.
        end: (index, text) making an end time earlier than the start, or None.
    """

    name: str
    headers: tuple[str, ...]
    row: Callable[[int], list[str]]
    time: int
    text: int
    area: int | None
    number: int | None
    code: tuple[int, str]
    end: tuple[int, str] | None
    dates: dict[str, str] = field(default_factory=dict)
    parquet_time: datetime | None = None


_DMY = {
    "future": "01/01/2099 00:00",
    "ancient": "01/01/1901 00:00",
    "month_first": "1/13/16 0:00",
    "two_digit_year": "1/3/16 0:00",
    "unparseable": "N/K",
}
_ISO = {
    "future": "2099-01-01 00:00:00",
    "ancient": "1901-01-01 00:00:00",
    "month_first": "1/13/16 0:00",
    "two_digit_year": "1/3/16 0:00",
    "unparseable": "not known",
}

STREAM_SPECS = (
    Stream(
        "calls",
        ("Call Ref", "Line", "Received", "Answered", "Wait (s)", "Talk Time (s)")
        + ("Abandoned", "LPA"),
        lambda i: (
            [f"C{i}", "999", f"01/03/2024 10:0{i}:00", f"01/03/2024 10:0{i}:30"]
            + ["30", "240", "N", "Northtown"]
        ),
        time=2,
        text=7,
        area=7,
        number=5,
        code=(1, "998"),
        end=(3, "01/03/2024 09:00:00"),
        dates=_DMY,
    ),
    Stream(
        "incidents",
        ("Incident Number", "Created", "Grade", "Opening Category", "LPA")
        + ("Dispatched", "Arrived", "Cleared", "Officer Hours", "Qualifiers"),
        lambda i: (
            [f"I{i}", f"01/03/2024 10:0{i}", "2", "ASB", "Northtown"]
            + ["01/03/2024 10:10", "01/03/2024 10:30", "01/03/2024 11:00", "1.5", ""]
        ),
        time=1,
        text=3,
        area=4,
        number=8,
        code=(2, "9"),
        end=(7, "01/03/2024 09:00"),
        dates=_DMY,
    ),
    Stream(
        "mental_health",
        ("Incident Number", "Created", "LPA", "RCRP Category", "Police Attended")
        + ("S136", "Officer Hours"),
        lambda i: (
            [f"M{i}", f"01/03/2024 10:0{i}", "Northtown", "Concern for welfare"]
            + ["Yes", "No", "2.0"]
        ),
        time=1,
        text=3,
        area=2,
        number=6,
        code=(4, "Maybe"),
        end=None,
        dates=_DMY,
    ),
    Stream(
        "missing_persons",
        ("Report ID", "Reported", "Risk", "Age Band", "LPA", "Closed", "Repeat")
        + ("Officer Hours",),
        lambda i: (
            [f"P{i}", f"2024-03-01 10:0{i}:00", "High", "18-24", "Northtown"]
            + ["2024-03-02 10:00:00", "FALSE", "5.0"]
        ),
        time=1,
        text=3,
        area=4,
        number=7,
        code=(2, "Extreme"),
        end=(5, "2024-02-01 10:00:00"),
        dates=_ISO,
    ),
    Stream(
        "crimes",
        ("Crime Ref", "Recorded", "Offence Group", "LPA", "DA Flag", "Outcome"),
        lambda i: (
            [f"K{i}", f"01/03/2024 10:0{i}", "Theft", "Northtown", "0"]
            + ["Under investigation"]
        ),
        time=1,
        text=2,
        area=3,
        number=None,
        code=(4, "2"),
        end=None,
        dates=_DMY,
    ),
    Stream(
        "establishment",
        ("Department", "Role", "As At", "FTE", "Cost per FTE (£)"),
        lambda i: ["Response", f"Constable {i}", "31/03/2024", "10.5", "52000"],
        time=2,
        text=1,
        area=None,
        number=3,
        code=(0, "Traffic"),
        end=None,
        dates={k: v.split(" ")[0] for k, v in _DMY.items()},
    ),
)


@dataclass(frozen=True)
class Fault:
    """One kind of bad input.

    Args:
        kind: Short name (the test id).
        build: (stream) -> (file bytes, file suffix), or None where it does not apply.
        exit_code: 0 if the file loads (bad rows rejected), 1 if refused whole.
        rejected: Rows expected in rejects, or None to check only the invariant.
    """

    kind: str
    build: Callable[[Stream], tuple[bytes, str] | None]
    exit_code: int = 0
    rejected: int | None = 0


def _csv(
    spec: Stream,
    rows: list[list[str]],
    headers: tuple[str, ...] | None = None,
    delimiter: str = ",",
    newline: str = "\n",
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(headers or spec.headers)
    writer.writerows(rows)
    return out.getvalue()


def _clean(spec: Stream, n: int = 3) -> list[list[str]]:
    return [spec.row(i) for i in range(1, n + 1)]


def _with(spec: Stream, index: int | None, *values: str) -> tuple[bytes, str] | None:
    """Clean rows plus one row per value, that value at `index`."""
    if index is None:
        return None
    rows = _clean(spec)
    for j, value in enumerate(values, start=4):
        row = spec.row(j)
        row[index] = value
        rows.append(row)
    return _csv(spec, rows).encode(), ".csv"


def _date(kind: str) -> Callable[[Stream], tuple[bytes, str] | None]:
    return lambda s: _with(s, s.time, s.dates[kind])


def _text_bytes(spec: Stream, value: str, encoding: str) -> tuple[bytes, str]:
    rows = _clean(spec)
    rows[0][spec.text] = value
    return _csv(spec, rows).encode(encoding), ".csv"


def _duplicate(spec: Stream, conflicting: bool) -> tuple[bytes, str]:
    """Clean rows plus the first row again: the same, or with another value."""
    rows = _clean(spec)
    again = list(rows[0])
    if conflicting:  # establishment's text (role) is part of its key
        if spec.name == "establishment":
            again[3] = "7.25"
        else:
            again[spec.text] = "Something else"
    rows.append(again)
    return _csv(spec, rows).encode(), ".csv"


def _missing_id(spec: Stream) -> tuple[bytes, str]:
    return _with(spec, 0, "") or (b"", ".csv")


def _truncated_mid_row(spec: Stream) -> tuple[bytes, str]:
    text = _csv(spec, _clean(spec))
    last = _csv(spec, [spec.row(4)]).splitlines()[1]
    return (text + last[: len(last) // 3]).encode(), ".csv"


def _truncated_mid_quote(spec: Stream) -> tuple[bytes, str]:
    text = _csv(spec, _clean(spec))
    row = spec.row(4)
    cut = ",".join(row[: spec.text]) + (',"' if spec.text else '"') + "Unfinish"
    return (text + cut).encode(), ".csv"


def _missing_column(spec: Stream) -> tuple[bytes, str]:
    keep = [i for i in range(len(spec.headers)) if i != spec.time]
    headers = tuple(spec.headers[i] for i in keep)
    rows = [[r[i] for i in keep] for r in _clean(spec)]
    return _csv(spec, rows, headers).encode(), ".csv"


def _extra_columns(spec: Stream) -> tuple[bytes, str]:
    headers = (*spec.headers, "Officer Name", "Home Address")
    rows = [[*r, "PC Jane Smith", "1 High St"] for r in _clean(spec)]
    return _csv(spec, rows, headers).encode(), ".csv"


def _blank_lines(spec: Stream) -> tuple[bytes, str]:
    head, *rows = _csv(spec, _clean(spec)).splitlines()
    text = "\n".join([head, "", rows[0], "", "", rows[1], rows[2], ""])
    return text.encode(), ".csv"


def _too_many_fields(spec: Stream) -> tuple[bytes, str]:
    text = _csv(spec, _clean(spec))
    extra = ",".join([*spec.row(4), "surplus"]) + "\n"
    return (text + extra).encode(), ".csv"


def _parquet(spec: Stream) -> tuple[bytes, str]:
    rows = _clean(spec) + [spec.row(4), spec.row(5)]
    columns: dict[str, pa.Array] = {
        h: pa.array([r[i] for r in rows]) for i, h in enumerate(spec.headers)
    }
    good = datetime(2024, 3, 1, 10)
    times = [good, good, good, datetime(2262, 1, 1), good]
    kind = pa.date32() if spec.name == "establishment" else pa.timestamp("us")
    values = [t.date() for t in times] if spec.name == "establishment" else times
    columns[spec.headers[spec.time]] = pa.array(values, kind)
    if spec.number is not None:
        numbers = [1.0, 2.0, 3.0, 4.0, float("nan")]
        columns[spec.headers[spec.number]] = pa.array(numbers, pa.float64())
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue(), ".parquet"


FAULTS = (
    Fault("future_date", _date("future"), rejected=1),
    Fault("ancient_date", _date("ancient"), rejected=1),
    Fault("us_month_first_date", _date("month_first"), rejected=1),
    Fault("two_digit_year", _date("two_digit_year"), rejected=1),
    Fault("unparseable_date", _date("unparseable"), rejected=1),
    Fault("formula_text", lambda s: _with(s, s.text, *FORMULAS)),
    Fault("formula_area", lambda s: _with(s, s.area, *FORMULAS)),
    Fault("area_with_slash", lambda s: _with(s, s.area, "N/A", "East/West")),
    Fault("area_with_newline", lambda s: _with(s, s.area, "North\ntown", "North\r\n")),
    Fault("area_odd_case", lambda s: _with(s, s.area, "nORTHTOWN", "NORTHTOWN")),
    Fault("area_padded", lambda s: _with(s, s.area, "  Northtown  ", "\tNorthtown")),
    Fault("nan_number", lambda s: _with(s, s.number, "NaN", "nan"), rejected=2),
    Fault(
        "infinite_number",
        lambda s: _with(s, s.number, "inf", "-inf", "Infinity"),
        rejected=3,
    ),
    Fault("negative_number", lambda s: _with(s, s.number, "-1.5", "-0"), rejected=2),
    Fault("unknown_code", lambda s: _with(s, s.code[0], s.code[1]), rejected=1),
    # Kept: the demand happened; only its duration is doubtful (and not stored).
    Fault("end_before_start", lambda s: s.end and _with(s, *s.end), rejected=0),
    Fault("duplicate_key", lambda s: _duplicate(s, False), rejected=1),
    Fault("conflicting_key", lambda s: _duplicate(s, True), rejected=1),
    Fault("missing_key", _missing_id, rejected=1),
    Fault("cp1252_bytes", lambda s: _text_bytes(s, "Café – ‘quoted’", "cp1252")),
    Fault("latin1_bytes", lambda s: _text_bytes(s, "Straße £5 ±", "latin-1")),
    Fault("utf16", lambda s: _text_bytes(s, "Café", "utf-16"), exit_code=1),
    Fault("utf8_bom", lambda s: _text_bytes(s, "Café", "utf-8-sig")),
    Fault(
        "crlf_lines",
        lambda s: (_csv(s, _clean(s), newline="\r\n").encode(), ".csv"),
    ),
    Fault("truncated_mid_row", _truncated_mid_row, rejected=1),
    Fault("truncated_mid_quote", _truncated_mid_quote, rejected=1),
    Fault("empty_file", lambda s: (b"", ".csv"), exit_code=1),
    Fault("only_blank_lines", lambda s: (b"\n\n\n", ".csv"), exit_code=1),
    Fault("header_only", lambda s: (_csv(s, []).encode(), ".csv")),
    Fault("missing_required_column", _missing_column, exit_code=1, rejected=3),
    Fault("extra_columns", _extra_columns),
    Fault(
        "wrong_delimiter",
        lambda s: (_csv(s, _clean(s), delimiter=";").encode(), ".csv"),
        exit_code=1,
    ),
    Fault("blank_lines", _blank_lines),
    Fault("huge_field", lambda s: _with(s, s.text, "x" * 200_000)),
    Fault("too_many_fields", _too_many_fields, rejected=1),
    Fault(
        "binary_file",
        lambda s: (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, ".csv"),
        exit_code=1,
    ),
    Fault(
        "parquet_2262_and_nan",
        _parquet,
        rejected=None,  # one 2262 row, plus a NaN row where the stream has numbers
    ),
)


def _cases() -> list:
    cases = []
    for spec in STREAM_SPECS:
        for fault in FAULTS:
            cases.append(pytest.param(spec, fault, id=f"{spec.name}-{fault.kind}"))
    return cases


def _adapter(spec: Stream, tmp_path: Path) -> Path:
    if spec.name != "establishment":
        return ADAPTERS / "northshire" / f"{spec.name}.toml"
    path = tmp_path / "establishment.toml"
    path.write_text(_ESTABLISHMENT_MAP, encoding="utf-8")
    return path


def _one_sentence(text: str) -> None:
    assert "Traceback" not in text
    message = text.strip().removeprefix("Error: ")
    assert "\n" not in message, message
    assert message.endswith("."), message


def _assert_nothing_implausible(con: duckdb.DuckDBPyConnection, stream: str) -> None:
    schema = STREAMS[stream]
    for col in schema.columns:
        name = f'"{col.name}"'
        if col.dtype == "DOUBLE":
            bad = f"NOT isfinite({name})"
        elif col.dtype == "TIMESTAMPTZ":
            bad = (
                f"{name} < TIMESTAMPTZ '1990-01-01 00:00+00' OR "
                f"{name} > now() + INTERVAL 8 DAY"
            )
        elif col.dtype == "DATE":
            bad = f"{name} < DATE '1990-01-01' OR {name} > current_date + 8"
        else:
            continue
        found = con.execute(f"SELECT count(*) FROM {stream} WHERE {bad}").fetchone()
        assert found == (0,), f"{stream}.{col.name} holds an implausible value"


def run_ingest(path: Path, adapter: Path, db: Path):
    """Run `demand ingest` through click, as a user does."""
    return CliRunner().invoke(
        cli, ["ingest", str(path), "--adapter", str(adapter), "--db", str(db)]
    )


@pytest.mark.parametrize(("spec", "fault"), _cases())
def test_fault_corpus(spec: Stream, fault: Fault, tmp_path: Path) -> None:
    built = fault.build(spec)
    if not built:
        pytest.skip(f"{fault.kind} does not apply to {spec.name}")
    content, suffix = built
    path = tmp_path / f"{spec.name}_{fault.kind}{suffix}"
    path.write_bytes(content)
    db = tmp_path / "store.duckdb"
    done = run_ingest(path, _adapter(spec, tmp_path), db)

    assert not isinstance(done.exception, Exception) or isinstance(
        done.exception, SystemExit
    ), done.output
    assert done.exit_code == fault.exit_code, done.output
    if fault.exit_code:
        _one_sentence(done.output.strip().splitlines()[-1])
    assert "Traceback" not in done.output
    with duckdb.connect(str(db), read_only=True) as con:
        logged = con.execute(
            "SELECT status, rows_read, rows_loaded, rows_rejected, message "
            "FROM ingest_log"
        ).fetchall()
        assert len(logged) == 1
        status, read, loaded, rejected, message = logged[0]
        assert read == loaded + rejected
        assert con.execute(f"SELECT count(*) FROM {spec.name}").fetchone() == (loaded,)
        assert con.execute(
            "SELECT count(*) FROM rejects WHERE file = ?", [str(path)]
        ).fetchone() == (rejected,)
        if fault.exit_code:
            assert status == "rejected" and loaded == 0
            _one_sentence(message)
        else:
            assert status == "loaded"
        if fault.rejected is not None:
            assert rejected == fault.rejected
        _assert_nothing_implausible(con, spec.name)
        if spec.area is not None:
            # one spelling per area: no two stored values differ in case or spaces
            areas = [r[0] for r in con.execute(f"SELECT DISTINCT area FROM {spec.name}")
                     .fetchall() if r[0] is not None]  # fmt: skip
            folded = {" ".join(a.split()).casefold() for a in areas}
            assert len(folded) == len(areas)
            assert all(a == " ".join(a.split()) for a in areas)


@pytest.mark.parametrize("spec", STREAM_SPECS, ids=lambda s: s.name)
def test_a_later_file_with_conflicting_keys_replaces_rows_and_counts_them(
    spec: Stream, tmp_path: Path
) -> None:
    adapter = _adapter(spec, tmp_path)
    db = tmp_path / "store.duckdb"
    first = tmp_path / f"{spec.name}_1.csv"
    first.write_text(_csv(spec, _clean(spec)), encoding="utf-8")
    assert run_ingest(first, adapter, db).exit_code == 0
    # the same keys again with another value, plus one bad date
    rows = _clean(spec)
    for row in rows:
        row[spec.text if spec.name != "establishment" else 3] = "9.5"
    rows.append(spec.row(4))
    rows[-1][spec.time] = spec.dates["future"]
    second = tmp_path / f"{spec.name}_2.csv"
    second.write_text(_csv(spec, rows), encoding="utf-8")
    done = run_ingest(second, adapter, db)
    assert done.exit_code == 0, done.output
    with duckdb.connect(str(db), read_only=True) as con:
        logged = con.execute(
            "SELECT rows_read, rows_loaded, rows_updated, rows_rejected "
            "FROM ingest_log WHERE file = ?",
            [str(second)],
        ).fetchone()
        assert logged == (4, 3, 3, 1)
        assert con.execute(f"SELECT count(*) FROM {spec.name}").fetchone() == (3,)
        _assert_nothing_implausible(con, spec.name)


def test_the_corpus_has_at_least_thirty_kinds_for_every_stream() -> None:
    for spec in STREAM_SPECS:
        applies = [f.kind for f in FAULTS if f.build(spec)]
        assert len(applies) >= 30, (spec.name, len(applies))


_E2E_PIPELINE = """
[pipeline]
name = "faulty"
stages = ["ingest", "series", "forecast", "capacity", "report"]

[ingest]
paths = ["raw"]

[series]
streams = ["calls", "incidents", "crimes"]
freqs = ["M"]
levels = [[], ["area"]]

[forecast]
models = ["seasonal_naive"]
hourly_streams = []
operational_days = 0
backtest = false
n_jobs = 1

[capacity]
assumptions = "{root}/pipelines/assumptions/northshire.toml"

[report]
out_dir = "reports"
exports_dir = "processed"
publish = true
disclosure_threshold = 10
"""
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _unsafe_cells(folder: Path) -> list[str]:
    """Cells of every CSV and workbook under `folder` that a spreadsheet would run."""
    import openpyxl

    found = []
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                found += [
                    f"{path.name}: {cell!r}"
                    for cell in row
                    if cell.startswith(_DANGEROUS_START) and not _is_number(cell)
                ]
    for path in sorted(folder.rglob("*.xlsx")):
        book = openpyxl.load_workbook(path)  # formulas as written, not values
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    value = cell.value
                    if cell.data_type == "f" or (
                        isinstance(value, str)
                        and value.startswith(_DANGEROUS_START)
                        and not _is_number(value)
                    ):
                        found.append(f"{path.name}!{sheet.title}: {value!r}")
    return found


@dataclass(frozen=True)
class FaultyRun:
    """A synthetic force plus a faulty extract, run by `demand run` to the report."""

    folder: Path
    exit_code: int
    output: str


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> FaultyRun:
    """Formula text and odd areas (`N/A`, `nORTHTOWN`, a line break) in two streams."""
    from datetime import date

    from demand.synth import generate_force

    root = Path(__file__).resolve().parents[2]
    base = tmp_path_factory.mktemp("faulty")
    generate_force(base / "raw", years=2, end=date(2025, 3, 31), seed=5)
    incidents = next(s for s in STREAM_SPECS if s.name == "incidents")
    calls = next(s for s in STREAM_SPECS if s.name == "calls")
    odd = [*FORMULAS, "nORTHTOWN", "N/A", "North\ntown"]
    for spec in (incidents, calls):
        rows = []
        for i, text in enumerate(odd * 4):
            row = spec.row(1)
            row[0] = f"ZZ{i}"
            row[spec.time] = row[spec.time].replace("03/2024", f"{1 + i % 12:02d}/2024")
            row[spec.area or 0] = text
            row[spec.text] = text
            rows.append(row)
        (base / "raw" / spec.name / "zz_faults.csv").write_text(
            _csv(spec, rows), encoding="utf-8"
        )
    (base / "pipeline.toml").write_text(
        _E2E_PIPELINE.format(root=root), encoding="utf-8"
    )
    here = Path.cwd()
    os.chdir(base)  # the pipeline's paths are relative to where it runs
    try:
        run = CliRunner().invoke(cli, ["run", "pipeline.toml", "--db", "s.duckdb"])
    finally:
        os.chdir(here)
    return FaultyRun(base, run.exit_code, run.output)


@pytest.mark.slow
def test_odd_areas_go_through_every_stage(faulty_run: FaultyRun) -> None:
    assert faulty_run.exit_code == 0, faulty_run.output
    with duckdb.connect(str(faulty_run.folder / "s.duckdb"), read_only=True) as con:
        areas = {
            r[0] for r in con.execute("SELECT DISTINCT area FROM incidents").fetchall()
        }
        ids = [
            r[0]
            for r in con.execute("SELECT DISTINCT unique_id FROM forecasts").fetchall()
        ]
        stages = con.execute(
            "SELECT stage, status FROM stage_runs ORDER BY started_at"
        ).fetchall()
    assert {"=1+2", "N/A", "North town", "Northtown"} <= areas
    assert "nORTHTOWN" not in areas
    # the capacity stage read the N/A series back (it failed on a '/' before)
    assert ("capacity", "ran") in stages and ("report", "ran") in stages
    assert ("incidents", {"area": "N/A"}) in [parse_unique_id(u) for u in ids]


@pytest.mark.slow
def test_formula_text_and_odd_areas_never_reach_an_export_as_formulas(
    faulty_run: FaultyRun,
) -> None:
    assert faulty_run.exit_code == 0, faulty_run.output
    folders = ("reports", "processed")
    exports = [
        faulty_run.folder / f for f in folders if (faulty_run.folder / f).exists()
    ]
    assert exports and any(p.rglob("*.csv") for p in exports)
    published = [f for p in exports for f in p.rglob("published/*")]
    assert any(f.suffix == ".xlsx" for f in published), "nothing published"
    unsafe = [cell for folder in exports for cell in _unsafe_cells(folder)]
    assert unsafe == []
