"""A/B statistics against scipy and scikit-learn references, and their error rates on simulated traffic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import f1_score

from iris_mlops.serving.ab_report import AbStatsSettings, compare_arms
from iris_mlops.serving.ab_stats import (
    COLLECT,
    KEEP,
    PROMOTE,
    bootstrap_f1_interval,
    decide,
    macro_f1,
    mcnemar_test,
    required_pairs,
    required_per_arm,
    two_proportion_z_test,
    wilson_interval,
)

ALPHA, POWER, EFFECT = 0.05, 0.8, 0.05
REPETITIONS = 2000


@pytest.mark.parametrize(("b", "c"), [(0, 0), (3, 9), (10, 10), (1, 20), (40, 61), (700, 760)])
def test_mcnemar_exact_matches_scipy_binomtest(b: int, c: int) -> None:
    expected = 1.0 if b + c == 0 else stats.binomtest(b, b + c, 0.5).pvalue
    assert mcnemar_test(b, c).p_value == pytest.approx(expected, rel=1e-9)


def test_mcnemar_continuity_matches_chi2_reference() -> None:
    b, c = 2600, 2900
    result = mcnemar_test(b, c)
    expected = stats.chi2.sf((abs(b - c) - 1) ** 2 / (b + c), df=1)
    assert result.name == "mcnemar_continuity" and result.p_value == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("k1", "n1", "k2", "n2"), [(85, 100, 92, 100), (400, 500, 380, 520), (9, 10, 10, 10)])
def test_two_proportion_z_matches_uncorrected_chi2(k1: int, n1: int, k2: int, n2: int) -> None:
    table = np.array([[k1, n1 - k1], [k2, n2 - k2]])
    _, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    result = two_proportion_z_test(k1, n1, k2, n2)
    assert result.p_value == pytest.approx(p_value, rel=1e-9)
    assert result.effect == pytest.approx(k2 / n2 - k1 / n1)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(result.statistic)), rel=1e-9)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (7, 10), (95, 100), (100, 100), (480, 1000)])
def test_wilson_interval_matches_scipy(k: int, n: int) -> None:
    reference = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    got = wilson_interval(k, n, confidence=0.95)
    assert (got.low, got.high) == pytest.approx((reference.low, reference.high), abs=1e-12)


def test_macro_f1_matches_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    truth, predicted = rng.integers(0, 3, 300), rng.integers(0, 3, 300)
    predicted[:200] = truth[:200]
    expected = f1_score(truth, predicted, average="macro", labels=[0, 1, 2], zero_division=0)
    assert macro_f1(truth, predicted, classes=3)[0] == pytest.approx(expected, rel=1e-12)


def test_bootstrap_f1_interval_is_seeded_and_covers_the_estimate() -> None:
    rng = np.random.default_rng(4)
    truth = rng.integers(0, 3, 200)
    predicted = np.where(rng.random(200) < 0.8, truth, rng.integers(0, 3, 200))
    first = bootstrap_f1_interval(truth, predicted, classes=3, confidence=0.95, resamples=500, seed=1)
    again = bootstrap_f1_interval(truth, predicted, classes=3, confidence=0.95, resamples=500, seed=1)
    other = bootstrap_f1_interval(truth, predicted, classes=3, confidence=0.95, resamples=500, seed=2)
    estimate = macro_f1(truth, predicted, classes=3)[0]
    assert first == again and first != other
    assert first.low < estimate < first.high and first.high - first.low < 0.25


def _z_test_power(n: int, p1: float, p2: float, alpha: float) -> float:
    """Power of the pooled two-sided z-test at n per arm (normal approximation), computed with scipy."""
    mean = (p1 + p2) / 2
    spread = np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return float(stats.norm.cdf((abs(p2 - p1) * np.sqrt(n) - stats.norm.ppf(1 - alpha / 2)
                                 * np.sqrt(2 * mean * (1 - mean))) / spread))


@pytest.mark.parametrize(("baseline", "effect"), [(0.80, 0.05), (0.5, 0.1), (0.97, 0.05)])
def test_required_per_arm_is_the_smallest_size_reaching_the_power(baseline: float, effect: float) -> None:
    n = required_per_arm(baseline=baseline, effect=effect, alpha=0.05, power=0.8)
    targets = [t for t in (baseline + effect, baseline - effect) if 0 <= t <= 1]
    assert min(_z_test_power(n, baseline, t, 0.05) for t in targets) >= 0.8
    assert min(_z_test_power(n - 1, baseline, t, 0.05) for t in targets) < 0.8


def test_required_pairs_grows_with_discordance() -> None:
    few = required_pairs(discordant_rate=0.10, effect=0.05, alpha=0.05, power=0.8)
    many = required_pairs(discordant_rate=0.30, effect=0.05, alpha=0.05, power=0.8)
    assert few < many


def test_decide_waits_for_the_planned_size() -> None:
    quiet = two_proportion_z_test(90, 100, 91, 100)
    assert decide(quiet, alpha=0.05, observed=100, required=900)[0] == COLLECT
    assert decide(quiet, alpha=0.05, observed=900, required=900)[0] == KEEP


def _independent_verdicts(p_champion: float, p_challenger: float, seed: int, scale: float) -> list[str]:
    rng = np.random.default_rng(seed)
    n = int(scale * required_per_arm(baseline=p_champion, effect=EFFECT, alpha=ALPHA, power=POWER))
    verdicts = []
    for k1, k2 in zip(rng.binomial(n, p_champion, REPETITIONS), rng.binomial(n, p_challenger, REPETITIONS),
                      strict=True):
        test = two_proportion_z_test(int(k1), n, int(k2), n)
        required = required_per_arm(baseline=k1 / n, effect=EFFECT, alpha=ALPHA, power=POWER)
        verdicts.append(decide(test, alpha=ALPHA, observed=n, required=required)[0])
    return verdicts


def _paired_verdicts(champion_only: float, challenger_only: float, seed: int, scale: float) -> list[str]:
    rng = np.random.default_rng(seed)
    n = int(scale * required_pairs(discordant_rate=champion_only + challenger_only, effect=EFFECT, alpha=ALPHA,
                                   power=POWER))
    cells = rng.multinomial(n, [champion_only, challenger_only, 1 - champion_only - challenger_only], REPETITIONS)
    verdicts = []
    for b, c, _ in cells:
        test = mcnemar_test(int(b), int(c))
        test = type(test)(test.name, test.statistic, test.p_value, (c - b) / n, n)
        required = required_pairs(discordant_rate=(b + c) / n, effect=EFFECT, alpha=ALPHA, power=POWER)
        verdicts.append(decide(test, alpha=ALPHA, observed=n, required=required)[0])
    return verdicts


# Simulated traffic at `scale` times the planned size: champion accuracy 0.85 (independent arms), or 12 % of
# pairs discordant (shadow); the challenger's accuracy differs by `delta`.
SCENARIOS = {
    "independent": lambda delta, seed, scale=1.0: _independent_verdicts(0.85, 0.85 + delta, seed, scale),
    "paired": lambda delta, seed, scale=1.0: _paired_verdicts(0.06 - delta / 2, 0.06 + delta / 2, seed, scale),
}


@pytest.mark.parametrize("design", SCENARIOS)
def test_equal_arms_are_falsely_promoted_at_most_alpha_over_2(design: str) -> None:
    verdicts = SCENARIOS[design](0.0, 11)
    # two-sided test: a false promotion is the upper tail only; 3 binomial sd of tolerance
    assert verdicts.count(PROMOTE) / REPETITIONS <= ALPHA / 2 + 3 * np.sqrt(ALPHA / 2 / REPETITIONS)


@pytest.mark.parametrize("design", SCENARIOS)
def test_equal_arms_past_the_planned_size_are_kept(design: str) -> None:
    verdicts = SCENARIOS[design](0.0, 14, 2.0)
    assert verdicts.count(KEEP) / REPETITIONS >= 1 - ALPHA / 2 - 3 * np.sqrt(ALPHA / 2 / REPETITIONS)


@pytest.mark.parametrize("design", SCENARIOS)
def test_better_challenger_is_promoted_with_the_planned_power(design: str) -> None:
    verdicts = SCENARIOS[design](EFFECT, 12)
    assert verdicts.count(PROMOTE) / REPETITIONS >= POWER - 3 * np.sqrt(POWER * (1 - POWER) / REPETITIONS)


@pytest.mark.parametrize("design", SCENARIOS)
def test_worse_challenger_is_kept_out(design: str) -> None:
    verdicts = SCENARIOS[design](-EFFECT, 13)
    assert verdicts.count(PROMOTE) / REPETITIONS <= 0.002
    assert verdicts.count(KEEP) / REPETITIONS >= POWER - 3 * np.sqrt(POWER * (1 - POWER) / REPETITIONS)


def _traffic(rng: np.random.Generator, n: int, accuracy: dict[str, float], *, shadow: bool) -> pd.DataFrame:
    species = np.array(["setosa", "versicolor", "virginica"])
    truth = species[rng.integers(0, 3, n)]
    rows = []
    for arm, p in accuracy.items():
        right = rng.random(n) < p
        wrong = species[(np.searchsorted(species, truth) + rng.integers(1, 3, n)) % 3]
        predicted = np.where(right, truth, wrong)
        rows.append(pd.DataFrame({"sample_id": [f"s{i}" for i in range(n)], "ab_arm": arm, "species": truth,
                                  "predicted_species": predicted, "served": arm == "champion" or not shadow}))
    frame = pd.concat(rows, ignore_index=True)
    if not shadow:  # each record scored by one arm only
        to_champion = rng.random(n) < 0.5
        index = frame["sample_id"].str[1:].astype(int).to_numpy()
        frame = frame.loc[(frame["ab_arm"] == "champion").to_numpy() == to_champion[index]]
    return frame


def test_compare_arms_shadow_promotes_a_clearly_better_challenger() -> None:
    frame = _traffic(np.random.default_rng(5), 2000, {"champion": 0.80, "challenger": 0.95}, shadow=True)
    report = compare_arms(frame, settings=AbStatsSettings(resamples=200))
    assert report.design == "paired" and report.test.name == "mcnemar_exact"
    assert report.verdict == PROMOTE and report.test.effect == pytest.approx(0.15, abs=0.03)
    assert report.champion.accuracy_interval.low < 0.80 < report.champion.accuracy_interval.high


def test_compare_arms_split_of_equal_models_keeps_collecting_then_keeps() -> None:
    rng = np.random.default_rng(6)
    small = compare_arms(_traffic(rng, 200, {"champion": 0.9, "challenger": 0.9}, shadow=False),
                         settings=AbStatsSettings(resamples=200))
    assert small.design == "independent" and small.verdict == COLLECT and small.still_needed > 0
    large = compare_arms(_traffic(rng, 4000, {"champion": 0.9, "challenger": 0.9}, shadow=False),
                         settings=AbStatsSettings(resamples=200, minimum_effect=0.05))
    assert large.verdict == KEEP and large.still_needed == 0


def test_compare_arms_without_challenger_rows_keeps_collecting() -> None:
    frame = _traffic(np.random.default_rng(7), 100, {"champion": 0.9}, shadow=False)
    report = compare_arms(frame, settings=AbStatsSettings(resamples=100))
    assert report.verdict == COLLECT and "no labelled challenger record" in report.reason


def test_compare_arms_counts_the_latest_row_per_record_and_arm() -> None:
    frame = pd.DataFrame({"sample_id": ["a", "a", "b"], "ab_arm": ["champion", "champion", "challenger"],
                          "species": ["setosa"] * 3, "predicted_species": ["virginica", "setosa", "setosa"],
                          "served": [True] * 3,
                          "scored_at": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-01"])})
    report = compare_arms(frame, settings=AbStatsSettings(resamples=100))
    assert (report.champion.records, report.champion.correct) == (1, 1)
