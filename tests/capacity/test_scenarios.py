"""Scenarios: layered on the baseline, never changing it, and repeatable."""

from __future__ import annotations

import pandas as pd
import pytest
from capacity_helpers import MIXES, SCENARIOS, make_forecasts

from demand.capacity.assumptions import AssumptionsError
from demand.capacity.scenarios import (
    Scenario,
    apply_scenario,
    compare_scenarios,
    load_scenario,
)
from demand.capacity.workload import (
    demand_lines,
    department_workload,
    line_hours,
    productive_hours_per_fte,
)


@pytest.fixture(scope="module")
def baseline(assumptions):
    return demand_lines(make_forecasts(0.1), assumptions, MIXES)


def _hours(lines, assumptions):
    frame = department_workload(line_hours(lines, assumptions), assumptions)
    return frame.set_index(["department", "financial_year"])["hours_mean"]


@pytest.fixture(scope="module")
def scenarios():
    return {p.stem: load_scenario(p) for p in sorted(SCENARIOS.glob("*.toml"))}


def test_shipped_scenarios_load(scenarios):
    assert set(scenarios) >= {
        "rcrp_phase2",
        "population_growth",
        "attend_every_burglary",
        "overflow_calls",
    }
    for name, scenario in scenarios.items():
        assert scenario.name == name and scenario.description


def test_a_scenario_never_changes_the_baseline(baseline, assumptions, scenarios):
    before = baseline.copy(deep=True)
    for scenario in scenarios.values():
        apply_scenario(baseline, assumptions, scenario)
    pd.testing.assert_frame_equal(baseline, before)
    assert assumptions.abstractions.sickness_fraction == 0.055


def test_the_same_scenario_twice_gives_identical_results(
    baseline, assumptions, scenarios
):
    for scenario in scenarios.values():
        first, a1 = apply_scenario(baseline, assumptions, scenario)
        second, a2 = apply_scenario(baseline, assumptions, scenario)
        pd.testing.assert_frame_equal(first, second)
        pd.testing.assert_series_equal(_hours(first, a1), _hours(second, a2))


def test_rcrp_phase2_takes_30_percent_of_mental_health_hours_from_response(
    baseline, assumptions, scenarios
):
    lines, new = apply_scenario(baseline, assumptions, scenarios["rcrp_phase2"])
    change = _hours(lines, new) - _hours(baseline, assumptions)
    mh = baseline[
        (baseline["line"] == "mental_health") & (baseline["ds"] >= "2027-04-01")
    ]
    mh_hours = mh.assign(
        fy=mh["ds"].dt.year.where(mh["ds"].dt.month >= 4, mh["ds"].dt.year - 1)
    )
    expected = (
        -0.3 * (mh_hours["mean"] * mh_hours["unit_hours"]).groupby(mh_hours["fy"]).sum()
    )
    response = change.xs("response")
    assert response["2026/27"] == 0.0
    for year, value in expected.items():
        assert response[f"{year}/{(year + 1) % 100:02d}"] == pytest.approx(value)
    assert (change.drop("response", level=0) == 0).all()


def test_population_growth_raises_every_department_after_its_date(
    baseline, assumptions, scenarios
):
    lines, new = apply_scenario(baseline, assumptions, scenarios["population_growth"])
    change = _hours(lines, new) - _hours(baseline, assumptions)
    assert (change.xs("2027/28", level=1) > 0).all()
    later = change.xs("2029/30", level=1) / _hours(baseline, assumptions).xs(
        "2029/30", level=1
    )
    assert later["investigation"] == pytest.approx(1.015**3.5 - 1, rel=0.15)


def test_attending_every_burglary_adds_response_hours(baseline, assumptions, scenarios):
    scenario = scenarios["attend_every_burglary"]
    lines, new = apply_scenario(baseline, assumptions, scenario)
    change = _hours(lines, new) - _hours(baseline, assumptions)
    burglary = baseline[
        (baseline["line"] == "crimes/offence_group=Residential burglary")
        & (baseline["ds"] >= "2026-10-01")
        & (baseline["ds"] < "2027-04-01")
    ]
    assert change[("response", "2026/27")] == pytest.approx(
        0.35 * 2.5 * burglary["mean"].sum()
    )
    assert change[("investigation", "2026/27")] == 0


def test_overflowing_101_calls_moves_work_to_a_digital_desk(
    baseline, assumptions, scenarios
):
    lines, new = apply_scenario(baseline, assumptions, scenarios["overflow_calls"])
    desk = lines[lines["line"] == "diverted/calls/line=101"]
    calls = baseline[baseline["line"] == "calls/line=101"]
    assert desk["mean"].sum() == pytest.approx(0.2 * calls["mean"].sum())
    assert (desk["department"] == "control_room").all()
    left = lines[lines["line"] == "calls/line=101"]["mean"].sum()
    assert left == pytest.approx(0.8 * calls["mean"].sum())


def test_abstraction_and_call_line_overrides(baseline, assumptions, tmp_path):
    path = tmp_path / "sick.toml"
    path.write_text(
        'name = "sick"\ndescription = "more sickness, slower 999"\n'
        "[abstractions]\nsickness_fraction = 0.08\n"
        '[call_lines."999"]\naht_seconds = 300.0\nsource = "test"\n',
        encoding="utf-8",
    )
    _, new = apply_scenario(baseline, assumptions, load_scenario(path))
    assert new.abstractions.sickness_fraction == 0.08
    assert new.call_lines["999"].aht_seconds == 300.0
    assert new.call_lines["999"].target_seconds == 10.0
    assert assumptions.call_lines["999"].aht_seconds == 270.0


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('name = "x"\ndescription = "y"\nbudget = 1\n', "budget"),
        (
            'name = "x"\ndescription = "y"\n[[demand]]\nstream = "calls"\n'
            'start_date = 2026-04-01\nsource = "s"\nmultiplyer = 2.0\n',
            "demand[0].multiplyer",
        ),
        (
            'name = "x"\ndescription = "y"\n[abstractions]\nholiday_fraction = 0.1\n',
            "abstractions.holiday_fraction",
        ),
        ('description = "y"\n', "name"),
    ],
)
def test_scenario_errors_name_file_and_key(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AssumptionsError) as error:
        load_scenario(path)
    assert str(path) in str(error.value) and key in str(error.value)


def test_comparison_puts_baseline_first_and_zero_changes_for_it():
    base = pd.DataFrame(
        {
            "department": ["response"],
            "financial_year": ["2026/27"],
            "basis": ["workload"],
            "demand": [10.0],
            "hours_mean": [5.0],
            "fte_mean": [1.0],
            "gap_fte": [0.5],
            "gap_cost_gbp": [9.0],
            "service_level": [float("nan")],
        }
    )
    other = base.assign(hours_mean=7.0, fte_mean=1.4)
    out = compare_scenarios(base, {"more": other})
    assert list(out["scenario"]) == ["baseline", "more"]
    assert out.loc[0, "hours_mean_change"] == 0
    assert out.loc[1, "hours_mean_change"] == 2.0
    assert out.loc[1, "fte_mean_change"] == pytest.approx(0.4)


def test_an_empty_scenario_changes_nothing(baseline, assumptions):
    lines, new = apply_scenario(
        baseline, assumptions, Scenario(name="none", description="nothing")
    )
    pd.testing.assert_frame_equal(lines, baseline)
    assert new == assumptions


def test_higher_sickness_leaves_fewer_productive_hours(
    baseline, assumptions, scenarios
):
    _, new = apply_scenario(baseline, assumptions, scenarios["higher_sickness"])
    # 2,080 h × (1 − 0.264 abstracted) × 0.875 on-duty productive = 1,339.5 h.
    assert productive_hours_per_fte(new) == pytest.approx(1339.52)
    assert productive_hours_per_fte(assumptions) == pytest.approx(1410.5)


def test_scenarios_show_each_department_on_the_people_tables_basis():
    # Issue 15 finding 12: response needed 479.7 FTE in the People table (cover)
    # and 404.0 in the scenarios baseline (workload), unexplained.
    import pandas as pd

    from demand.report.sections import capacity_view, scenario_view

    rows = []
    for scenario, extra in (("baseline", 0.0), ("growth", 10.0)):
        for dept, basis, fte in (
            ("response", "workload", 404.0),
            ("response", "cover", 479.7),
            ("investigation", "workload", 300.0),
        ):
            rows.append(
                {
                    "scenario": scenario,
                    "department": dept,
                    "financial_year": "2026/27",
                    "basis": basis,
                    "fte_mean": fte + extra,
                }
            )
    scenarios = pd.DataFrame(rows)
    capacity = scenarios[scenarios["scenario"] == "baseline"].drop(columns="scenario")
    for column in (
        "fte_lo_80 fte_hi_80 fte_demand fte_other_work fte_fixed fte_supervision "
        "establishment_fte gap_fte gap_hours gap_cost_gbp p_demand_exceeds_capacity "
        "service_level"
    ).split():
        capacity[column] = 0.0
    people, _ = capacity_view(capacity)
    chart, _, table = scenario_view(scenarios, ())
    response = people.set_index("department").loc["response"]
    assert response["basis"] == "cover"
    shown = chart.set_index("department").loc["response"]
    assert shown["basis"] == "cover" and shown["fte_mean"] == 479.7 + 10.0
    assert "479.7" in table and "404.0" not in table
    assert "cover" in table


def test_missing_or_bad_scenario_file_is_one_sentence_naming_it(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(AssumptionsError, match=f"{missing}: file not found"):
        load_scenario(missing)
    bad = tmp_path / "bad.toml"
    bad.write_text("name = ", encoding="utf-8")
    with pytest.raises(AssumptionsError, match="bad.toml: not valid TOML"):
        load_scenario(bad)
