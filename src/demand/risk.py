"""Configurable risk grading: likelihood × impact → score → grade (MoRiLE-style)."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

__all__ = ["IMPACT_MEASURES", "RiskScheme", "grade_risk"]

IMPACT_MEASURES = ("gap_share_of_establishment", "gap_share_of_hours")
"""How impact is measured: the FTE gap over the establishment, or the hours gap
over the hours the establishment can give (the same where both are known)."""


@dataclass(frozen=True)
class RiskScheme:
    """A likelihood × impact risk matrix, as a force's own scheme sets it.

    Bands are half-open: a value `v` falls in band `1 + (number of thresholds
    ≤ v)`, so with likelihood thresholds (0.05, 0.2, ...) a probability of 0.05
    is band 2, and with impact thresholds (0, 0.02, ...) a gap of 0.02 is band 3;
    the one exception is a gap at or below the first impact threshold (no
    shortfall), which is band 1. The likelihood band is the worse of two: the
    band of P(demand > capacity) and the band of the modelled service's
    shortfall against its standard (`service_shortfall_thresholds`, in points of
    the 0-1 service level; meeting the standard is band 1). The score is
    likelihood band × impact band; a score is given the last grade whose minimum
    score it reaches.

    Args:
        likelihood_thresholds: Ascending cut-offs of the probability (0-1) that
            demand exceeds capacity; n cut-offs make n + 1 bands.
        likelihood_labels: One label per likelihood band, lowest first.
        service_shortfall_thresholds: Ascending cut-offs of the service shortfall
            (standard − modelled service, 0-1 points), one per likelihood
            cut-off; a shortfall at or below the first (standard met) is band 1.
            Empty (the default): the first n of 0, 0.02, 0.05, 0.10, 0.15, 0.20,
            ... for n likelihood cut-offs (5 points short is band 4 of 5).
        impact_measure: One of `IMPACT_MEASURES`.
        impact_thresholds: Ascending cut-offs of the gap as a fraction (0-1) of
            establishment (or of hours); a negative gap (a surplus) is band 1.
        impact_labels: One label per impact band, lowest first.
        grade_min_scores: Ascending smallest score of each grade; the first
            must be 1 (or less) so every score has a grade.
        grade_labels: One label per grade, lowest first.
        source: Where the scheme comes from.
    """

    likelihood_thresholds: tuple[float, ...] = (0.05, 0.20, 0.50, 0.80)
    likelihood_labels: tuple[str, ...] = (
        "rare",
        "unlikely",
        "possible",
        "likely",
        "almost certain",
    )
    service_shortfall_thresholds: tuple[float, ...] = ()
    impact_measure: str = "gap_share_of_establishment"
    impact_thresholds: tuple[float, ...] = (0.0, 0.02, 0.05, 0.10)
    impact_labels: tuple[str, ...] = (
        "none",
        "minor",
        "moderate",
        "major",
        "severe",
    )
    grade_min_scores: tuple[float, ...] = (1, 5, 10, 15)
    grade_labels: tuple[str, ...] = ("low", "medium", "high", "very high")
    source: str = (
        "demand's default 5×5 matrix (domain notes §1.5, §2: no national FMS "
        "scale is published; replace with the force's own)"
    )

    def __post_init__(self) -> None:
        pairs = (
            ("likelihood", self.likelihood_thresholds, self.likelihood_labels),
            ("impact", self.impact_thresholds, self.impact_labels),
        )
        for name, cuts, labels in pairs:
            if list(cuts) != sorted(cuts) or len(set(cuts)) != len(cuts):
                raise ValueError(
                    f"{name}_thresholds: expected ascending distinct numbers; "
                    f"found {list(cuts)}"
                )
            if len(labels) != len(cuts) + 1:
                raise ValueError(
                    f"{name}_labels: expected {len(cuts) + 1} labels for "
                    f"{len(cuts)} thresholds; found {len(labels)}"
                )
        service = list(self.service_cuts)
        if service != sorted(service) or len(service) != len(
            self.likelihood_thresholds
        ):
            raise ValueError(
                "service_shortfall_thresholds: expected "
                f"{len(self.likelihood_thresholds)} ascending numbers (one per "
                f"likelihood threshold); found {service}"
            )
        if self.impact_measure not in IMPACT_MEASURES:
            raise ValueError(
                f"impact_measure: expected one of {', '.join(IMPACT_MEASURES)}; "
                f"found {self.impact_measure!r}"
            )
        scores = list(self.grade_min_scores)
        if not scores or scores != sorted(scores) or scores[0] > 1:
            raise ValueError(
                "grade_min_scores: expected ascending scores starting at 1; "
                f"found {scores}"
            )
        if len(self.grade_labels) != len(scores):
            raise ValueError(
                f"grade_labels: expected {len(scores)} labels; "
                f"found {len(self.grade_labels)}"
            )

    @property
    def service_cuts(self) -> tuple[float, ...]:
        """The service-shortfall cut-offs in use (given, or the default ladder)."""
        if self.service_shortfall_thresholds:
            return tuple(self.service_shortfall_thresholds)
        n = len(self.likelihood_thresholds)
        ladder = [0.0, 0.02, 0.05, *(0.05 * k for k in range(2, n + 1))]
        return tuple(ladder[:n])

    @property
    def max_score(self) -> int:
        """The largest possible score (both bands at their top)."""
        return (len(self.likelihood_thresholds) + 1) * (len(self.impact_thresholds) + 1)

    def likelihood_band(self, probability: float) -> int:
        """Band (1 = lowest) of a probability (0-1) that demand exceeds capacity."""
        return 1 + bisect.bisect_right(self.likelihood_thresholds, probability)

    def service_band(self, shortfall: float) -> int:
        """Likelihood band (1 = lowest) of a service shortfall (standard −
        modelled service, 0-1 points); at or below the first threshold (the
        standard met) is band 1, a value on a later threshold the higher band."""
        cuts = self.service_cuts
        if shortfall <= cuts[0]:
            return 1
        return 1 + bisect.bisect_right(cuts, shortfall)

    def impact_band(self, gap_fraction: float) -> int:
        """Band (1 = lowest) of a gap as a fraction of establishment (or hours);
        a gap at or below the first threshold (no shortfall) is band 1, and a
        value on any later threshold falls in the higher band."""
        cuts = self.impact_thresholds
        if gap_fraction <= cuts[0]:
            return 1
        return 1 + bisect.bisect_right(cuts, gap_fraction)

    def grade(self, score: float) -> str:
        """The grade label of a score."""
        index = bisect.bisect_right(self.grade_min_scores, score) - 1
        return self.grade_labels[max(index, 0)]


def grade_risk(
    scheme: RiskScheme,
    probability: float,
    gap_fraction: float,
    service_shortfall: float = math.nan,
) -> dict[str, object]:
    """Grade one risk with a scheme.

    Args:
        scheme: The force's risk matrix.
        probability: Probability (0-1) that demand exceeds capacity; NaN when
            capacity is unknown.
        gap_fraction: Gap (required − establishment) as a fraction of the
            establishment (or of its hours); NaN when unknown.
        service_shortfall: Standard − modelled service with today's people
            (0-1 points; negative when the standard is beaten); NaN when the
            department's service is not modelled. The worse of its band and the
            probability's band is the likelihood.

    Returns:
        ``likelihood`` and ``impact`` bands (1 = lowest), their labels,
        ``likelihood_basis`` ("demand" or "service": which band decided),
        ``score`` (likelihood × impact) and ``grade``; every value is None (not
        graded) when the probability or the gap is missing.
    """
    if not (math.isfinite(probability) and math.isfinite(gap_fraction)):
        return {
            "likelihood": None,
            "likelihood_label": None,
            "likelihood_basis": None,
            "impact": None,
            "impact_label": None,
            "score": None,
            "grade": "not graded",
        }
    by_demand = scheme.likelihood_band(probability)
    by_service = (
        scheme.service_band(service_shortfall)
        if math.isfinite(service_shortfall)
        else 0
    )
    likelihood = max(by_demand, by_service)
    impact = scheme.impact_band(gap_fraction)
    score = likelihood * impact
    return {
        "likelihood": likelihood,
        "likelihood_label": scheme.likelihood_labels[likelihood - 1],
        "likelihood_basis": "service" if by_service > by_demand else "demand",
        "impact": impact,
        "impact_label": scheme.impact_labels[impact - 1],
        "score": score,
        "grade": scheme.grade(score),
    }
