"""The hash-based stratified holdout."""

from __future__ import annotations

import numpy as np
import pytest

from iris_mlops.ml.split import holdout_mask, split_frame

IDS = [f"b:{i}" for i in range(150)]
LABELS = ["setosa"] * 50 + ["versicolor"] * 50 + ["virginica"] * 50


def test_holdout_mask_is_stratified() -> None:
    mask = holdout_mask(IDS, LABELS, test_fraction=0.2, seed=42)
    held = np.array(LABELS)[mask]
    assert {s: int((held == s).sum()) for s in set(LABELS)} == {"setosa": 10, "versicolor": 10, "virginica": 10}


def test_holdout_mask_ignores_row_order() -> None:
    order = np.random.default_rng(0).permutation(150)
    first = dict(zip(IDS, holdout_mask(IDS, LABELS, test_fraction=0.2, seed=42), strict=True))
    shuffled = holdout_mask([IDS[i] for i in order], [LABELS[i] for i in order], test_fraction=0.2, seed=42)
    assert {IDS[i]: bool(m) for i, m in zip(order, shuffled, strict=True)} == first


def test_holdout_mask_depends_on_seed() -> None:
    a = holdout_mask(IDS, LABELS, test_fraction=0.2, seed=1)
    b = holdout_mask(IDS, LABELS, test_fraction=0.2, seed=2)
    assert (a != b).any()


def test_holdout_mask_keeps_a_training_row_in_tiny_classes() -> None:
    mask = holdout_mask(["a", "b", "c"], ["x", "x", "y"], test_fraction=0.9, seed=0)
    assert mask.tolist().count(True) == 1  # one of the two "x", never the single "y"
    assert not mask[2]


def test_holdout_mask_refuses_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="more than once"):
        holdout_mask(["a", "a"], ["x", "x"], test_fraction=0.5, seed=0)


def test_split_frame_parts_are_disjoint_and_complete() -> None:
    import pandas as pd

    frame = pd.DataFrame({"sample_id": IDS, "species": LABELS})
    train, test = split_frame(frame, test_fraction=0.2, seed=42)
    assert len(train) == 120 and len(test) == 30
    assert set(train["sample_id"]).isdisjoint(test["sample_id"])
