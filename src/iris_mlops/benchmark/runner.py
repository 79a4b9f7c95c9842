"""Run the benchmark: every configured model, default settings, the same repeated stratified folds."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iris_mlops.automl.catalog import make_estimator, model_label
from iris_mlops.automl.cv import METRICS, FoldResult, Split, cross_validate

if TYPE_CHECKING:
    import pandas as pd

PipelineFactory = Callable[[Any], Any]


@dataclass(frozen=True)
class ModelScores:
    """One model's fold results under the shared splits."""

    model: str
    folds: tuple[FoldResult, ...]

    def record(self) -> dict[str, Any]:
        """A leaderboard row: mean and std of every metric, mean fit and predict time per fold."""
        row: dict[str, Any] = {"model": self.model, "label": model_label(self.model), "folds": len(self.folds)}
        for metric in METRICS:
            values = [f.metrics[metric] for f in self.folds]
            row[f"{metric}_mean"] = statistics.fmean(values)
            row[f"{metric}_std"] = statistics.pstdev(values)
        row["fit_seconds_mean"] = statistics.fmean(f.fit_seconds for f in self.folds)
        row["predict_seconds_mean"] = statistics.fmean(f.predict_seconds for f in self.folds)
        return row


def run_benchmark(
    x: pd.DataFrame,
    y: Sequence[Any],
    splits: Sequence[Split],
    *,
    models: Sequence[str],
    build: PipelineFactory,
    seed: int,
    n_jobs: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[ModelScores]:
    """Cross-validate each model (its defaults, seeded) inside the shared candidate pipeline.

    `on_progress(folds_done, folds_total)` is called after each model's folds.
    """
    total, scores = len(models) * len(splits), []
    for name in models:
        folds = cross_validate(build(make_estimator(name, seed=seed)), x, y, splits, n_jobs=n_jobs)
        scores.append(ModelScores(name, tuple(folds)))
        if on_progress is not None:
            on_progress(len(scores) * len(splits), total)
    return scores


def leaderboard(scores: Sequence[ModelScores]) -> list[dict[str, Any]]:
    """Rows ranked by mean macro F1, then lower std, then the configured model order (never by time)."""
    rows = [s.record() for s in scores]
    order = {row["model"]: i for i, row in enumerate(rows)}
    rows.sort(key=lambda r: (-round(r["f1_macro_mean"], 12), round(r["f1_macro_std"], 12), order[r["model"]]))
    return [{"rank": i + 1, **row} for i, row in enumerate(rows)]
