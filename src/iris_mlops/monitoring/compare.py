"""Every applicable statistic between two summaries of one column, on the same support.

Numeric columns: with sorted values on both sides, KS and Wasserstein use the values and JS/PSI use
`bins` equal-width bins over both windows together (Evidently's binning); otherwise all four use the
reference's bins (inner bins plus one open bin per side), Wasserstein with each bin's centroid (the
centre of an inner bin; the mean of the values in an open bin), so it is within half a bin width of
the value-level distance. Numbers with few distinct values are compared as categories.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iris_mlops.monitoring import stats
from iris_mlops.monitoring.stats import TestScore
from iris_mlops.monitoring.summary import NumericSummary


@dataclass(frozen=True)
class Scores:
    """The statistics of one column pair; None where a statistic does not apply."""

    ks: TestScore | None = None
    chi_square: TestScore | None = None
    wasserstein: float | None = None  # normed by the reference standard deviation
    jensenshannon: float | None = None
    psi: float | None = None

    def score(self, test: str) -> float:
        """What the verdict compares with the threshold: the p-value of a test, else the distance."""
        return _pick(self, test, pvalue=True)

    def statistic(self, test: str) -> float:
        """The test statistic (KS D, chi-square) or the distance: what the noise quantile is compared with."""
        return _pick(self, test, pvalue=False)


def _pick(scores: Scores, test: str, *, pvalue: bool) -> float:
    value = getattr(scores, test)
    if value is None:
        raise ValueError(f"statistic {test} was not computed for this column")
    if isinstance(value, TestScore):
        return float(value.pvalue if pvalue and value.pvalue is not None else value.statistic)
    return float(value)


def category_vectors(reference: dict[str, int], current: dict[str, int]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The union of the values seen (sorted) and each side's counts on it."""
    keys = sorted(k for k in set(reference) | set(current) if reference.get(k, 0) or current.get(k, 0))
    return (keys, np.array([reference.get(k, 0) for k in keys], dtype=float),
            np.array([current.get(k, 0) for k in keys], dtype=float))


def categorical_scores(reference: dict[str, int], current: dict[str, int]) -> Scores:
    """Chi-square, JS and PSI between two category count maps."""
    _, ref, cur = category_vectors(reference, current)
    return Scores(chi_square=stats.chi_square(ref, cur), jensenshannon=stats.js_distance(ref, cur),
                  psi=stats.psi(ref, cur))


def numeric_categories(reference: NumericSummary, current: NumericSummary) -> tuple[list[str], np.ndarray, np.ndarray]:
    """A few-valued numeric column as categories: its values when known, else its non-empty bins."""
    if reference.values is not None and current.values is not None:
        return category_vectors(_value_counts(reference.values), _value_counts(current.values))
    return category_vectors(_bin_counts(reference.counts), _bin_counts(current.counts))


def histogram_pair(reference: NumericSummary, current: NumericSummary, *, bins: int) -> tuple[np.ndarray | None,
                                                                                                np.ndarray, np.ndarray]:
    """(edges, reference counts, current counts) for JS and PSI; edges None when the reference's bins are used."""
    if reference.values is not None and current.values is not None:
        edges = np.histogram_bin_edges(np.concatenate((reference.values, current.values)), bins=bins)
        return edges, np.histogram(reference.values, edges)[0].astype(float), np.histogram(current.values, edges)[
            0].astype(float)
    return None, np.asarray(reference.counts, dtype=float), np.asarray(current.counts, dtype=float)


def numeric_scores(reference: NumericSummary, current: NumericSummary, *, bins: int, as_categories: bool) -> Scores:
    """KS, normed Wasserstein, JS and PSI (and chi-square when compared as categories) of two numeric summaries."""
    norm = reference.std or 0.0
    if reference.values is not None and current.values is not None:
        ks = stats.ks_exact(np.asarray(reference.values), np.asarray(current.values))
        distance = stats.wasserstein(np.asarray(reference.values), np.asarray(current.values))
    else:
        ks = stats.ks_binned(np.asarray(reference.counts), np.asarray(current.counts))
        distance = stats.wasserstein(reference.centroids(), current.centroids(), np.asarray(reference.counts),
                                     np.asarray(current.counts))
    wasserstein = stats.wasserstein_norm(distance, norm)
    if as_categories:
        _, ref, cur = numeric_categories(reference, current)
        return Scores(ks=ks, chi_square=stats.chi_square(ref, cur), wasserstein=wasserstein,
                      jensenshannon=stats.js_distance(ref, cur), psi=stats.psi(ref, cur))
    _, ref, cur = histogram_pair(reference, current, bins=bins)
    return Scores(ks=ks, wasserstein=wasserstein, jensenshannon=stats.js_distance(ref, cur), psi=stats.psi(ref, cur))


def value_key(value: float) -> str:
    """The category name of a number compared as a category."""
    return repr(float(value))


def _value_counts(values: tuple[float, ...]) -> dict[str, int]:
    unique, counts = np.unique(np.asarray(values, dtype=float), return_counts=True)
    return {value_key(v): int(c) for v, c in zip(unique, counts, strict=True)}


def _bin_counts(counts: tuple[int, ...]) -> dict[str, int]:
    return {f"bin{index:03d}": int(c) for index, c in enumerate(counts) if c}
