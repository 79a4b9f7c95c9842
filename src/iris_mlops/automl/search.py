"""Trial plans: every combination of a search space (grid) or a seeded sample of distinct ones (random)."""

from __future__ import annotations

import itertools
import random
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Trial:
    """One candidate: a family, its position in the family's plan and its parameters."""

    family: str
    index: int
    params: Mapping[str, Any]

    @property
    def key(self) -> str:
        return f"{self.family}#{self.index}"


def grid(space: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the space, in a stable order (parameter names sorted, values as listed)."""
    names = sorted(space)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(space[n] for n in names))]


def family_seed(seed: int, family: str) -> int:
    """A per-family seed that does not change when other families are added or reordered."""
    return seed + zlib.crc32(family.encode("utf-8")) % 100_003


def plan_trials(
    family: str,
    space: Mapping[str, Sequence[Any]],
    *,
    search: Literal["grid", "random"],
    budget: int,
    seed: int,
) -> list[Trial]:
    """The trials of one family: the whole grid, or `budget` distinct combinations drawn with a seed.

    An empty space gives one trial with the model's defaults. A random search whose space holds no more
    combinations than the budget runs them all, so a small space is never sampled twice.
    """
    combos = grid(space) if space else [{}]
    if search == "random" and len(combos) > budget:
        rng = random.Random(family_seed(seed, family))
        picked = sorted(rng.sample(range(len(combos)), budget))
        combos = [combos[i] for i in picked]
    return [Trial(family=family, index=i, params=params) for i, params in enumerate(combos)]
