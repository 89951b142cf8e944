"""The `[partner]` assumptions table: which agency demand sits best with, and how."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["AGENCIES", "PartnerAssumptions"]

AGENCIES = ("health", "social_care", "ambulance", "other")
"""Agencies police demand may sit best with; demand mapped to none stays police."""


@dataclass(frozen=True)
class PartnerAssumptions:
    """How partner demand is measured: the agency map and the counterfactual.

    An incident is given to one agency at most, by the first map that names it:
    its RCRP category (mental-health extract), then its opening category, then
    its qualifiers in the order listed. An incident no map names stays police
    demand and is not counted as partner demand.

    Args:
        rcrp_categories: RCRP category → agency.
        incident_categories: Opening category of an incident → agency.
        qualifiers: Incident qualifier flag → agency (first listed wins).
        rcrp_qualifier: The qualifier flag that marks an incident as handled
            under Right Care Right Person.
        baseline_months: Whole months before go-live on which pre-go-live
            practice is fitted (0 = every month before go-live).
        bootstrap_draws: Resamples of those months for the uncertainty.
        random_state: Seed of the resampling (same seed, same intervals).
        forecast_months: Months ahead forecast for each agency's incidents.
        phase_dates: Go-live dates of later RCRP phases already in the data;
            each phase's hours returned are measured against the practice of
            the months between the previous date and it.
        phase_scenarios: Scenario files (relative to the assumptions file) whose
            `divert` entries on `mental_health` are planned RCRP phases: the
            hours each would return are projected with the same machinery.
        source: Where the map and the choices come from.
    """

    rcrp_categories: dict[str, str] = field(default_factory=dict)
    incident_categories: dict[str, str] = field(default_factory=dict)
    qualifiers: dict[str, str] = field(default_factory=dict)
    rcrp_qualifier: str = "RCRP"
    baseline_months: int = 24
    bootstrap_draws: int = 2000
    random_state: int = 0
    forecast_months: int = 12
    phase_dates: tuple[date, ...] = ()
    phase_scenarios: tuple[str, ...] = ()
    source: str = "demand's default: no agency map (set [partner] for the force)"

    def __post_init__(self) -> None:
        for table in ("rcrp_categories", "incident_categories", "qualifiers"):
            for key, agency in getattr(self, table).items():
                if agency not in AGENCIES:
                    raise ValueError(
                        f"{table}.{key}: expected one of "
                        f"{', '.join(AGENCIES)}; found {agency!r}"
                    )
        for name in ("baseline_months", "forecast_months"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: expected a number >= 0")
        if self.bootstrap_draws < 100:
            raise ValueError(
                "bootstrap_draws: expected at least 100 resamples; "
                f"found {self.bootstrap_draws}"
            )

    @property
    def has_agency_map(self) -> bool:
        """Whether any category or qualifier is mapped to an agency."""
        return bool(self.rcrp_categories or self.incident_categories or self.qualifiers)
