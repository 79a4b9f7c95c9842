"""A statistic's own sampling noise, estimated from the reference alone.

Draw `resamples` bootstrap samples of the current window's size from the reference (a multinomial over
the reference's support: its distinct values when they are known, else its bins), compute the statistic
between each and the reference, and return the `quantile` of those values. A window drawn from the
reference distribution exceeds it with probability about 1 − quantile, whatever the test and the sizes;
a real shift moves the statistic well past it. Vectorised: one (resamples × support) count matrix.
"""

from __future__ import annotations

import numpy as np

from iris_mlops.monitoring import stats
from iris_mlops.monitoring.compare import Scores, category_vectors, histogram_pair, value_key
from iris_mlops.monitoring.summary import CategoricalSummary, ColumnSummary, NumericSummary


def noise_threshold(reference: ColumnSummary, current: ColumnSummary, *, test: str, scores: Scores,
                    quantile: float, resamples: int, seed: int) -> float:
    """The `quantile` of `test`'s statistic between the reference and bootstrap resamples of it (size: current)."""
    rng = np.random.default_rng(seed)
    size = current.count
    if isinstance(reference, CategoricalSummary) and isinstance(current, CategoricalSummary):
        _, ref, _ = category_vectors(reference.counts, current.counts)
        draws = rng.multinomial(size, ref / ref.sum(), size=resamples)
        values = _category_statistics(test, ref, draws)
    elif isinstance(reference, NumericSummary) and isinstance(current, NumericSummary):
        values = _numeric_statistics(reference, current, test=test, scores=scores, rng=rng, resamples=resamples)
    else:
        raise ValueError("reference and current summaries differ in kind")
    return float(np.quantile(values, quantile))


def _support(reference: NumericSummary) -> tuple[np.ndarray, np.ndarray]:
    """The reference's points and weights: its distinct values when known, else its bin centroids and counts."""
    if reference.values is not None:
        points, counts = np.unique(np.asarray(reference.values, dtype=float), return_counts=True)
        return points, counts.astype(float)
    return reference.centroids(), np.asarray(reference.counts, dtype=float)


def _numeric_statistics(reference: NumericSummary, current: NumericSummary, *, test: str, scores: Scores,
                        rng: np.random.Generator, resamples: int) -> np.ndarray:
    points, weights = _support(reference)
    draws = rng.multinomial(current.count, weights / weights.sum(), size=resamples).astype(float)
    if test == "ks":
        return np.asarray(np.abs(np.cumsum(weights) / weights.sum() - np.cumsum(draws, axis=1) / current.count).max(
            axis=1))
    if test == "wasserstein":
        gaps = np.abs(np.cumsum(weights)[:-1] / weights.sum() - np.cumsum(draws, axis=1)[:, :-1] / current.count)
        return np.asarray(gaps @ np.diff(points) / max(reference.std or 0.0, stats.MIN_NORM))
    onto, ref = _projection(reference, current, points, scores=scores, test=test)
    return _category_statistics(test, ref, draws @ onto)


def _projection(reference: NumericSummary, current: NumericSummary, points: np.ndarray, *, scores: Scores,
                test: str) -> tuple[np.ndarray, np.ndarray]:
    """A 0/1 matrix taking counts on the reference's support to the vector the statistic was computed on."""
    both_exact = reference.values is not None and current.values is not None
    if scores.chi_square is not None:  # compared as categories
        if both_exact:
            keys, ref, _ = category_vectors(_counts_by_key(reference), _counts_by_key(current))
            position = {key: i for i, key in enumerate(keys)}
            index = np.array([position[value_key(p)] for p in points])
        else:
            nonzero = [i for i, (r, c) in enumerate(zip(reference.counts, current.counts, strict=True)) if r or c]
            ref = np.asarray([reference.counts[i] for i in nonzero], dtype=float)
            index = np.array([nonzero.index(i) if i in nonzero else 0 for i in range(len(points))])
    else:  # the bins JS and PSI were computed on: both windows' values, or the reference's bins
        edges, ref, _ = histogram_pair(reference, current, bins=len(reference.edges) - 1)
        found = np.searchsorted(edges, points, side="right") - 1 if edges is not None else np.arange(len(points))
        index = np.clip(found, 0, len(ref) - 1)
    onto = np.zeros((len(points), len(ref)))
    onto[np.arange(len(points)), index] = 1.0
    return onto, ref


def _counts_by_key(summary: NumericSummary) -> dict[str, int]:
    points, counts = np.unique(np.asarray(summary.values, dtype=float), return_counts=True)
    return {value_key(p): int(c) for p, c in zip(points, counts, strict=True)}


def _category_statistics(test: str, reference: np.ndarray, draws: np.ndarray) -> np.ndarray:
    if test == "chi_square":
        return stats.chi_square_statistics(reference, draws)
    if test == "jensenshannon":
        return stats.js_many(reference, draws)
    if test == "psi":
        return stats.psi_many(reference, draws)
    raise ValueError(f"test {test} does not apply to categories")
