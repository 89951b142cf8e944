"""The risk matrix: bands at their boundaries, monotone scores, a force's own scheme."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from demand.capacity.assumptions import AssumptionsError, parse_assumptions
from demand.risk import RiskScheme, grade_risk

ROOT = Path(__file__).resolve().parents[1]
NORTHSHIRE = ROOT / "pipelines" / "assumptions" / "northshire.toml"


def test_default_scheme_is_five_by_five_with_half_open_bands() -> None:
    scheme = RiskScheme()
    assert scheme.max_score == 25
    assert scheme.likelihood_band(0.0) == 1
    assert scheme.likelihood_band(0.05) == 2  # a cut-off starts the next band
    assert scheme.likelihood_band(0.99) == 5
    assert scheme.impact_band(-0.3) == 1  # a surplus has no impact
    assert scheme.impact_band(0.0) == 1
    assert scheme.impact_band(0.01) == 2
    assert scheme.impact_band(0.5) == 5
    assert grade_risk(scheme, 0.9, 0.2)["grade"] == "very high"
    assert grade_risk(scheme, 0.0, -1.0)["grade"] == "low"
    assert grade_risk(scheme, float("nan"), 0.1)["grade"] == "not graded"


def test_more_likely_or_bigger_gaps_never_lower_the_score() -> None:
    scheme = RiskScheme()
    grid = [i / 20 for i in range(21)]
    for gap in (-0.1, 0.01, 0.07, 0.3):
        scores = [grade_risk(scheme, p, gap)["score"] for p in grid]
        assert scores == sorted(scores)
    for p in (0.0, 0.3, 0.9):
        scores = [grade_risk(scheme, p, g - 0.2)["score"] for g in grid]
        assert scores == sorted(scores)


def test_a_force_plugs_in_its_own_matrix_in_the_assumptions_file() -> None:
    data = tomllib.loads(NORTHSHIRE.read_text(encoding="utf-8"))
    data["risk"] = {
        "likelihood_thresholds": [0.25, 0.5, 0.75],
        "likelihood_labels": ["low", "medium", "high", "very high"],
        "impact_thresholds": [0.0, 0.05, 0.1],
        "impact_labels": ["none", "some", "serious", "critical"],
        "grade_min_scores": [1, 4, 9],
        "grade_labels": ["green", "amber", "red"],
        "source": "Fife CSP style 4x4 (domain notes §1.5)",
    }
    scheme = parse_assumptions(data).risk
    assert scheme.max_score == 16
    assert grade_risk(scheme, 0.8, 0.2)["grade"] == "red"
    assert grade_risk(scheme, 0.3, 0.02)["grade"] == "amber"


def test_a_bad_matrix_names_the_key() -> None:
    data = tomllib.loads(NORTHSHIRE.read_text(encoding="utf-8"))
    data["risk"] = {"grade_labels": ["low"]}
    with pytest.raises(AssumptionsError, match="risk.grade_labels: expected 4"):
        parse_assumptions(data)


def test_a_gap_on_an_impact_threshold_falls_in_the_higher_band() -> None:
    # Issue 15 finding 11: docs/assumptions.md says a value on a threshold falls
    # in the higher band; impact put it in the lower one.
    scheme = RiskScheme()
    assert scheme.impact_band(0.02) == 3
    assert scheme.impact_band(0.05) == 4
    assert scheme.impact_band(0.10) == 5
    assert scheme.impact_band(0.0) == 1  # no shortfall stays band 1


def test_modelled_service_below_standard_raises_the_likelihood() -> None:
    # Issue 15 finding 5: P(demand > capacity) alone graded response low while
    # modelled G1 attendance with the roster was 0.799 against 0.90.
    scheme = RiskScheme()
    demand_only = grade_risk(scheme, 0.01, 0.03)
    assert demand_only["likelihood"] == 1
    served = grade_risk(scheme, 0.01, 0.03, service_shortfall=0.90 - 0.799)
    assert served["likelihood"] == 5
    assert served["likelihood_basis"] == "service"
    assert served["score"] > demand_only["score"]
    met = grade_risk(scheme, 0.01, 0.03, service_shortfall=0.90 - 0.95)
    assert met["likelihood"] == 1 and met["likelihood_basis"] == "demand"
    # The worse decides: a likely exceedance is not softened by good service.
    assert grade_risk(scheme, 0.9, 0.03, service_shortfall=-0.05)["likelihood"] == 5


def test_service_thresholds_must_match_the_likelihood_bands() -> None:
    with pytest.raises(ValueError, match="service_shortfall_thresholds"):
        RiskScheme(service_shortfall_thresholds=(0.0, 0.05))
