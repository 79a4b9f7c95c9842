"""Drift statistics computed from compact summaries: sorted values, or counts on shared bins.

Each function reproduces scipy's (or, for PSI, Evidently's) formula so that the result equals it on the
same inputs: `ks_exact` is scipy.stats.ks_2samp; `ks_binned` is its asymptotic p-value on the bin CDFs;
`chi_square` is scipy.stats.chisquare of the current counts against the reference shares scaled to the
current total (Evidently's goodness of fit); `wasserstein` is scipy.stats.wasserstein_distance with
weights; `js_distance` is scipy.spatial.distance.jensenshannon (natural log); `psi` is Evidently's PSI
(empty shares replaced by 0.0001). Inputs are numpy arrays; nothing here touches Spark.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

# Evidently replaces an empty bin's share by 0.0001 before taking the logarithm in PSI.
PSI_FLOOR = 1e-4
# Evidently divides the Wasserstein distance by max(std of the reference, 0.001).
MIN_NORM = 1e-3


@dataclass(frozen=True)
class TestScore:
    """A test's statistic and, for hypothesis tests, its p-value."""

    statistic: float
    pvalue: float | None = None


def ks_exact(reference: np.ndarray, current: np.ndarray) -> TestScore:
    """Two-sample Kolmogorov–Smirnov on the values themselves: scipy.stats.ks_2samp (method 'auto')."""
    from scipy.stats import ks_2samp

    with warnings.catch_warnings():  # scipy falls back to its asymptotic p-value on large ties, and says so
        warnings.simplefilter("ignore", RuntimeWarning)
        result = ks_2samp(np.asarray(reference, dtype=float), np.asarray(current, dtype=float))
    return TestScore(float(result.statistic), float(result.pvalue))


def ks_binned(reference_counts: np.ndarray, current_counts: np.ndarray) -> TestScore:
    """KS from counts on the same ordered bins: the largest CDF gap at a bin edge, scipy's asymptotic p-value.

    Exact when every bin holds a single distinct value; otherwise the statistic is a lower bound of the
    sample statistic (the gap can only be seen at bin edges).
    """
    from scipy.stats import kstwo

    ref, cur = _counts(reference_counts), _counts(current_counts)
    n, m = ref.sum(), cur.sum()
    d = float(np.max(np.abs(np.cumsum(ref) / n - np.cumsum(cur) / m)))
    big, small = sorted((float(n), float(m)), reverse=True)
    en = big * small / (big + small)
    return TestScore(d, float(kstwo.sf(d, np.round(en))))


def chi_square(reference_counts: np.ndarray, current_counts: np.ndarray) -> TestScore:
    """Goodness of fit of the current counts to the reference shares (Evidently's chi-square, scipy's chisquare)."""
    from scipy.stats import chi2

    ref, cur = _counts(reference_counts), _counts(current_counts)
    statistic = float(chi_square_statistics(ref, cur[np.newaxis, :])[0])
    return TestScore(statistic, float(chi2.sf(statistic, len(ref) - 1)))


def chi_square_statistics(reference_counts: np.ndarray, current_counts: np.ndarray) -> np.ndarray:
    """The chi-square statistic of each row of `current_counts` (rows × categories) against the reference."""
    ref = np.asarray(reference_counts, dtype=float)
    cur = np.atleast_2d(np.asarray(current_counts, dtype=float))
    expected = ref[np.newaxis, :] * (cur.sum(axis=1, keepdims=True) / ref.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(expected > 0, (cur - expected) ** 2 / np.where(expected > 0, expected, 1.0),
                         np.where(cur > 0, np.inf, 0.0))
    return np.asarray(terms.sum(axis=1), dtype=float)


def psi(reference_counts: np.ndarray, current_counts: np.ndarray) -> float:
    """Population stability index over shared bins or categories (Evidently's formula)."""
    return float(psi_many(reference_counts, current_counts)[0])


def psi_many(reference_counts: np.ndarray, current_counts: np.ndarray) -> np.ndarray:
    """PSI of each row of `current_counts` against the reference counts."""
    ref, cur = _shares(reference_counts), _shares(current_counts)
    ref = np.where(ref == 0, PSI_FLOOR, ref)
    cur = np.where(cur == 0, PSI_FLOOR, cur)
    return np.asarray(((ref - cur) * np.log(ref / cur)).sum(axis=1), dtype=float)


def js_distance(reference_counts: np.ndarray, current_counts: np.ndarray) -> float:
    """Jensen–Shannon distance (natural log) between two count vectors: scipy.spatial.distance.jensenshannon."""
    return float(js_many(reference_counts, current_counts)[0])


def js_many(reference_counts: np.ndarray, current_counts: np.ndarray) -> np.ndarray:
    """Jensen–Shannon distance of each row of `current_counts` against the reference counts."""
    p, q = _shares(reference_counts), _shares(current_counts)
    m = (p + q) / 2
    divergence = (_rel_entr(p, m) + _rel_entr(q, m)).sum(axis=1)
    return np.asarray(np.sqrt(np.maximum(divergence, 0.0) / 2), dtype=float)


def wasserstein(
    u_values: np.ndarray,
    v_values: np.ndarray,
    u_weights: np.ndarray | None = None,
    v_weights: np.ndarray | None = None,
) -> float:
    """First Wasserstein distance between two (weighted) samples: the area between their CDFs (scipy's formula)."""
    u, v = np.asarray(u_values, dtype=float), np.asarray(v_values, dtype=float)
    support = np.sort(np.concatenate((u, v)), kind="mergesort")
    u_cdf = _weighted_cdf(u, u_weights, support[:-1])
    v_cdf = _weighted_cdf(v, v_weights, support[:-1])
    return float(np.sum(np.abs(u_cdf - v_cdf) * np.diff(support)))


def wasserstein_norm(distance: float, reference_std: float) -> float:
    """Evidently's normed Wasserstein distance: the distance in units of the reference's standard deviation."""
    return distance / max(reference_std, MIN_NORM)


def _weighted_cdf(values: np.ndarray, weights: np.ndarray | None, at: np.ndarray) -> np.ndarray:
    order = np.argsort(values)
    indices = values[order].searchsorted(at, "right")
    if weights is None:
        return np.asarray(indices / values.size, dtype=float)
    cumulative = np.concatenate(([0.0], np.cumsum(np.asarray(weights, dtype=float)[order])))
    return np.asarray(cumulative[indices] / cumulative[-1], dtype=float)


def _counts(values: np.ndarray) -> np.ndarray:
    counts = np.asarray(values, dtype=float)
    if counts.ndim != 1 or counts.size == 0 or counts.sum() <= 0 or (counts < 0).any():
        raise ValueError("counts must be a non-empty vector of non-negative numbers with a positive total")
    return counts


def _shares(counts: np.ndarray) -> np.ndarray:
    matrix = np.atleast_2d(np.asarray(counts, dtype=float))
    totals = matrix.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise ValueError("every count vector needs a positive total")
    return np.asarray(matrix / totals, dtype=float)


def _rel_entr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0) / np.where(y > 0, y, 1.0)), 0.0)
