"""The A/B split: stable, near the share, independent per salt, refusing a share outside 0–1."""

from __future__ import annotations

import hashlib

import pytest

from iris_mlops.serving.ab import assign_arm, hash_unit

KEYS = [f"batch-{i // 100}:{i % 100}" for i in range(20_000)]


def test_hash_unit_is_sha256_of_salt_and_key() -> None:
    # Stable across processes and machines: a plain digest, never Python's per-process salted hash().
    expected = int(hashlib.sha256(b"exp1:batch-0:7").hexdigest()[:16], 16) / 2**64
    assert hash_unit("batch-0:7", salt="exp1") == expected


def test_assign_arm_follows_the_hash() -> None:
    arms = {k: assign_arm(k, challenger_share=0.3, salt="exp1") for k in KEYS[:200]}
    assert all((arm == "challenger") == (hash_unit(k, salt="exp1") < 0.3) for k, arm in arms.items())


@pytest.mark.parametrize("share", [0.1, 0.5, 0.9])
def test_assign_arm_share_is_near_the_configured_share(share: float) -> None:
    challengers = sum(assign_arm(k, challenger_share=share) == "challenger" for k in KEYS)
    # binomial sd at n = 20 000 is at most 0.0036: 4 sd
    assert abs(challengers / len(KEYS) - share) < 0.015


def test_assign_arm_extremes_send_everything_to_one_arm() -> None:
    assert {assign_arm(k, challenger_share=0.0) for k in KEYS[:500]} == {"champion"}
    assert {assign_arm(k, challenger_share=1.0) for k in KEYS[:500]} == {"challenger"}


def test_assign_arm_grows_monotonically_with_the_share() -> None:
    # Raising the share only moves champion keys to the challenger, never back.
    small = {k for k in KEYS if assign_arm(k, challenger_share=0.2) == "challenger"}
    large = {k for k in KEYS if assign_arm(k, challenger_share=0.4) == "challenger"}
    assert small < large


def test_assign_arm_salt_gives_an_independent_split() -> None:
    a = [assign_arm(k, challenger_share=0.5, salt="a") == "challenger" for k in KEYS]
    b = [assign_arm(k, challenger_share=0.5, salt="b") == "challenger" for k in KEYS]
    agreement = sum(x == y for x, y in zip(a, b, strict=True)) / len(KEYS)
    assert 0.48 < agreement < 0.52


def test_hash_unit_is_in_the_unit_interval() -> None:
    values = [hash_unit(k) for k in KEYS]
    assert min(values) >= 0.0 and max(values) < 1.0


@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_assign_arm_refuses_a_share_outside_0_1(share: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        assign_arm("k", challenger_share=share)
