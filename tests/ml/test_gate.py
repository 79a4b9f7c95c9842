"""The relative-margin rule."""

from __future__ import annotations

import math

import pytest

from iris_mlops.ml.gate import Pin, compare, decide, decide_promotion


def test_decide_passes_without_reference() -> None:
    decision = decide(candidate_score=0.5, reference_score=None, margin=0.05)
    assert decision.passed and "no reference" in decision.reason


def test_decide_passes_within_margin() -> None:
    decision = decide(candidate_score=0.96, reference_score=1.0, margin=0.05)
    assert decision.passed
    assert decision.relative_drop == pytest.approx(0.04)


def test_decide_passes_exactly_at_margin() -> None:
    assert decide(candidate_score=0.95, reference_score=1.0, margin=0.05).passed


def test_decide_fails_beyond_margin() -> None:
    decision = decide(candidate_score=0.94, reference_score=1.0, margin=0.05)
    assert not decision.passed
    assert "exceeds" in decision.reason and decision.reference_score == 1.0 and decision.candidate_score == 0.94


def test_decide_fails_on_a_nan_candidate() -> None:
    assert not decide(candidate_score=math.nan, reference_score=0.9, margin=0.05).passed


def test_decide_refuses_a_margin_outside_0_1() -> None:
    with pytest.raises(ValueError, match="margin"):
        decide(candidate_score=1.0, reference_score=1.0, margin=1.5)


def test_decide_says_better_by_for_an_improvement() -> None:
    decision = decide(candidate_score=0.98, reference_score=0.96, margin=0.05)
    assert decision.passed and "better by 2.1%" in decision.reason and "drop" not in decision.reason


def test_decide_says_worse_by_within_the_margin_for_a_tolerated_drop() -> None:
    decision = decide(candidate_score=0.95, reference_score=0.96, margin=0.05)
    assert decision.passed and "worse by 1.0%, within the 5.0% tolerated relative drop" in decision.reason


def test_decide_says_equal_for_the_same_score() -> None:
    assert decide(candidate_score=0.9, reference_score=0.9, margin=0.05).reason.endswith(": equal")


PIN = Pin(version="3", by="alice", at="2026-11-29T18:00:00+00:00", reason="rollback after incident")


def test_decide_promotion_without_pin_follows_the_gate() -> None:
    decision = decide_promotion(candidate_score=0.99, champion_score=0.9, margin=0.05)
    assert decision.promote and not decision.pinned and decision.reason == decision.gate.reason


def test_decide_promotion_keeps_a_pinned_champion_even_when_the_gate_passes() -> None:
    decision = decide_promotion(candidate_score=0.99, champion_score=0.9, margin=0.05, pin=PIN)
    assert decision.gate.passed and not decision.promote and not decision.passed
    assert decision.pinned and decision.pinned_version == "3"
    assert "pinned to version 3 by alice (rollback after incident)" in decision.reason and "would have promoted" in \
        decision.reason
    assert decision.as_dict()["pinned"] is True and decision.as_dict()["gate_passed"] is True


def test_decide_promotion_force_lets_the_gate_decide_despite_a_pin() -> None:
    forced = decide_promotion(candidate_score=0.99, champion_score=0.9, margin=0.05, pin=PIN, force=True)
    assert forced.promote and forced.forced and not forced.pinned and "overridden by --force" in forced.reason
    worse = decide_promotion(candidate_score=0.5, champion_score=0.9, margin=0.05, pin=PIN, force=True)
    assert not worse.promote


def test_compare_uses_the_best_reference_and_names_it() -> None:
    decision = compare(candidate_score=0.93, references={"champion v3": 0.94, "best earlier champion v1": 0.99},
                       margin=0.05)
    assert not decision.passed  # within 5 % of the champion, not of the best earlier champion
    assert decision.reference == "best earlier champion v1" and decision.reference_score == 0.99
    assert "vs best earlier champion v1 0.9900" in decision.reason and "champion v3 0.9400" in decision.reason
    assert decision.references == {"champion v3": 0.94, "best earlier champion v1": 0.99}


def test_compare_skips_missing_and_nan_references() -> None:
    decision = compare(candidate_score=0.9, references={"champion v1": None, "baseline": math.nan}, margin=0.05)
    assert decision.passed and decision.reference is None and "no reference" in decision.reason
    only = compare(candidate_score=0.9, references={"champion v1": None, "baseline": 0.99}, margin=0.05)
    assert not only.passed and only.reference == "baseline"


def test_compare_still_refuses_a_nan_candidate_and_a_bad_margin() -> None:
    assert not compare(candidate_score=math.nan, references={"champion v1": 0.9}, margin=0.05).passed
    with pytest.raises(ValueError, match="margin"):
        compare(candidate_score=0.9, references={"champion v1": 0.9}, margin=-0.1)


def _walk(rule: str, *, start: float, margin: float, steps: int = 10) -> float:
    """The champion's score after `steps` challengers, each 0.8·margin worse than the champion of the moment."""
    champion, promoted = start, [start]
    for _ in range(steps):
        challenger = champion * (1 - 0.8 * margin)
        if rule == "champion only":
            passed = decide(candidate_score=challenger, reference_score=champion, margin=margin).passed
        else:
            references = {"champion": champion, "best earlier champion": max(promoted)}
            passed = compare(candidate_score=challenger, references=references, margin=margin).passed
        if passed:
            champion = challenger
            promoted.append(challenger)
    return champion


def test_ten_slightly_worse_models_cannot_erode_the_champion_by_more_than_the_margin() -> None:
    start, margin = 0.98, 0.05
    assert _walk("best of", start=start, margin=margin) >= start * (1 - margin)
    # The old rule (champion only) lets the same ten models walk it down to about two thirds.
    assert _walk("champion only", start=start, margin=margin) < start * (1 - margin) ** 5


def test_decide_promotion_with_references_compares_against_the_best() -> None:
    refs = {"champion v3": 0.94, "best earlier champion v1": 0.99}
    plain = decide_promotion(candidate_score=0.93, champion_score=0.94, margin=0.05)
    best = decide_promotion(candidate_score=0.93, champion_score=0.94, margin=0.05, references=refs)
    assert plain.promote and not best.promote and best.gate.reference == "best earlier champion v1"
    pinned = decide_promotion(candidate_score=0.99, champion_score=0.94, margin=0.05, references=refs,
                              pin=Pin(version="3", by="alice", at="2026-01-01", reason="audit"))
    assert not pinned.promote and pinned.gate.passed and pinned.pinned
