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
    is band 2. The score is likelihood band × impact band; a score is given the
    last grade whose minimum score it reaches.

    Args:
        likelihood_thresholds: Ascending cut-offs of the probability (0-1) that
            demand exceeds capacity; n cut-offs make n + 1 bands.
        likelihood_labels: One label per likelihood band, lowest first.
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
    def max_score(self) -> int:
        """The largest possible score (both bands at their top)."""
        return (len(self.likelihood_thresholds) + 1) * (len(self.impact_thresholds) + 1)

    def likelihood_band(self, probability: float) -> int:
        """Band (1 = lowest) of a probability (0-1) that demand exceeds capacity."""
        return 1 + bisect.bisect_right(self.likelihood_thresholds, probability)

    def impact_band(self, gap_fraction: float) -> int:
        """Band (1 = lowest) of a gap as a fraction of establishment (or hours);
        a gap at or below the first threshold (no shortfall) is band 1."""
        return 1 + bisect.bisect_left(self.impact_thresholds, gap_fraction)

    def grade(self, score: float) -> str:
        """The grade label of a score."""
        index = bisect.bisect_right(self.grade_min_scores, score) - 1
        return self.grade_labels[max(index, 0)]


def grade_risk(
    scheme: RiskScheme, probability: float, gap_fraction: float
) -> dict[str, object]:
    """Grade one risk with a scheme.

    Args:
        scheme: The force's risk matrix.
        probability: Probability (0-1) that demand exceeds capacity; NaN when
            capacity is unknown.
        gap_fraction: Gap (required − establishment) as a fraction of the
            establishment (or of its hours); NaN when unknown.

    Returns:
        ``likelihood`` and ``impact`` bands (1 = lowest), their labels, ``score``
        (likelihood × impact) and ``grade``; every value is None (not graded)
        when either input is missing.
    """
    if not (math.isfinite(probability) and math.isfinite(gap_fraction)):
        return {
            "likelihood": None,
            "likelihood_label": None,
            "impact": None,
            "impact_label": None,
            "score": None,
            "grade": "not graded",
        }
    likelihood = scheme.likelihood_band(probability)
    impact = scheme.impact_band(gap_fraction)
    score = likelihood * impact
    return {
        "likelihood": likelihood,
        "likelihood_label": scheme.likelihood_labels[likelihood - 1],
        "impact": impact,
        "impact_label": scheme.impact_labels[impact - 1],
        "score": score,
        "grade": scheme.grade(score),
    }
