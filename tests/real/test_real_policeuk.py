"""police.uk street crime: every row accounted for, crime counts match the CSVs."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from demand.ingest import ingest
from demand.series import build_series
from demand.store import Store

pytestmark = pytest.mark.real_data


def _data_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def _raw(folder: Path) -> pd.DataFrame:
    frames = [
        pd.read_csv(f, dtype=str, keep_default_na=False).assign(file=f.name)
        for f in sorted(folder.glob("*-street.csv"))
    ]
    return pd.concat(frames, ignore_index=True)


def test_every_row_of_every_file_is_loaded_rejected_or_the_other_streams(
    london, shared_data: Path
):
    store, result = london
    assert result.ok
    by_file: dict[Path, int] = {}
    for f in result.files:
        assert f.rows_read == f.rows_loaded + f.rows_rejected, f
        by_file[f.file] = by_file.get(f.file, 0) + f.rows_read
    assert len(by_file) == 60
    # crimes and asb share each file: together they read every data row once.
    for path, read in by_file.items():
        assert read == _data_rows(path), path
    assert sum(by_file.values()) == 38_215


def test_monthly_crime_counts_by_type_equal_a_direct_count(london, shared_data: Path):
    store, _ = london
    raw = _raw(shared_data / "london_city_street_crime")
    crime = raw[raw["Crime type"] != "Anti-social behaviour"]
    assert (crime["Crime ID"] != "").all()
    # One crime is one Crime ID: a repeat within a file is the same crime (the
    # first row wins); an id in a later month's file moves the crime there.
    crime = crime.drop_duplicates(["file", "Crime ID"], keep="first")
    crime = crime.drop_duplicates("Crime ID", keep="last")
    expected = (
        crime.assign(
            offence_group=crime["Crime type"].str.lower().str.replace(" ", "_")
        )
        .groupby(["offence_group", "Month"])
        .size()
    )
    series = build_series(store, "crimes", "M", by=("offence_group",))
    got = series.assign(Month=series["ds"].dt.strftime("%Y-%m")).set_index(
        ["offence_group", "Month"]
    )["y"]
    assert set(got.index.get_level_values(0)) == set(expected.index.get_level_values(0))
    assert len(set(got.index.get_level_values(0))) == 13  # + ASB = police.uk's 14
    assert got[got > 0].astype(int).sort_index().equals(expected.sort_index())
    assert (got.drop(expected.index) == 0).all()


def test_anti_social_behaviour_is_kept_apart_and_counted_by_month(
    london, shared_data: Path
):
    store, _ = london
    raw = _raw(shared_data / "london_city_street_crime")
    asb = raw[raw["Crime type"] == "Anti-social behaviour"]
    assert (asb["Crime ID"] == "").all()  # no id: would be "missing" as a crime
    series = build_series(store, "asb", "M")
    assert series["y"].sum() == len(asb) == 5_997
    direct = asb.groupby("Month").size()
    got = series.set_index(series["ds"].dt.strftime("%Y-%m"))["y"]
    assert got[direct.index].astype(int).tolist() == direct.tolist()
    with pytest.raises(ValueError, match="month"):
        build_series(store, "asb", "D")
    with pytest.raises(ValueError, match="month"):
        build_series(store, "crimes", "D")
    row = store.con.execute("SELECT count(*) FROM crimes WHERE recorded_at IS NOT NULL")
    assert row.fetchone()[0] == 0  # month-only: no invented day or time


def test_locations_and_free_text_never_reach_the_store(london):
    store, _ = london
    columns = {
        r[0].lower()
        for r in store.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE NOT internal"
        ).fetchall()
    }
    for banned in ("location", "longitude", "latitude", "lsoa name", "context"):
        assert banned not in columns
    hits = store.con.execute(
        "SELECT count(*) FROM crimes WHERE area LIKE 'On or near%' "
        "OR outcome LIKE 'On or near%'"
    ).fetchone()[0]
    assert hits == 0


def test_a_county_force_loads_in_the_same_format(shared_data: Path, tmp_path: Path):
    folder = shared_data / "northants_street_crime_sample"
    with Store(tmp_path / "n.duckdb") as store:
        result = ingest(store, [folder], adapter="policeuk")
        assert result.ok
        assert result.rows_read == 32_207
        assert result.rows_read == result.rows_loaded + result.rows_rejected
        assert store.count("asb") == 7_427
