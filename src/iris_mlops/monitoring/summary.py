"""Compact summaries of one column in one window: what drift tests and quality checks are computed from.

A numeric summary holds counts, moments, extremes and a histogram on the *reference's* bins (plus one
open bin on each side for values outside the reference range), and the sorted values themselves when
the window is small (at most `MonitoringConfig.exact_row_limit` rows). A categorical summary holds the
count of each value. Both are plain, JSON-able values: the reference profile is stored as rows of the
profile metrics table and read back into them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class NumericSummary:
    """One numeric column in one window."""

    count: int  # non-null values
    nulls: int
    mean: float | None
    std: float | None  # population standard deviation (ddof 0), as Evidently's np.std
    minimum: float | None
    maximum: float | None
    edges: tuple[float, ...]  # the reference's inner bin edges (bins + 1 of them)
    counts: tuple[int, ...]  # len(edges) + 1 bins: below edges[0], the inner bins, above edges[-1]
    tail_sums: tuple[float, float] = (0.0, 0.0)  # sums of the values below / above the edges (tail centroids)
    values: tuple[float, ...] | None = None  # sorted non-null values, small windows only
    distinct: int | None = None

    @property
    def exact(self) -> bool:
        return self.values is not None

    def centroids(self) -> np.ndarray:
        """A representative point per bin: inner bin centres, the mean of the values in each open bin."""
        edges = np.asarray(self.edges, dtype=float)
        inner = (edges[:-1] + edges[1:]) / 2
        below = self.tail_sums[0] / self.counts[0] if self.counts[0] else edges[0]
        above = self.tail_sums[1] / self.counts[-1] if self.counts[-1] else edges[-1]
        return np.concatenate(([below], inner, [above]))


@dataclass(frozen=True)
class CategoricalSummary:
    """One categorical column in one window: the count of each non-null value."""

    count: int
    nulls: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def distinct(self) -> int:
        return sum(1 for c in self.counts.values() if c > 0)


ColumnSummary = NumericSummary | CategoricalSummary


def reference_edges(minimum: float, maximum: float, *, bins: int) -> tuple[float, ...]:
    """`bins` equal-width bins over [minimum, maximum], as numpy.histogram_bin_edges (±0.5 when they are equal)."""
    low, high = float(minimum), float(maximum)
    if low == high:
        low, high = low - 0.5, high + 0.5
    return tuple(float(e) for e in np.linspace(low, high, bins + 1))


def bin_counts(values: np.ndarray, edges: tuple[float, ...]) -> tuple[tuple[int, ...], tuple[float, float]]:
    """Counts on the open-ended bins of `edges` (numpy's rule: inner bins closed on the right for the last one)."""
    array = np.asarray(values, dtype=float)
    inner = np.asarray(edges, dtype=float)
    below, above = array < inner[0], array > inner[-1]
    middle, _ = np.histogram(array[~below & ~above], bins=inner)
    counts = (int(below.sum()), *(int(c) for c in middle), int(above.sum()))
    return counts, (float(array[below].sum()), float(array[above].sum()))


def summarise_numeric(values: np.ndarray, *, edges: tuple[float, ...] | None = None, bins: int = 30,
                      exact_limit: int = 5000) -> NumericSummary:
    """The summary of an in-memory column (nulls as NaN); `edges` None: this column is the reference."""
    array = np.asarray(values, dtype=float)
    present = np.sort(array[~np.isnan(array)])
    if edges is None:
        low, high = (present[0], present[-1]) if present.size else (0.0, 1.0)
        edges = reference_edges(low, high, bins=bins)
    counts, tails = bin_counts(present, edges)
    moments = _moments(present)
    return NumericSummary(
        count=int(present.size), nulls=int(array.size - present.size), mean=moments[0], std=moments[1],
        minimum=float(present[0]) if present.size else None, maximum=float(present[-1]) if present.size else None,
        edges=edges, counts=counts, tail_sums=tails,
        values=tuple(float(v) for v in present) if present.size <= exact_limit else None,
        distinct=int(np.unique(present).size),
    )


def summarise_categorical(values: list[str | None]) -> CategoricalSummary:
    """The summary of an in-memory categorical column (None for nulls)."""
    counts: dict[str, int] = {}
    for value in values:
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    present = sum(counts.values())
    return CategoricalSummary(count=present, nulls=len(values) - present, counts=dict(sorted(counts.items())))


def _moments(values: np.ndarray) -> tuple[float | None, float | None]:
    if values.size == 0:
        return None, None
    mean = float(values.mean())
    return mean, float(math.sqrt(max(float(((values - mean) ** 2).mean()), 0.0)))
