"""Counts-only sources (Denver) and the Home Office workforce file, loaded for real."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

from demand.ingest import ingest
from demand.quality import quality_report
from demand.series import build_series
from demand.store import Store

pytestmark = pytest.mark.real_data

ADAPTERS = Path(__file__).resolve().parents[2] / "src" / "demand" / "adapters"


@pytest.fixture(scope="module")
def denver(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("denver")
    with Store(tmp / "d.duckdb") as store:
        result = ingest(store, [shared_data / "denver_ems_hourly_calls"], "denver")
        yield store, result


def test_denver_hours_load_and_missing_hours_stay_missing(denver):
    store, result = denver
    assert result.rows_read == result.rows_loaded == 69_351
    report = quality_report(store, timezone="America/Denver")
    missing = int(report.gaps["periods"].sum())
    summary = report.summary.set_index("stream").loc["counts"]
    assert summary["empty_periods"] == missing
    assert summary["periods"] == 69_351 + missing
    hourly = build_series(store, "counts", "h", timezone="America/Denver")
    # Missing hours are NaN, never 0 (the file has no hour with fewer than 3 calls).
    assert hourly["y"].isna().sum() >= missing - 10
    assert (hourly["y"].dropna() >= 3).all()
    filled = build_series(
        store, "counts", "D", timezone="America/Denver", fill_missing="1.5"
    )
    assert filled["y"].notna().all()
    raw = store.con.execute("SELECT sum(count) FROM counts").fetchone()[0]
    assert filled["y"].sum() == pytest.approx(raw + 1.5 * missing)


def test_workforce_maps_both_function_lists_to_departments(
    shared_data: Path, tmp_path: Path
):
    path = (
        shared_data / "uk_police_workforce_functions" / "police-functions-data.csv.gz"
    )
    with Store(tmp_path / "w.duckdb") as store:
        result = ingest(store, [path], "homeoffice_workforce")
        assert result.ok
        got = store.con.execute(
            "SELECT year(as_at) AS year, department, sum(fte) AS fte "
            "FROM establishment GROUP BY ALL"
        ).df()
    f = result.files[0]
    assert f.rows_read == f.rows_loaded + f.rows_rejected
    raw = pd.read_csv(path, dtype={"officers": float})
    raw = raw[(raw["force"] == "northamptonshire") & (raw["function_name"] != "total")]
    raw = raw.dropna(subset=["function_name", "officers"])
    assert f.rows_loaded == len(raw)
    with (ADAPTERS / "homeoffice_workforce" / "establishment.toml").open("rb") as fh:
        mapping = tomllib.load(fh)["values"]["department"]
    raw["department"] = (
        raw["function_name"].str.strip().map(lambda n: mapping.get(n, mapping["*"]))
    )
    direct = raw.groupby(["year", "department"])["officers"].sum()
    merged = got.set_index(["year", "department"])["fte"]
    assert merged.sort_index().to_numpy() == pytest.approx(
        direct.sort_index().to_numpy()
    )
    # Old list (2014) and new list (2016 on) both reach response and control room.
    for year in (2014, 2019):
        assert direct.loc[(year, "response")] > 300
        assert direct.loc[(year, "control_room")] > 20
