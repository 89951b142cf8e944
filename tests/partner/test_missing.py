"""A force without RCRP data, a go-live date or some fields: said, never invented."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from demand.capacity.workload import productive_hours_per_fte
from demand.ingest import ingest
from demand.partner.build import build_partner_demand
from demand.partner.read import field_status
from demand.store import Store

# Thirty mental-health incidents from a force whose extract has no officer hours
# and no S136 flag: only the incident, its time, its area and attendance.
ADAPTER = """
stream = "mental_health"
glob = "mh*.csv"
datetime_formats = ["%d/%m/%Y %H:%M"]

[columns]
incident_id = "Ref"
created_at = "Created"
area = "Area"
police_attended = "Attended"

[values.police_attended]
"Y" = true
"N" = false
"""


@pytest.fixture
def thin_store(tmp_path: Path) -> Path:
    """A store whose mental-health extract lacks hours, S136 and RCRP fields."""
    raw = tmp_path / "raw"
    raw.mkdir()
    lines = ["Ref,Created,Area,Attended"]
    for i in range(30):
        month = 5 + i // 10  # May, June and July 2023
        lines.append(
            f"MH{i:03d},{1 + i % 10:02d}/{month:02d}/2023 10:00,East,{'YN'[i % 3 == 0]}"
        )
    (raw / "mh_2023.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "thin.toml").write_text(ADAPTER, encoding="utf-8")
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        assert ingest(store, [raw], adapter=str(tmp_path / "thin.toml")).ok
    return db


def _numbers(table: pd.DataFrame, measure: str) -> pd.Series:
    return table.loc[table["measure"] == measure, "value"]


def test_no_rcrp_date_measures_no_hours_returned(northshire, assumptions) -> None:
    with Store(northshire.db, read_only=True) as store:
        result = build_partner_demand(store, assumptions.partner, None, 1456.0)
    assert result.returned.empty and result.before is None and result.phases.empty
    assert "no RCRP go-live date" in result.rcrp_note
    assert any("no RCRP go-live date" in s for s in result.sentences)
    assert not any("below pre-go-live practice" in s for s in result.sentences)
    table = result.table()
    returned = table[table["section"] == "hours_returned"]
    assert len(returned) == 1 and returned["value"].isna().all()
    assert "no RCRP go-live date" in returned["note"].iloc[0]
    assert not (table["section"] == "cumulative_hours_returned").any()
    # what the store does hold is still measured
    assert _numbers(table, "mental_health_incidents").sum() > 0


def test_a_store_without_mental_health_data_says_so(store: Store, assumptions) -> None:
    result = build_partner_demand(
        store,
        assumptions.partner,
        assumptions.mental_health.rcrp_date,
        productive_hours_per_fte(assumptions),
    )
    assert result.measures.empty and result.returned.empty and result.agencies.empty
    assert "no mental-health incidents" in result.rcrp_note
    assert result.sentences[0].startswith("No mental-health incidents are in the store")
    table = result.table()
    assert table["value"].isna().all()  # not one figure invented
    assert table["note"].str.contains("no mental-health incidents").all()


def test_fields_missing_from_the_extract_are_null_with_a_reason(
    thin_store: Path, assumptions
) -> None:
    partner = dataclasses.replace(assumptions.partner, rcrp_categories={})
    with Store(thin_store, read_only=True) as store:
        fields = field_status(store, "RCRP")
        result = build_partner_demand(
            store, partner, assumptions.mental_health.rcrp_date, 1456.0
        )
    assert fields["police_attended"] is None and fields["area"] is None
    for name in ("officer_hours", "s136", "rcrp_qualifier", "rcrp_category"):
        assert fields[name].startswith("not in this force's extract"), name
    m = result.measures
    assert m["officer_hours"].isna().all()  # null, never zero
    assert m["s136_detentions"].isna().all()
    assert m["rcrp_qualifier_fraction"].isna().all()
    force = m[m["area"] == "force"].set_index("month")
    assert force["mental_health_incidents"].tolist() == [10.0, 10.0, 10.0]
    assert force["police_attended_fraction"].round(2).tolist() == [0.6, 0.7, 0.7]
    assert set(result.unavailable) >= {
        "officer_hours",
        "officer_hours_per_incident",
        "s136_detentions",
        "s136_police_conveyance_fraction",
        "s136_under_18_fraction",
        "rcrp_qualifier_fraction",
    }
    assert "officer hours are not in this force's extract" in result.rcrp_note
    table = result.table()
    hours = table[table["measure"] == "officer_hours"]
    assert len(hours) == 1 and hours["value"].isna().all()
    assert hours["note"].iloc[0].startswith("not in this force's extract")
