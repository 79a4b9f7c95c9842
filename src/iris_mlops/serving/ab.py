"""The A/B split: a record goes to the challenger by a stable hash of its key, the same everywhere.

Batch scoring, the stream and the online server all call `assign_arm`, so one record key lands in the
same arm whichever path scores it, on any machine and in any process (no Python `hash()`, which is salted
per process). The salt starts a new, independent split (a new experiment) without changing the share.
"""

from __future__ import annotations

import hashlib
from typing import Literal

Arm = Literal["champion", "challenger"]
CHAMPION_ARM: Arm = "champion"
CHALLENGER_ARM: Arm = "challenger"
ARMS: tuple[Arm, Arm] = (CHAMPION_ARM, CHALLENGER_ARM)
# 2**64: the first 8 bytes of the digest as an integer, divided by this, are uniform on [0, 1).
_SCALE = float(1 << 64)


def hash_unit(key: str, *, salt: str = "") -> float:
    """`key` mapped to [0, 1) by sha256 of salt + ':' + key: stable across processes, machines and versions."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def assign_arm(key: str, *, challenger_share: float, salt: str = "") -> Arm:
    """'challenger' for a `challenger_share` fraction of keys (by stable hash), 'champion' for the rest."""
    if not 0.0 <= challenger_share <= 1.0:
        raise ValueError(f"challenger_share must be between 0 and 1, got {challenger_share}")
    return CHALLENGER_ARM if hash_unit(key, salt=salt) < challenger_share else CHAMPION_ARM
