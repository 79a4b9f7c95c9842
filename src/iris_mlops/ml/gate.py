"""The relative-margin rule, written once: promotion (challenger vs champion) and the production monitor.

A candidate passes when it is not worse than the reference by more than `margin`, relative to the
reference: ``candidate >= reference × (1 − margin)`` for a higher-is-better metric. No reference
(no champion yet) passes. A candidate score that is not a finite number never passes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

# Scores are averages of small counts: a few ulps of rounding must not flip a decision at the boundary.
TOLERANCE = 1e-12


@dataclass(frozen=True)
class GateDecision:
    """The outcome of `decide`, with both scores and a reason fit to print and to log."""

    passed: bool
    metric: str
    candidate_score: float
    reference_score: float | None
    margin: float
    relative_drop: float | None  # (reference − candidate) / reference; negative when the candidate is better
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON and MLflow."""
        return asdict(self)


def decide(
    *, candidate_score: float, reference_score: float | None, margin: float, metric: str = "f1_macro"
) -> GateDecision:
    """Apply the relative-margin rule to a higher-is-better `metric`.

    Args:
        candidate_score: the challenger's score (or the production model's current score, for the monitor).
        reference_score: the champion's score on the same data (or the baseline); None when there is none.
        margin: the largest tolerated relative drop, e.g. 0.05 for 5 %.
        metric: the metric's name, for the reason.
    """
    if not 0 <= margin < 1:
        raise ValueError(f"margin must be in [0, 1), got {margin}")
    fields: dict[str, Any] = {"metric": metric, "candidate_score": candidate_score, "margin": margin}
    if not math.isfinite(candidate_score):
        return GateDecision(False, reference_score=reference_score, relative_drop=None,
                            reason=f"candidate {metric} is {candidate_score}, not a number", **fields)
    if reference_score is None or not math.isfinite(reference_score):
        return GateDecision(True, reference_score=reference_score, relative_drop=None,
                            reason=f"no reference {metric} to compare with: candidate {metric} {candidate_score:.4f}",
                            **fields)
    drop = (reference_score - candidate_score) / reference_score if reference_score else 0.0
    passed = candidate_score >= reference_score * (1 - margin) - TOLERANCE
    verdict = "within" if passed else "exceeds"
    change = f"{-drop:+.2%}" if reference_score else f"{candidate_score - reference_score:+.4f} (absolute)"
    reason = (
        f"candidate {metric} {candidate_score:.4f} vs reference {reference_score:.4f} ({change}): "
        f"{verdict} the {margin:.1%} tolerated relative drop"
    )
    return GateDecision(passed, reference_score=reference_score, relative_drop=drop, reason=reason, **fields)
