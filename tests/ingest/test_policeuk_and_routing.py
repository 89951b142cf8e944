"""police.uk maps, row routing (where/exclude), lookups, gzip and keyless streams."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from demand.cli import cli
from demand.ingest import ingest, load_adapters
from demand.quality import quality_report
from demand.series import build_series
from demand.store import Store

DATA = Path(__file__).resolve().parents[1] / "data" / "policeuk"
FILE = DATA / "2019-01-northamptonshire-street.csv"
MAPS = Path(__file__).resolve().parents[2] / "src" / "demand" / "adapters" / "policeuk"


def test_crimes_and_asb_share_a_file_and_every_row_is_counted(store: Store):
    result = ingest(store, [DATA], adapter="policeuk")
    by_stream = {f.stream: f for f in result.files}
    crimes, asb = by_stream["crimes"], by_stream["asb"]
    assert (crimes.rows_read, crimes.rows_loaded, crimes.rows_rejected) == (6, 5, 1)
    assert (asb.rows_read, asb.rows_loaded, asb.rows_rejected) == (4, 4, 0)
    assert crimes.rows_read + asb.rows_read == 10
    reason = store.con.execute("SELECT reason FROM rejects").fetchone()[0]
    assert reason.startswith("duplicate key crime_id within the file")
    months = store.con.execute("SELECT DISTINCT CAST(month AS VARCHAR) FROM crimes")
    assert months.fetchall() == [("2019-01-01",)]
    assert build_series(store, "asb", "M")["y"].tolist() == [4.0]


def test_reloading_a_changed_file_replaces_its_asb_rows(store: Store, tmp_path: Path):
    copy = tmp_path / FILE.name
    shutil.copy(FILE, copy)
    ingest(store, [tmp_path], adapter="policeuk")
    assert ingest(store, [tmp_path], adapter="policeuk").files[0].status == "skipped"
    lines = copy.read_text(encoding="utf-8").splitlines(keepends=True)
    copy.write_text("".join(lines[:-2]), encoding="utf-8")  # one ASB row fewer
    again = {f.stream: f for f in ingest(store, [tmp_path], adapter="policeuk").files}
    assert again["asb"].status == "loaded"
    assert store.count("asb") == 3


def test_a_lookup_file_maps_lsoas_to_local_policing_areas(store: Store, tmp_path: Path):
    maps = tmp_path / "maps"
    shutil.copytree(MAPS, maps)
    shutil.copy(DATA / "lsoa_to_lpa.csv", maps)
    text = (maps / "asb.toml").read_text(encoding="utf-8")
    text = text.replace(
        "[columns]", 'lookups = { area = "lsoa_to_lpa.csv" }\n\n[columns]'
    )
    (maps / "asb.toml").write_text(text, encoding="utf-8")
    ingest(store, [DATA], adapter=maps)
    areas = store.con.execute("SELECT DISTINCT area FROM asb").fetchall()
    assert areas == [("corby",)]


def test_a_gzip_file_loads_as_its_text(store: Store, tmp_path: Path):
    packed = tmp_path / (FILE.name + ".gz")
    packed.write_bytes(gzip.compress(FILE.read_bytes()))
    maps = tmp_path / "maps"
    shutil.copytree(MAPS, maps)
    for name in ("crimes.toml", "asb.toml"):
        path = maps / name
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                'glob = "*-street.csv"', 'glob = "*-street.csv.gz"'
            ),
            encoding="utf-8",
        )
    result = ingest(store, [tmp_path], adapter=maps)
    assert result.rows_read == 10 and result.rows_loaded == 9


def test_a_routing_header_missing_rejects_the_file(store: Store, tmp_path: Path):
    text = FILE.read_text(encoding="utf-8").replace("Crime type", "Type", 1)
    bad = tmp_path / FILE.name
    bad.write_text(text, encoding="utf-8")
    result = ingest(store, [tmp_path], adapter="policeuk")
    assert not result.ok
    assert "'Crime type'" in result.errors[0]


def test_values_star_gives_every_other_code_a_value(tmp_path: Path):
    (tmp_path / "m.toml").write_text(
        'stream = "incidents"\nglob = "*.csv"\n[columns]\nincident_id = "Id"\n'
        'created_at = "At"\ngrade = "P"\nqualifiers = "Source"\n'
        '[values.grade]\n"1" = "G1"\n[values.qualifiers]\n"OFFICER" = "officer"\n'
        '"*" = "call"\n',
        encoding="utf-8",
    )
    (tmp_path / "x.csv").write_text(
        "Id,At,P,Source\na,01/01/2025 10:00,1,OFFICER\nb,01/01/2025 11:00,1,Phone\n"
        "c,01/01/2025 12:00,1,\n",
        encoding="utf-8",
    )
    with Store(":memory:") as s:
        ingest(s, [tmp_path / "x.csv"], adapter=tmp_path / "m.toml")
        got = s.con.execute(
            "SELECT incident_id, qualifiers FROM incidents ORDER BY 1"
        ).fetchall()
    assert got == [("a", "officer"), ("b", "call"), ("c", None)]
    assert load_adapters(tmp_path / "m.toml")[0].values["qualifiers"]["*"] == "call"


def test_quality_command_prints_a_table_and_csv(tmp_path: Path):
    db = tmp_path / "q.duckdb"
    with Store(db) as s:
        ingest(s, [DATA], adapter="policeuk")
        report = quality_report(s)
    assert set(report.summary["stream"]) == {"crimes", "asb"}
    assert report.rejects["rows"].sum() == 1
    table = CliRunner().invoke(cli, ["quality", "--db", str(db)])
    assert table.exit_code == 0, table.output
    assert "asb" in table.output and "summary" in table.output
    out = CliRunner().invoke(
        cli, ["quality", "--db", str(db), "--show", "rejects", "--csv"]
    )
    assert out.exit_code == 0
    assert out.output.splitlines()[0] == "stream,reason,rows"
    bad = CliRunner().invoke(cli, ["quality", "--db", str(db), "--stream", "nonsense"])
    assert bad.exit_code == 1 and "not a stream" in bad.output


@pytest.mark.parametrize(
    ("policy", "filled"), [("none", None), ("zero", 0.0), ("1.5", 1.5)]
)
def test_counts_keep_a_missing_hour_missing_until_a_policy_fills_it(
    tmp_path: Path, policy: str, filled: float | None
):
    (tmp_path / "m.toml").write_text(
        'stream = "counts"\nglob = "*.csv"\ntimezone = "UTC"\n[columns]\n'
        'period_start = "Hour"\ncount = "Calls"\n[constants]\nseries = "ems"\n'
        'freq = "h"\n',
        encoding="utf-8",
    )
    (tmp_path / "c.csv").write_text(
        "Hour,Calls\n2025-01-06 00:00,4\n2025-01-06 01:00,6\n2025-01-06 03:00,8\n",
        encoding="utf-8",
    )
    with Store(":memory:") as s:
        ingest(s, [tmp_path / "c.csv"], adapter=tmp_path / "m.toml")
        hourly = build_series(s, "counts", "h", timezone="UTC", fill_missing=policy)
        gaps = quality_report(s, timezone="UTC").gaps
    assert hourly["y"].iloc[[0, 1, 3]].tolist() == [4.0, 6.0, 8.0]
    third = hourly["y"].iloc[2]
    assert (third != third) if filled is None else third == filled
    assert gaps["periods"].tolist() == [1]
