"""Cross-validation that refits the whole candidate pipeline inside every fold (no preprocessing leaks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iris_mlops.timing import Timings

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

METRICS = ("f1_macro", "accuracy", "precision_macro", "recall_macro")
Split = tuple["np.ndarray", "np.ndarray"]


@dataclass(frozen=True)
class FoldResult:
    """The scores of one fold and what fitting and predicting cost (timings are reported, never compared)."""

    fold: int
    metrics: dict[str, float]
    fit_seconds: float
    predict_seconds: float


def stratified_splits(y: Sequence[Any], *, folds: int, seed: int, repeats: int = 1) -> list[Split]:
    """Train/test index pairs of a (repeated) stratified k-fold, fixed by the seed."""
    import numpy as np
    from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold

    labels = np.asarray(y)
    zeros = np.zeros(len(labels))
    if repeats == 1:
        splitter: Any = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    else:
        splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    return [(train, test) for train, test in splitter.split(zeros, labels)]


def score(y_true: Any, y_pred: Any) -> dict[str, float]:
    """Accuracy and macro precision, recall and F1 (a class never predicted scores 0, not an error)."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)
    return {
        "f1_macro": float(f1),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision_macro": float(precision),
        "recall_macro": float(recall),
    }


def _one_fold(estimator: Any, x: pd.DataFrame, y: np.ndarray, fold: int, split: Split) -> FoldResult:
    from sklearn.base import clone

    train, test = split
    model, timings = clone(estimator), Timings()
    with timings.phase("fit"):
        model.fit(x.iloc[train], y[train])
    with timings.phase("predict"):
        predicted = model.predict(x.iloc[test])
    return FoldResult(fold, score(y[test], predicted), timings.phases["fit"], timings.phases["predict"])


def cross_validate(
    estimator: Any, x: pd.DataFrame, y: Sequence[Any], splits: Sequence[Split], *, n_jobs: int = 1
) -> list[FoldResult]:
    """Fit a fresh clone of `estimator` on each training fold and score it on the matching test fold."""
    import numpy as np

    labels = np.asarray(y)
    if n_jobs == 1:
        return [_one_fold(estimator, x, labels, i, split) for i, split in enumerate(splits)]
    from joblib import Parallel, delayed

    jobs = (delayed(_one_fold)(estimator, x, labels, i, split) for i, split in enumerate(splits))
    # Threads, not processes: on 2 cores a process pool's start-up costs more than 150-row fits (see docs).
    return list(Parallel(n_jobs=n_jobs, prefer="threads")(jobs))
