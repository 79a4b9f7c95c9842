"""The held-out split: deterministic by a hash of sample_id, stratified by species.

Within each species, rows are ordered by ``sha256("<seed>:<sample_id>")`` and the first
``round(n × test_fraction)`` (at least one, and never the whole class, when it has two rows or more) are
held out. The result
depends only on the set of (sample_id, species) pairs and the seed — not on row order, Spark
partitioning or the process — so every model trained on the same table version is evaluated on the
same rows, and none of them trained on those rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd


def sample_hash(sample_id: str, *, seed: int) -> int:
    """A stable 64-bit integer for one sample id (Python's hash() is salted per process, this is not)."""
    digest = hashlib.sha256(f"{seed}:{sample_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def holdout_mask(sample_ids: Iterable[str], labels: Iterable[str], *, test_fraction: float, seed: int) -> np.ndarray:
    """Boolean array, True for held-out (test) rows, aligned with `sample_ids`.

    Raises ValueError on duplicate sample ids or a fraction outside (0, 1).
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    frame = pd.DataFrame({"sample_id": list(sample_ids), "label": list(labels)})
    if frame["sample_id"].duplicated().any():
        duplicated = frame.loc[frame["sample_id"].duplicated(), "sample_id"].iloc[0]
        raise ValueError(f"sample_id {duplicated!r} appears more than once")
    frame["hash"] = [sample_hash(str(s), seed=seed) for s in frame["sample_id"]]
    frame["rank"] = frame.sort_values(["hash", "sample_id"]).groupby("label").cumcount()
    sizes = frame.groupby("label")["sample_id"].transform("size")
    # At least one test row per class of two or more, and always at least one training row.
    quota = np.where(sizes >= 2, np.clip(np.rint(sizes * test_fraction), 1, sizes - 1), 0)
    return (frame["rank"] < quota).to_numpy()


def split_frame(
    frame: pd.DataFrame, *, test_fraction: float, seed: int, id_column: str = "sample_id", label_column: str = "species"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) copies of `frame`, split with `holdout_mask`; row order within each part is kept."""
    mask = holdout_mask(frame[id_column], frame[label_column], test_fraction=test_fraction, seed=seed)
    return frame.loc[~mask].copy(), frame.loc[mask].copy()
