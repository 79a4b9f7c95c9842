"""The selection rule and the leaderboard: pure functions over trial results, never over timings."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

# Scores equal to this many decimals are a tie: summing the same fold scores in another order
# must not pick another winner.
TIE_DECIMALS = 12
TrialStatus = Literal["done", "failed", "skipped"]


@dataclass(frozen=True)
class TrialResult:
    """One trial's outcome: per-fold scores of every metric (empty when skipped or failed)."""

    family: str
    index: int
    params: Mapping[str, Any]
    status: TrialStatus
    fold_metrics: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    fit_seconds: float = 0.0
    predict_seconds: float = 0.0
    error: str | None = None

    def mean(self, metric: str) -> float:
        return statistics.fmean(self.fold_metrics[metric])

    def std(self, metric: str) -> float:
        """Population standard deviation over folds (0 for one fold)."""
        return statistics.pstdev(self.fold_metrics[metric])


def rank_key(mean: float, std: float, order: int) -> tuple[float, float, int]:
    """Higher mean first, then lower std, then the family listed first in the configured order."""
    return (-round(mean, TIE_DECIMALS), round(std, TIE_DECIMALS), order)


def best_trial(trials: Sequence[TrialResult], *, metric: str) -> TrialResult | None:
    """The family's best completed trial by mean, then std, then the earlier trial."""
    done = [t for t in trials if t.status == "done"]
    if not done:
        return None
    return min(done, key=lambda t: rank_key(t.mean(metric), t.std(metric), t.index))


@dataclass(frozen=True)
class FamilyRow:
    """One leaderboard row: a family's best trial, or none when all its trials were skipped or failed."""

    family: str
    best: TrialResult | None
    trials_done: int
    trials_planned: int
    trials_skipped: tuple[int, ...]
    trials_failed: tuple[int, ...]
    rank: int | None = None

    @property
    def status(self) -> str:
        if self.best is None:
            return "failed" if self.trials_failed and not self.trials_skipped else "skipped"
        return "complete" if self.trials_done == self.trials_planned else "partial"


@dataclass(frozen=True)
class Leaderboard:
    """Families ranked by the selection rule; `partial` when the safety stop skipped any trial."""

    metric: str
    rows: tuple[FamilyRow, ...]
    skipped: tuple[str, ...]

    @property
    def partial(self) -> bool:
        return bool(self.skipped)

    @property
    def winner(self) -> FamilyRow | None:
        ranked = [row for row in self.rows if row.rank == 1]
        return ranked[0] if ranked else None


def build_leaderboard(results: Sequence[TrialResult], *, family_order: Sequence[str], metric: str) -> Leaderboard:
    """Group trials by family, keep each family's best, rank families by the selection rule."""
    rows: list[FamilyRow] = []
    for family in family_order:
        trials = [t for t in results if t.family == family]
        rows.append(
            FamilyRow(
                family=family,
                best=best_trial(trials, metric=metric),
                trials_done=sum(t.status == "done" for t in trials),
                trials_planned=len(trials),
                trials_skipped=tuple(t.index for t in trials if t.status == "skipped"),
                trials_failed=tuple(t.index for t in trials if t.status == "failed"),
            )
        )
    order = {family: i for i, family in enumerate(family_order)}
    scored = sorted(
        (row for row in rows if row.best is not None),
        key=lambda r: rank_key(r.best.mean(metric), r.best.std(metric), order[r.family]),  # type: ignore[union-attr]
    )
    ranks = {row.family: i + 1 for i, row in enumerate(scored)}
    ranked = [FamilyRow(**{**row.__dict__, "rank": ranks.get(row.family)}) for row in rows]
    ranked.sort(key=lambda r: (r.rank is None, r.rank or 0, order[r.family]))
    skipped = tuple(f"{t.family}#{t.index}" for t in results if t.status == "skipped")
    return Leaderboard(metric=metric, rows=tuple(ranked), skipped=skipped)


def leaderboard_records(board: Leaderboard) -> list[dict[str, Any]]:
    """The leaderboard as plain rows (for a table artifact, JSON and the console)."""
    records = []
    for row in board.rows:
        best = row.best
        record: dict[str, Any] = {
            "rank": row.rank,
            "family": row.family,
            "status": row.status,
            "trials_done": row.trials_done,
            "trials_planned": row.trials_planned,
            "best_trial": best.index if best else None,
            "params": dict(best.params) if best else None,
        }
        for metric in best.fold_metrics if best else {board.metric: ()}:
            record[f"{metric}_mean"] = best.mean(metric) if best else None
            record[f"{metric}_std"] = best.std(metric) if best else None
        record["fit_seconds"] = best.fit_seconds if best else None
        records.append(record)
    return records
