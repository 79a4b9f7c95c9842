"""The relative-margin rule."""

from __future__ import annotations

import math

import pytest

from iris_mlops.ml.gate import decide


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
