"""Classification metrics and the two charts every training run logs (headless matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PRIMARY_METRIC = "f1_macro"


def classification_metrics(y_true: Sequence[Any], y_pred: Sequence[Any], *, labels: Sequence[str]) -> dict[str, float]:
    """Accuracy, macro and weighted precision/recall/F1, and per-class precision/recall/F1."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    metrics = {"accuracy": float(accuracy_score(y_true, y_pred))}
    for average in ("macro", "weighted"):
        precision, recall, f1, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=list(labels), average=average, zero_division=0
        )
        metrics |= {f"precision_{average}": float(precision), f"recall_{average}": float(recall)}
        metrics[f"f1_{average}"] = float(f1)
    per_class = precision_recall_fscore_support(y_true, y_pred, labels=list(labels), average=None, zero_division=0)
    for name, values in zip(("precision", "recall", "f1"), per_class[:3], strict=True):
        metrics |= {f"{name}_{label}": float(value) for label, value in zip(labels, values, strict=True)}
    return metrics


def classification_report(y_true: Sequence[Any], y_pred: Sequence[Any], *, labels: Sequence[str]) -> dict[str, Any]:
    """scikit-learn's per-class report as a dict (logged as JSON)."""
    from sklearn.metrics import classification_report as report

    result: dict[str, Any] = report(y_true, y_pred, labels=list(labels), output_dict=True, zero_division=0)
    return result


def confusion_matrix_figure(y_true: Sequence[Any], y_pred: Sequence[Any], *, labels: Sequence[str]) -> Figure:
    """Counts of true (rows) versus predicted (columns) species on the held-out rows."""
    from matplotlib.figure import Figure
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(y_true, y_pred, labels=list(labels))
    figure = Figure(figsize=(4.5, 4))
    axes = figure.subplots()
    axes.imshow(matrix, cmap="Blues")
    for (row, col), count in np.ndenumerate(matrix):
        colour = "white" if count > matrix.max() / 2 else "black"
        axes.text(col, row, str(count), ha="center", va="center", color=colour)
    axes.set(xticks=range(len(labels)), yticks=range(len(labels)), xticklabels=labels, yticklabels=labels,
             xlabel="predicted species", ylabel="true species", title="Confusion matrix (held-out rows)")
    figure.tight_layout()
    return figure


def importances_figure(names: Sequence[str], importances: Sequence[float]) -> Figure:
    """Horizontal bars, most important feature on top."""
    from matplotlib.figure import Figure

    order = np.argsort(importances)
    figure = Figure(figsize=(6, 0.3 * len(names) + 1.2))
    axes = figure.subplots()
    axes.barh([names[i] for i in order], [importances[i] for i in order], color="#4c72b0")
    axes.set(xlabel="importance (mean decrease in impurity)", title="Feature importances")
    figure.tight_layout()
    return figure


def feature_importances(model: Any) -> tuple[list[str], list[float]] | None:
    """(names, importances) of a fitted `build_pipeline` model whose classifier exposes them, else None."""
    classifier = model.named_steps["classifier"]
    values = getattr(classifier, "feature_importances_", None)
    if values is None:
        return None
    names = [str(n) for n in model.named_steps["features"].get_feature_names_out()]
    return names, [float(v) for v in values]
