"""The statistics of the A/B test: per-arm accuracy and macro F1 with intervals, one test, the sample size, a verdict.

The decision is on accuracy (a proportion, so the tests are exact or well understood); macro F1 is
reported beside it with a seeded percentile bootstrap interval. Records both models scored (shadow mode)
are compared pairwise with McNemar's test (exact binomial on the discordant pairs, continuity-corrected
chi-square when they are many); records split between the arms with a pooled two-proportion z-test.
Both tests are two-sided at `alpha`.

Verdict: `promote` when the challenger is significantly better, `keep` when it is significantly worse or
when the planned sample size (to detect `minimum_effect` with `power`) is reached without a significant
difference, `keep collecting` otherwise. Deciding only at the planned size keeps the false-promotion
rate at most alpha/2; peeking at every request and promoting on the first small p-value would not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

Verdict = Literal["promote", "keep", "keep collecting"]
PROMOTE: Verdict = "promote"
KEEP: Verdict = "keep"
COLLECT: Verdict = "keep collecting"
# Above this many discordant pairs the exact McNemar p-value gives way to its continuity-corrected chi-square.
EXACT_LIMIT = 5000
_NORMAL = NormalDist()
# Bootstrap resamples are drawn in chunks of about this many labels, to bound memory.
_CHUNK_CELLS = 2_000_000


@dataclass(frozen=True)
class Interval:
    """A confidence interval."""

    low: float
    high: float


@dataclass(frozen=True)
class TestResult:
    """One hypothesis test of challenger against champion accuracy."""

    name: Literal["mcnemar_exact", "mcnemar_continuity", "two_proportion_z"]
    statistic: float
    p_value: float
    effect: float  # challenger accuracy minus champion accuracy, on the records the test used
    n: int  # pairs (McNemar) or records in both arms (z-test)


def z_quantile(probability: float) -> float:
    """The standard normal quantile."""
    return _NORMAL.inv_cdf(probability)


def wilson_interval(successes: int, n: int, *, confidence: float) -> Interval:
    """Wilson score interval of a proportion (good at small n and near 0 or 1, unlike the Wald interval)."""
    if n <= 0:
        return Interval(0.0, 1.0)
    z = z_quantile(1 - (1 - confidence) / 2)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def macro_f1(true_codes: np.ndarray, predicted_codes: np.ndarray, *, classes: int) -> np.ndarray:
    """Macro F1 of each row of (resamples, n) label codes in [0, classes); a class absent from both scores 0."""
    true_codes, predicted_codes = np.atleast_2d(true_codes), np.atleast_2d(predicted_codes)
    rows = true_codes.shape[0]
    cells = (np.arange(rows)[:, None] * classes * classes + true_codes * classes + predicted_codes).ravel()
    confusion = np.bincount(cells, minlength=rows * classes * classes).reshape(rows, classes, classes)
    hits = np.diagonal(confusion, axis1=1, axis2=2)
    totals = confusion.sum(axis=2) + confusion.sum(axis=1)  # true count + predicted count per class
    f1 = np.divide(2 * hits, totals, out=np.zeros(hits.shape, dtype="float64"), where=totals > 0)
    return f1.mean(axis=1)


def bootstrap_f1_interval(
    true_codes: np.ndarray, predicted_codes: np.ndarray, *, classes: int, confidence: float, resamples: int, seed: int
) -> Interval:
    """Percentile bootstrap interval of macro F1, from `resamples` seeded resamples of the records."""
    n = len(true_codes)
    if n == 0:
        return Interval(0.0, 1.0)
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_CELLS // n)
    scores = []
    for start in range(0, resamples, chunk):
        picks = rng.integers(0, n, size=(min(chunk, resamples - start), n))
        scores.append(macro_f1(true_codes[picks], predicted_codes[picks], classes=classes))
    tail = (1 - confidence) / 2
    low, high = np.quantile(np.concatenate(scores), [tail, 1 - tail])
    return Interval(float(low), float(high))


def mcnemar_test(champion_only: int, challenger_only: int) -> TestResult:
    """McNemar's test on paired records: `champion_only` right only for the champion, `challenger_only` the reverse.

    Exact two-sided binomial p-value (discordant pairs ~ Binomial(b + c, 1/2)) up to EXACT_LIMIT discordant
    pairs, then the continuity-corrected chi-square. `effect` and `n` are left for the caller (0 here).
    """
    b, c = champion_only, challenger_only
    discordant = b + c
    if discordant == 0:
        return TestResult("mcnemar_exact", 0.0, 1.0, 0.0, 0)
    if discordant <= EXACT_LIMIT:
        tail = sum(math.comb(discordant, k) for k in range(min(b, c) + 1))
        p_value = min(1.0, 2 * tail / 2**discordant)
        return TestResult("mcnemar_exact", float(min(b, c)), p_value, 0.0, 0)
    statistic = (abs(b - c) - 1) ** 2 / discordant
    p_value = 2 * (1 - _NORMAL.cdf(math.sqrt(statistic)))
    return TestResult("mcnemar_continuity", statistic, p_value, 0.0, 0)


def two_proportion_z_test(champion_correct: int, champion_n: int, challenger_correct: int,
                          challenger_n: int) -> TestResult:
    """Pooled two-sided z-test of challenger accuracy against champion accuracy (independent records)."""
    n = champion_n + challenger_n
    if champion_n == 0 or challenger_n == 0:
        return TestResult("two_proportion_z", 0.0, 1.0, 0.0, n)
    p1, p2 = champion_correct / champion_n, challenger_correct / challenger_n
    pooled = (champion_correct + challenger_correct) / n
    spread = math.sqrt(pooled * (1 - pooled) * (1 / champion_n + 1 / challenger_n))
    if spread == 0:
        return TestResult("two_proportion_z", 0.0, 1.0, p2 - p1, n)
    z = (p2 - p1) / spread
    return TestResult("two_proportion_z", z, 2 * (1 - _NORMAL.cdf(abs(z))), p2 - p1, n)


def required_per_arm(*, baseline: float, effect: float, alpha: float, power: float) -> int:
    """Records per arm for a two-sided two-proportion test to detect an accuracy change of `effect` either way.

    The larger of the sizes for a rise and for a drop of `effect` from `baseline` (a rise past 1 or a drop
    below 0 is impossible and not planned for), so the plan holds the power whichever arm is better.
    """
    p1 = min(max(baseline, 0.0), 1.0)
    targets = [p for p in (p1 + effect, p1 - effect) if 0.0 <= p <= 1.0] or [min(p1 + effect, 1.0)]
    return max(_two_proportion_size(p1, p2, alpha=alpha, power=power) for p2 in targets)


def _two_proportion_size(p1: float, p2: float, *, alpha: float, power: float) -> int:
    z_a, z_b = z_quantile(1 - alpha / 2), z_quantile(power)
    mean = (p1 + p2) / 2
    top = z_a * math.sqrt(2 * mean * (1 - mean)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(top * top / ((p2 - p1) ** 2))


def required_pairs(*, discordant_rate: float, effect: float, alpha: float, power: float) -> int:
    """Pairs for McNemar's test to detect `effect` given the share of discordant pairs (Connor 1987)."""
    psi = max(discordant_rate, effect)  # fewer disagreements than the effect itself cannot show that effect
    z_a, z_b = z_quantile(1 - alpha / 2), z_quantile(power)
    top = z_a * math.sqrt(psi) + z_b * math.sqrt(max(psi - effect * effect, 0.0))
    return math.ceil(top * top / (effect * effect))


def decide(test: TestResult, *, alpha: float, observed: int, required: int) -> tuple[Verdict, str]:
    """The verdict and a one-line reason, from the test and how many records (per arm, or pairs) are in."""
    change = f"accuracy {test.effect:+.4f}, p = {test.p_value:.4g} ({test.name})"
    if test.p_value < alpha and test.effect > 0:
        return PROMOTE, f"challenger significantly better: {change} < alpha {alpha}"
    if test.p_value < alpha and test.effect < 0:
        return KEEP, f"challenger significantly worse: {change} < alpha {alpha}"
    if observed >= required:
        return KEEP, f"no significant difference after {observed} of the {required} planned: {change}"
    return COLLECT, f"{required - observed} more needed (have {observed} of {required}): {change}"
