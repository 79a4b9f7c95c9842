"""Model performance per window against the champion's hold-out metrics, with the promotion gate's rule.

Metrics come from the window's confusion counts (labels × predicted classes, from the predictions table),
with scikit-learn's definitions (macro averages over the configured classes, 0 where a ratio is 0/0).
Each metric is compared with the champion's logged hold-out value by `iris_mlops.ml.gate.decide`, the same
relative rule as promotion. A window is degraded when any metric fails; an alert needs `k` degraded windows
among the last `n` (this one included), so one noisy window warns but does not alert.
The label-free estimate is CBPE's expected accuracy: the mean of the model's top class probability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from iris_mlops.ml.gate import GateDecision, decide

METRICS = ("accuracy", "precision_macro", "recall_macro", "f1_macro")


@dataclass(frozen=True)
class PerformanceResult:
    """One window's metrics, each metric's gate decision, and the k-of-n verdict."""

    rows: int
    metrics: dict[str, float]
    decisions: tuple[GateDecision, ...]
    degraded: bool
    degraded_windows: int  # among the last n, this one included
    window_count: int  # how many windows that count covers (at most n)
    alert: bool
    expected_accuracy: float | None = None
    expected_decision: GateDecision | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain data for --json and the runs table."""
        return {"rows": self.rows, "metrics": self.metrics, "degraded": self.degraded, "alert": self.alert,
                "degraded_windows": self.degraded_windows, "window_count": self.window_count,
                "expected_accuracy": self.expected_accuracy,
                "decisions": [d.as_dict() for d in self.decisions],
                "expected_decision": self.expected_decision.as_dict() if self.expected_decision else None}


def metrics_from_confusion(confusion: Mapping[tuple[str, str], int], classes: Sequence[str]) -> dict[str, float]:
    """Accuracy and macro precision, recall and F1 from (label, predicted) counts, as scikit-learn computes them."""
    total = sum(confusion.values())
    correct = sum(confusion.get((c, c), 0) for c in classes)
    precision, recall, f1 = [], [], []
    for c in classes:
        tp = confusion.get((c, c), 0)
        predicted = sum(confusion.get((other, c), 0) for other in classes)
        actual = sum(confusion.get((c, other), 0) for other in classes)
        precision.append(tp / predicted if predicted else 0.0)
        recall.append(tp / actual if actual else 0.0)
        f1.append(2 * tp / (predicted + actual) if predicted + actual else 0.0)
    n = len(classes)
    return {"accuracy": correct / total if total else float("nan"), "precision_macro": sum(precision) / n,
            "recall_macro": sum(recall) / n, "f1_macro": sum(f1) / n}


def evaluate_performance(
    confusion: Mapping[tuple[str, str], int], *, classes: Sequence[str], baseline: Mapping[str, float],
    margin: float, past_degraded: Sequence[bool], degraded_windows: int, window_history: int,
    expected_accuracy: float | None = None,
) -> PerformanceResult | None:
    """The window's performance verdict, or None when no scored row carries a label."""
    rows = sum(confusion.values())
    if rows == 0:
        return None
    metrics = metrics_from_confusion(confusion, classes)
    decisions = tuple(decide(candidate_score=metrics[m], reference_score=baseline.get(m), margin=margin, metric=m)
                      for m in METRICS)
    degraded = not all(d.passed for d in decisions)
    recent = [degraded, *past_degraded][:window_history]
    count = sum(recent)
    expected = None
    if expected_accuracy is not None:
        expected = decide(candidate_score=expected_accuracy, reference_score=baseline.get("accuracy"), margin=margin,
                          metric="expected_accuracy")
    return PerformanceResult(rows, metrics, decisions, degraded, count, len(recent), count >= degraded_windows,
                             expected_accuracy, expected)
