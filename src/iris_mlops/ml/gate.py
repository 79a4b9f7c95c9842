"""The relative-margin rule, written once: promotion (challenger vs champion) and the production monitor.

A candidate passes when it is not worse than the reference by more than `margin`, relative to the
reference: ``candidate >= reference × (1 − margin)`` for a higher-is-better metric. No reference
(no champion yet) passes. A candidate score that is not a finite number never passes.

`compare` is the comparison promotion and the monitor both use: the reference is the BEST of several models
scored on the same rows (the champion and the best earlier champion), so a series of models each slightly
worse than the last cannot walk the champion down: every promoted model is within `margin` of the best model
ever promoted.

`decide_promotion` is what every automatic promotion path calls: the same rule, except that a champion a
person pinned (`iris-mlops models promote`) stays champion until it is unpinned or a run is forced.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
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
    reference: str | None = None  # which model the reference score is (the best of `references`)
    references: dict[str, float] = field(default_factory=dict)  # every model compared, by name, same rows

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
    reason = f"candidate {metric} {candidate_score:.4f} vs reference {reference_score:.4f}: " + _change(
        candidate_score, reference_score, drop=drop, margin=margin, passed=passed
    )
    return GateDecision(passed, reference_score=reference_score, relative_drop=drop, reason=reason, **fields)


def compare(
    *, candidate_score: float, references: Mapping[str, float | None], margin: float, metric: str = "f1_macro"
) -> GateDecision:
    """Gate `candidate_score` against the best of `references` (name -> score on the same rows; None: absent).

    Promotion passes {"champion v3": ..., "best earlier champion v1": ...}; the monitor passes its baseline.
    A reference that is missing or not a finite number is left out; with none left the candidate passes.
    """
    scored = {name: float(score) for name, score in references.items() if score is not None and math.isfinite(score)}
    if not scored:
        return decide(candidate_score=candidate_score, reference_score=None, margin=margin, metric=metric)
    best = max(scored, key=lambda name: (scored[name], name))
    decision = decide(candidate_score=candidate_score, reference_score=scored[best], margin=margin, metric=metric)
    others = ", ".join(f"{name} {score:.4f}" for name, score in sorted(scored.items()) if name != best)
    reason = decision.reason.replace("vs reference", f"vs {best}", 1)
    reason += f" (also compared: {others})" if others else ""
    return replace(decision, reason=reason, reference=best, references=scored)


def _change(candidate: float, reference: float, *, drop: float, margin: float, passed: bool) -> str:
    """The comparison in words: better by, equal, or worse by (within or beyond the tolerated drop)."""
    if not reference:
        return f"{candidate - reference:+.4f} (absolute), {'within' if passed else 'exceeds'} the tolerated drop"
    if abs(candidate - reference) <= TOLERANCE:
        return "equal"
    if candidate > reference:
        return f"better by {-drop:.1%}"
    verdict = "within" if passed else "exceeds"
    return f"worse by {drop:.1%}, {verdict} the {margin:.1%} tolerated relative drop"


@dataclass(frozen=True)
class PromotionDecision:
    """What an automatic path (train, automl, A/B) does with a challenger, after the gate and any pin.

    `gate` is the plain score comparison; `promote` is the outcome once a person's pin has had its say.
    """

    promote: bool
    gate: GateDecision
    reason: str
    pinned: bool = False  # a pin kept the champion where a person put it
    pinned_version: str | None = None
    forced: bool = False  # --force overrode a pin

    @property
    def passed(self) -> bool:
        """Whether the challenger becomes champion (an alias of `promote`)."""
        return self.promote

    @property
    def candidate_score(self) -> float:
        return self.gate.candidate_score

    @property
    def reference_score(self) -> float | None:
        return self.gate.reference_score

    @property
    def metric(self) -> str:
        return self.gate.metric

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON and MLflow: the gate's fields, then the outcome."""
        return {**self.gate.as_dict(), "gate_passed": self.gate.passed, "passed": self.promote,
                "reason": self.reason, "pinned": self.pinned, "pinned_version": self.pinned_version,
                "forced": self.forced}


def decide_promotion(
    *,
    candidate_score: float,
    champion_score: float | None,
    margin: float,
    metric: str = "f1_macro",
    pin: Pin | None = None,
    force: bool = False,
    references: Mapping[str, float | None] | None = None,
) -> PromotionDecision:
    """The one decision every automatic path calls: the gate, unless a person pinned the champion.

    A pin keeps the champion whatever the scores say (recorded with `pinned=True`); `force` lets the gate decide
    despite a pin.
    """
    if references is None:
        gate = decide(candidate_score=candidate_score, reference_score=champion_score, margin=margin, metric=metric)
    else:  # the champion and the best earlier champion (see `compare`); `champion_score` is one of them
        gate = compare(candidate_score=candidate_score, references=references, margin=margin, metric=metric)
    if pin is None:
        return PromotionDecision(gate.passed, gate, gate.reason)
    if force:
        reason = f"pin on version {pin.version} overridden by --force; {gate.reason}"
        return PromotionDecision(gate.passed, gate, reason, pinned_version=pin.version, forced=True)
    would = "promoted" if gate.passed else "rejected"
    reason = (f"champion pinned to version {pin.version} by {pin.by} ({pin.reason}): kept; the gate alone would "
              f"have {would} it ({gate.reason}); `iris-mlops models unpin` or `train --force` lets the gate decide")
    return PromotionDecision(False, gate, reason, pinned=True, pinned_version=pin.version)


@dataclass(frozen=True)
class Pin:
    """A person's decision that the champion stays where they put it: which version, who, when and why."""

    version: str
    by: str
    at: str
    reason: str
