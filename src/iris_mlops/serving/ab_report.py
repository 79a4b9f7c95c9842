"""Champion against challenger from scored, labelled predictions rows: per-arm figures, the test, the verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from iris_mlops.schemas import AB_ARM, PREDICTED_SPECIES, SAMPLE_ID, SCORED_AT, SERVED, SPECIES
from iris_mlops.serving.ab import CHALLENGER_ARM, CHAMPION_ARM
from iris_mlops.serving.ab_stats import (
    COLLECT,
    Interval,
    TestResult,
    Verdict,
    bootstrap_f1_interval,
    decide,
    macro_f1,
    mcnemar_test,
    required_pairs,
    required_per_arm,
    two_proportion_z_test,
    wilson_interval,
)

COLUMNS = (SAMPLE_ID, AB_ARM, SPECIES, PREDICTED_SPECIES, SERVED)


@dataclass(frozen=True)
class AbStatsSettings:
    """The statistical plan: significance, power, the smallest effect worth detecting, the bootstrap."""

    alpha: float = 0.05
    power: float = 0.8
    minimum_effect: float = 0.05
    resamples: int = 1000
    seed: int = 42


@dataclass(frozen=True)
class ArmSummary:
    """One arm on its labelled records: accuracy (Wilson interval) and macro F1 (bootstrap interval)."""

    arm: str
    records: int
    correct: int
    accuracy: float
    accuracy_interval: Interval
    f1_macro: float
    f1_interval: Interval


@dataclass(frozen=True)
class AbComparison:
    """Both arms, the test that fits the data, how much data the plan needs, and the verdict."""

    design: Literal["paired", "independent"]
    champion: ArmSummary
    challenger: ArmSummary
    test: TestResult
    observed: int  # pairs (paired) or records in the smaller arm (independent)
    required: int
    verdict: Verdict
    reason: str
    settings: AbStatsSettings

    @property
    def still_needed(self) -> int:
        return max(0, self.required - self.observed)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for --json and MLflow tags."""
        return {**asdict(self), "still_needed": self.still_needed}


def compare_arms(scored: pd.DataFrame, *, settings: AbStatsSettings) -> AbComparison:
    """Compare the arms on rows with a known `species`; the latest row per (sample_id, arm) counts."""
    missing = [c for c in COLUMNS if c not in scored.columns]
    if missing:
        raise ValueError(f"scored rows lack column(s) {', '.join(missing)}")
    rows = scored.loc[scored[SPECIES].notna() & scored[AB_ARM].isin([CHAMPION_ARM, CHALLENGER_ARM])]
    if SCORED_AT in rows.columns:
        rows = rows.sort_values(SCORED_AT, kind="stable")
    rows = rows.drop_duplicates([SAMPLE_ID, AB_ARM], keep="last")
    classes = sorted(set(rows[SPECIES].astype(str)) | set(rows[PREDICTED_SPECIES].astype(str)))
    arms: dict[str, ArmSummary] = {
        arm: _summary(rows.loc[rows[AB_ARM] == arm], arm, classes, settings) for arm in (CHAMPION_ARM, CHALLENGER_ARM)
    }
    shadow = rows.loc[(rows[AB_ARM] == CHALLENGER_ARM) & ~rows[SERVED].astype(bool)]
    if not shadow.empty:
        return _paired(rows, arms, settings)
    return _independent(arms, settings)


def _summary(rows: pd.DataFrame, arm: str, classes: list[str], settings: AbStatsSettings) -> ArmSummary:
    confidence = 1 - settings.alpha
    truth, predicted = _codes(rows[SPECIES], classes), _codes(rows[PREDICTED_SPECIES], classes)
    correct = int((truth == predicted).sum())
    n = len(rows)
    f1 = float(macro_f1(truth, predicted, classes=len(classes))[0]) if n else float("nan")
    f1_interval = bootstrap_f1_interval(truth, predicted, classes=len(classes), confidence=confidence,
                                        resamples=settings.resamples, seed=settings.seed)
    return ArmSummary(arm, n, correct, correct / n if n else float("nan"),
                      wilson_interval(correct, n, confidence=confidence), f1, f1_interval)


def _codes(values: pd.Series, classes: list[str]) -> np.ndarray:
    return np.searchsorted(np.asarray(classes), values.astype(str).to_numpy())


def _paired(rows: pd.DataFrame, arms: dict[str, ArmSummary], settings: AbStatsSettings) -> AbComparison:
    right = (rows[SPECIES].astype(str) == rows[PREDICTED_SPECIES].astype(str)).rename("right")
    wide = pd.concat([rows[[SAMPLE_ID, AB_ARM]], right], axis=1).pivot(
        index=SAMPLE_ID, columns=AB_ARM, values="right").dropna()
    pairs = len(wide)
    champion_right = wide[CHAMPION_ARM].astype(bool) if pairs else pd.Series(dtype=bool)
    challenger_right = wide[CHALLENGER_ARM].astype(bool) if pairs else pd.Series(dtype=bool)
    b, c = int((champion_right & ~challenger_right).sum()), int((~champion_right & challenger_right).sum())
    base = mcnemar_test(b, c)
    test = TestResult(base.name, base.statistic, base.p_value, (c - b) / pairs if pairs else 0.0, pairs)
    required = required_pairs(discordant_rate=(b + c) / pairs if pairs else 0.0, effect=settings.minimum_effect,
                              alpha=settings.alpha, power=settings.power)
    return _finish("paired", arms, test, pairs, required, settings)


def _independent(arms: dict[str, ArmSummary], settings: AbStatsSettings) -> AbComparison:
    champion, challenger = arms[CHAMPION_ARM], arms[CHALLENGER_ARM]
    test = two_proportion_z_test(champion.correct, champion.records, challenger.correct, challenger.records)
    baseline = champion.accuracy if champion.records else 0.5
    required = required_per_arm(baseline=baseline, effect=settings.minimum_effect, alpha=settings.alpha,
                                power=settings.power)
    return _finish("independent", arms, test, min(champion.records, challenger.records), required, settings)


def _finish(design: Literal["paired", "independent"], arms: dict[str, ArmSummary], test: TestResult, observed: int,
            required: int, settings: AbStatsSettings) -> AbComparison:
    if arms[CHAMPION_ARM].records == 0 or arms[CHALLENGER_ARM].records == 0:
        empty = CHAMPION_ARM if arms[CHAMPION_ARM].records == 0 else CHALLENGER_ARM
        verdict, reason = COLLECT, f"no labelled {empty} record yet: nothing to compare"
    else:
        verdict, reason = decide(test, alpha=settings.alpha, observed=observed, required=required)
    return AbComparison(design, arms[CHAMPION_ARM], arms[CHALLENGER_ARM], test, observed, required, verdict, reason,
                        settings)
