"""Quarantine, read back: why rows were held, as pure transforms (counts per reason kind and batch)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from iris_mlops.schemas import BATCH_ID, REASONS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

REASON = "reason"
ROWS = "rows"


def reason_kind(reason: str) -> str:
    """`not_a_number:sepal_length` -> `not_a_number` (the kind, without the column it was found in)."""
    return reason.split(":", 1)[0]


def kinds_of(reasons: Iterable[str]) -> list[str]:
    """The distinct reason kinds of one row, in order (plain Python: no Spark needed)."""
    return list(dict.fromkeys(reason_kind(r) for r in reasons))


def reason_kinds(quarantine: DataFrame) -> DataFrame:
    """One row per (quarantined row, reason kind): a row with two bad measurements counts once per kind."""
    from pyspark.sql import functions as F  # noqa: N812  (imported here: commands read kinds without Spark)

    kinds = F.array_distinct(F.transform(F.col(REASONS), lambda r: F.split(r, ":").getItem(0)))
    return quarantine.select("*", F.explode(kinds).alias(REASON))


def reason_counts(quarantine: DataFrame, *, by_batch: bool = False) -> DataFrame:
    """Rows per reason kind (and per batch with `by_batch`), most frequent first."""
    from pyspark.sql import functions as F  # noqa: N812

    keys = [BATCH_ID, REASON] if by_batch else [REASON]
    counted = reason_kinds(quarantine).groupBy(*keys).agg(F.count(F.lit(1)).alias(ROWS))
    return counted.orderBy(*([F.col(BATCH_ID)] if by_batch else []), F.col(ROWS).desc(), F.col(REASON))
