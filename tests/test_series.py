"""Series: regular, zero-filled counts in local time, clock changes handled."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demand.capacity.workload import parse_unique_id as workload_parse
from demand.report.data import split_unique_id
from demand.series import (
    build_hierarchy,
    build_series,
    financial_year,
    to_financial_years,
    write_demand,
)
from demand.series_ids import format_unique_id, parse_unique_id, unique_ids
from demand.store import Store


def _add_incidents(store: Store, rows: list[tuple[str, str, str, float]]) -> None:
    """Insert (utc time, area, grade, officer_hours) incidents."""
    for i, (utc, area, grade, hours) in enumerate(rows):
        store.con.execute(
            "INSERT INTO incidents (incident_id, created_at, grade, area,"
            " officer_hours, source_file, loaded_at)"
            " VALUES (?, CAST(? AS TIMESTAMPTZ), ?, ?, ?, 't', now())",
            [f"I{i}", utc + "+00", grade, area, hours],
        )


def test_build_series_fills_silent_hours_with_zero(store: Store) -> None:
    _add_incidents(
        store,
        [("2024-01-10 08:15", "A", "G1", 1.0), ("2024-01-10 11:05", "A", "G2", 2.0)],
    )
    s = build_series(store, "incidents", "h")
    assert list(s["y"]) == [1, 0, 0, 1]
    assert (s["unique_id"] == "incidents").all()


def test_daily_series_follow_the_local_date_in_summer(store: Store) -> None:
    # 23:30 UTC on 1 July is 00:30 BST on 2 July.
    _add_incidents(
        store,
        [("2024-07-01 23:30", "A", "G1", 1.0), ("2024-07-01 12:00", "A", "G1", 1.0)],
    )
    s = build_series(store, "incidents", "D")
    assert s["ds"].dt.strftime("%Y-%m-%d").tolist() == ["2024-07-01", "2024-07-02"]
    assert s["y"].tolist() == [1, 1]


def test_autumn_clock_change_sums_the_repeated_hour(store: Store) -> None:
    # 27 Oct 2024: 00:30 UTC is 01:30 BST, 01:30 UTC is 01:30 GMT: one local slot.
    _add_incidents(
        store,
        [
            ("2024-10-27 00:30", "A", "G1", 1.0),
            ("2024-10-27 01:30", "A", "G1", 1.0),
            ("2024-10-27 02:30", "A", "G1", 1.0),
        ],
    )
    s = build_series(store, "incidents", "h").set_index("ds")["y"]
    assert s[pd.Timestamp("2024-10-27 01:00")] == 2
    assert s[pd.Timestamp("2024-10-27 02:00")] == 1
    assert len(s) == 2


def test_spring_hour_no_clock_shows_takes_neighbours_mean(store: Store) -> None:
    # 31 Mar 2024: local 00:xx is GMT, then clocks jump from 01:00 to 02:00 BST.
    rows = [("2024-03-31 00:10", "A", "G1", 1.0)] * 2 + [
        ("2024-03-31 01:10", "A", "G1", 1.0)
    ] * 4  # 02:10 BST
    _add_incidents(store, rows)
    s = build_series(store, "incidents", "h").set_index("ds")["y"]
    assert s[pd.Timestamp("2024-03-31 00:00")] == 2
    assert s[pd.Timestamp("2024-03-31 02:00")] == 4
    assert s[pd.Timestamp("2024-03-31 01:00")] == 3


def test_levels_give_one_zero_filled_series_per_key(store: Store) -> None:
    _add_incidents(
        store,
        [
            ("2024-01-01 10:00", "North", "G1", 1.0),
            ("2024-01-03 10:00", "South", "G2", 1.0),
        ],
    )
    s = build_series(store, "incidents", "D", by=("area",))
    assert sorted(s["unique_id"].unique()) == [
        "incidents/area=North",
        "incidents/area=South",
    ]
    assert len(s) == 6 and s["y"].sum() == 2
    h = build_hierarchy(
        store, "incidents", "D", levels=((), ("area",), ("area", "grade"))
    )
    force = h[h["unique_id"] == "incidents"]["y"].to_numpy()
    areas = h[h["unique_id"].str.count("/") == 1].groupby("ds")["y"].sum().to_numpy()
    assert (force == areas).all()


def test_workload_series_sum_officer_hours(store: Store) -> None:
    _add_incidents(
        store,
        [("2024-01-01 10:00", "A", "G1", 1.5), ("2024-01-01 11:00", "A", "G1", 2.0)],
    )
    s = build_series(store, "incidents", "D", measure="officer_hours")
    assert s["y"].tolist() == [3.5]


def test_month_only_crimes_stay_monthly(store: Store) -> None:
    store.con.execute(
        "INSERT INTO crimes (crime_id, month, offence_group, source_file, loaded_at)"
        " VALUES ('c1', DATE '2024-01-01', 'Burglary', 't', now()),"
        " ('c2', DATE '2024-03-01', 'Burglary', 't', now())"
    )
    s = build_series(store, "crimes", "M")
    assert s["y"].tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="freq='M'"):
        build_series(store, "crimes", "D")


def test_bad_arguments_are_named(store: Store) -> None:
    with pytest.raises(ValueError, match="frequency"):
        build_series(store, "incidents", "Q")
    with pytest.raises(ValueError, match="no column"):
        build_series(store, "incidents", "D", by=("postcode",))
    with pytest.raises(ValueError, match="no events"):
        build_series(store, "establishment", "D")


def test_financial_years_run_april_to_march() -> None:
    ds = pd.Series(pd.to_datetime(["2025-03-31", "2025-04-01", "2026-01-15"]))
    assert financial_year(ds).tolist() == ["2024/25", "2025/26", "2025/26"]
    demand = pd.DataFrame({"unique_id": "x", "ds": ds, "y": [1.0, 2.0, 3.0]})
    fy = to_financial_years(demand)
    assert fy["y"].tolist() == [1.0, 5.0] and fy["periods"].tolist() == [1, 2]


def test_write_demand_replaces_earlier_series(store: Store) -> None:
    _add_incidents(store, [("2024-01-01 10:00", "A", "G1", 1.0)])
    s = build_series(store, "incidents", "D")
    assert write_demand(store, s, "incidents", "D") == 1
    assert write_demand(store, s, "incidents", "D") == 1
    assert store.count("demand") == 1


@pytest.fixture(scope="module")
def shared_store():
    """One in-memory store that property tests refill per example."""
    with Store() as store:
        yield store


@settings(max_examples=150, deadline=None)
@given(area=st.text(), other=st.text(alphabet=st.sampled_from("/=%aZ 9\n"), max_size=6))
def test_any_area_text_round_trips_through_series_ids(
    shared_store: Store, area: str, other: str
) -> None:
    shared_store.con.execute("DELETE FROM incidents")
    _add_incidents(
        shared_store,
        [("2024-01-10 08:15", area, "G1", 1.0), ("2024-01-11 08:15", other, "G2", 1.0)],
    )
    s = build_series(shared_store, "incidents", "D", by=["area"])
    got = {u: parse_unique_id(u) for u in s["unique_id"]}
    assert {levels["area"] for _, levels in got.values()} == {area, other}
    # capacity and the report read the ids with the same parser
    assert all(workload_parse(u) == parsed for u, parsed in got.items())
    assert set(split_unique_id(s["unique_id"])) == {area, other}
    for u, (stream, levels) in got.items():
        assert u == format_unique_id(stream, levels)


@settings(max_examples=300, deadline=None)
@given(
    levels=st.dictionaries(
        st.from_regex(r"[a-z_]{1,12}", fullmatch=True), st.text(), max_size=3
    )
)
def test_format_and_parse_are_inverse(levels: dict[str, str]) -> None:
    uid = format_unique_id("calls", levels)
    assert parse_unique_id(uid) == ("calls", levels)
    frame = pd.DataFrame({k: [v] for k, v in levels.items()})
    if levels:
        (built,) = unique_ids("calls", list(levels), frame)
        assert built == uid


def test_areas_with_slashes_round_trip_from_the_store(store: Store) -> None:
    awkward = ["N/A", "a=b", "100%2F", "x/y=z%", "Northtown"]
    _add_incidents(store, [("2024-01-10 08:15", a, "G1", 1.0) for a in awkward])
    s = build_series(store, "incidents", "D", by=["area"])
    parsed = [parse_unique_id(u) for u in s["unique_id"]]
    assert sorted(p[1]["area"] for p in parsed) == sorted(awkward)
    assert all(p[0] == "incidents" for p in parsed)
    assert "incidents/area=Northtown" in set(s["unique_id"])  # readable as before
    assert list(split_unique_id(s["unique_id"])) == list(s["area"])
