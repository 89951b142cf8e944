"""The assumptions loader: typed, frozen, and errors that name the file and key."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest
from capacity_helpers import NORTHSHIRE

from demand.capacity.assumptions import (
    AssumptionsError,
    load_assumptions,
    parse_assumptions,
)
from demand.schemas import DEPARTMENTS, GRADES


def _write(tmp_path, text: str):
    path = tmp_path / "force.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _northshire_text() -> str:
    return NORTHSHIRE.read_text(encoding="utf-8")


def test_northshire_assumptions_load_with_sources_and_units(assumptions):
    assert assumptions.force == "Northshire"
    assert set(assumptions.unit_times) == set(GRADES)
    assert assumptions.call_lines["999"].target_seconds == 10
    assert assumptions.call_lines["999"].service_level == 0.90
    assert assumptions.attendance.g1_urban_minutes == 15
    assert assumptions.attendance.g1_rural_minutes == 20
    assert assumptions.attendance.g2_minutes == 60
    assert set(assumptions.costs.cost_per_fte_gbp) == set(DEPARTMENTS)
    assert assumptions.abstractions.total_fraction == pytest.approx(0.225)
    assert len(assumptions.shift_pattern.officers_by_hour_of_week()) == 168
    # Every table carries a source note.
    for table in (
        assumptions.workforce,
        assumptions.abstractions,
        assumptions.mental_health,
        assumptions.attendance,
        assumptions.response,
        assumptions.costs,
        assumptions.shift_pattern,
        *assumptions.unit_times.values(),
        *assumptions.investigation.values(),
    ):
        assert table.source.strip()
    with pytest.raises(dataclasses.FrozenInstanceError):
        assumptions.force = "Other"  # type: ignore[misc]


def test_unknown_key_names_file_and_key(tmp_path):
    text = _northshire_text().replace(
        "training_fraction = 0.04", "training_fraction = 0.04\ncoffee_fraction = 0.1"
    )
    path = _write(tmp_path, text)
    with pytest.raises(AssumptionsError) as error:
        load_assumptions(path)
    assert str(path) in str(error.value)
    assert "abstractions.coffee_fraction" in str(error.value)
    assert "unknown key" in str(error.value)


def test_missing_key_names_file_and_key(tmp_path):
    text = _northshire_text().replace("g2_minutes = 60.0\n", "")
    path = _write(tmp_path, text)
    with pytest.raises(AssumptionsError, match=r"force\.toml: attendance\.g2_minutes"):
        load_assumptions(path)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("sickness_fraction = 0.055", "sickness_fraction = 3", "abstractions.sickness"),
        ("sickness_fraction = 0.055", 'sickness_fraction = "3%"', "abstractions.sick"),
        ('department = "neighbourhood"', 'department = "cid"', "unit_times.G4.depart"),
        ("compliance_fraction = 0.90", "compliance_fraction = 90.0", "attendance.comp"),
        (
            "annual_leave_fraction = 0.12",
            "annual_leave_fraction = 0.92",
            "abstractions",
        ),
    ],
)
def test_bad_values_name_file_and_key(tmp_path, old, new, key):
    path = _write(tmp_path, _northshire_text().replace(old, new, 1))
    with pytest.raises(AssumptionsError) as error:
        load_assumptions(path)
    assert str(path) in str(error.value) and key in str(error.value)


def test_missing_file_and_bad_toml_are_one_sentence(tmp_path):
    with pytest.raises(AssumptionsError, match="file not found"):
        load_assumptions(tmp_path / "nope.toml")
    with pytest.raises(AssumptionsError, match="not valid TOML"):
        load_assumptions(_write(tmp_path, "force = "))


def test_shift_pattern_needs_exactly_one_form():
    data = tomllib.loads(_northshire_text())
    data["shift_pattern"]["officers_on_duty_by_hour_of_week"] = [10.0] * 168
    with pytest.raises(AssumptionsError, match="exactly one"):
        parse_assumptions(data)
    del data["shift_pattern"]["shifts"]
    assert parse_assumptions(data).shift_pattern.officers_by_hour_of_week()[0] == 10


def test_shifts_sum_hour_by_hour_across_midnight_and_the_week_end(assumptions):
    rostered = assumptions.shift_pattern.officers_by_hour_of_week()
    # Nights 22:00-07:00 (46), lates 15:00-01:00 (60), earlies 07:00-17:00 (62).
    assert rostered[0] == 60 + 46  # Monday 00:00: Sunday's late and night
    assert rostered[3] == 46
    assert rostered[7] == 62
    assert rostered[15] == 62 + 60
    assert rostered[167] == 60 + 46  # Sunday 23:00
    assert sum(rostered) == 7 * (62 * 10 + 60 * 10 + 46 * 9)
