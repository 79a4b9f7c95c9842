"""Column drift: choose a test per column, score it, and decide against its threshold and its sampling noise.

The choice follows Evidently's DataDriftPreset defaults (`choose_test`). The verdict adds one rule of our own:
a column drifts only when its statistic also exceeds the `noise_quantile` of that statistic between the
reference and `noise_resamples` bootstrap resamples of the reference of the current window's size
(`monitoring.noise`). A resample of the reference is, by construction, not drift; at small sizes the
distance measures' fixed thresholds sit inside their own sampling noise, and this rule removes that.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from iris_mlops.config import ColumnTestConfig, MonitoringConfig
from iris_mlops.errors import ConfigError
from iris_mlops.monitoring import noise
from iris_mlops.monitoring.compare import Scores, categorical_scores, numeric_scores
from iris_mlops.monitoring.summary import CategoricalSummary, ColumnSummary, NumericSummary

P_VALUE_TESTS = ("ks", "chi_square")
NUMERIC_ONLY = ("ks", "wasserstein")


@dataclass(frozen=True)
class ColumnDrift:
    """The verdict for one column: the chosen test, its score (p-value or distance), threshold and noise."""

    column: str
    test: str
    score: float | None
    threshold: float
    drifted: bool
    counted: bool  # counts in the dataset drift share
    noise_threshold: float | None = None  # the statistic's noise quantile (same units as `statistic`)
    statistic: float | None = None
    scores: Scores | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The --json view: column, test, score, threshold, drifted (+ noise and note)."""
        return {"column": self.column, "test": self.test, "score": _finite(self.score), "threshold": self.threshold,
                "drifted": self.drifted, "counted_in_share": self.counted, "statistic": _finite(self.statistic),
                "noise_threshold": _finite(self.noise_threshold), "note": self.note}


@dataclass(frozen=True)
class DriftReport:
    """Every column's verdict and the dataset verdict over the counted columns."""

    columns: tuple[ColumnDrift, ...]
    drift_share: float
    dataset_drift: bool
    share_threshold: float
    counted_columns: tuple[str, ...] = field(default=())

    @property
    def drifted_columns(self) -> list[str]:
        return [c.column for c in self.columns if c.drifted]


def choose_test(column: str, summary: ColumnSummary, *, reference_rows: int,
                config: MonitoringConfig) -> ColumnTestConfig:
    """The test and threshold for `column`: its override in config, else Evidently's default by size and type."""
    override = config.columns.get(column)
    categorical = isinstance(summary, CategoricalSummary)
    if override is not None:
        if categorical and override.test in NUMERIC_ONLY:
            raise ConfigError(
                f"monitoring.columns.{column}: test {override.test} needs numbers, {column} is a category")
        return override
    few_values = summary.distinct is not None and summary.distinct <= config.categorical_max_distinct
    if reference_rows <= config.small_reference_rows:
        if categorical or few_values:
            return ColumnTestConfig(test="chi_square", threshold=config.chi_square_threshold)
        return ColumnTestConfig(test="ks", threshold=config.ks_threshold)
    if categorical or few_values:
        return ColumnTestConfig(test="jensenshannon", threshold=config.jensenshannon_threshold)
    return ColumnTestConfig(test="wasserstein", threshold=config.wasserstein_threshold)


def column_drift(column: str, reference: ColumnSummary, current: ColumnSummary, *, reference_rows: int,
                 config: MonitoringConfig, counted: bool, seed: int) -> ColumnDrift:
    """Score `current` against `reference` with every applicable statistic and decide with the chosen test."""
    choice = choose_test(column, reference, reference_rows=reference_rows, config=config)
    if current.count == 0 or reference.count == 0:
        side = "current window" if current.count == 0 else "reference"
        return ColumnDrift(column, choice.test, None, choice.threshold, False, counted,
                           note=f"no values in the {side}: not tested")
    as_categories = choice.test == "chi_square" or not isinstance(reference, NumericSummary) or (
        choice.test not in NUMERIC_ONLY and _few_values(reference, config))
    scores = _scores(reference, current, bins=config.bins, as_categories=as_categories)
    score = scores.score(choice.test)
    statistic = scores.statistic(choice.test)
    noise_threshold = None
    if config.noise_quantile > 0:
        noise_threshold = noise.noise_threshold(reference, current, test=choice.test, scores=scores,
                                                quantile=config.noise_quantile, resamples=config.noise_resamples,
                                                seed=seed)
    drifted = _beyond_threshold(choice.test, score, choice.threshold) and (
        noise_threshold is None or statistic > noise_threshold)
    return ColumnDrift(column, choice.test, score, choice.threshold, drifted, counted, noise_threshold, statistic,
                       scores)


def dataset_drift(columns: Sequence[ColumnDrift], *, share: float) -> DriftReport:
    """The share of drifted columns among the counted, tested ones, and whether it reaches `share`."""
    counted = [c for c in columns if c.counted and c.score is not None]
    drifted_share = sum(c.drifted for c in counted) / len(counted) if counted else 0.0
    return DriftReport(tuple(columns), drifted_share, bool(counted) and drifted_share >= share, share,
                       tuple(c.column for c in counted))


def compare_windows(reference: Mapping[str, ColumnSummary], current: Mapping[str, ColumnSummary], *,
                    reference_rows: int, config: MonitoringConfig) -> DriftReport:
    """Drift of every column present in both windows; the share counts `config.share_columns` only."""
    missing = [c for c in reference if c not in current]
    if missing:
        raise ConfigError(f"column(s) {', '.join(missing)} missing from the current window")
    results = [
        column_drift(name, summary, current[name], reference_rows=reference_rows, config=config,
                     counted=name in config.share_columns, seed=config.seed + index)
        for index, (name, summary) in enumerate(reference.items())
    ]
    return dataset_drift(results, share=config.drift_share)


def _few_values(summary: NumericSummary, config: MonitoringConfig) -> bool:
    return summary.distinct is not None and summary.distinct <= config.categorical_max_distinct


def _scores(reference: ColumnSummary, current: ColumnSummary, *, bins: int, as_categories: bool) -> Scores:
    if isinstance(reference, CategoricalSummary) and isinstance(current, CategoricalSummary):
        return categorical_scores(reference.counts, current.counts)
    if isinstance(reference, NumericSummary) and isinstance(current, NumericSummary):
        return numeric_scores(reference, current, bins=bins, as_categories=as_categories)
    raise ConfigError("a column is numeric in one window and categorical in the other")


def _beyond_threshold(test: str, score: float, threshold: float) -> bool:
    if test == "ks":
        return score <= threshold  # Evidently: p <= 0.05
    if test == "chi_square":
        return score < threshold  # Evidently: p < 0.05
    return score >= threshold


def _finite(value: float | None) -> float | None:
    """JSON has no infinity: a chi-square over a category the reference never saw is reported as null."""
    return value if value is None or math.isfinite(value) else None
