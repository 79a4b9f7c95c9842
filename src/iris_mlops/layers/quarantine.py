"""Quarantine, read back: why rows were held, as pure transforms (counts per reason kind and batch)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from iris_mlops.schemas import BATCH_ID, REASONS

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

REASON = "reason"
ROWS = "rows"
SIDE = "side"
ENTRIES = "entries"


def reason_kind(reason: str) -> str:
    """`not_a_number:sepal_length` -> `not_a_number` (the kind, without the column it was found in)."""
    return reason.split(":", 1)[0]


def kinds_of(reasons: Iterable[str]) -> list[str]:
    """The distinct reason kinds of one row, in order (plain Python: no Spark needed)."""
    return list(dict.fromkeys(reason_kind(r) for r in reasons))


def reason_kinds(quarantine: DataFrame) -> DataFrame:
    """One row per (quarantined row, reason kind): a row with two bad measurements counts once per kind."""
    from pyspark.sql import functions as F  # noqa: N812  (imported here: commands read kinds without Spark)

    return quarantine.select("*", F.explode(_kinds()).alias(REASON))


def reason_counts(quarantine: DataFrame, *, by_batch: bool = False) -> DataFrame:
    """Rows per reason kind (and per batch with `by_batch`), most frequent first."""
    from pyspark.sql import functions as F  # noqa: N812

    keys = [BATCH_ID, REASON] if by_batch else [REASON]
    counted = reason_kinds(quarantine).groupBy(*keys).agg(F.count(F.lit(1)).alias(ROWS))
    return counted.orderBy(*([F.col(BATCH_ID)] if by_batch else []), F.col(ROWS).desc(), F.col(REASON))


def split_counts(silver: DataFrame, quarantine: DataFrame) -> DataFrame:
    """One small frame, one Spark job: (side, reason, rows, entries) for both sides of a silver split.

    `rows` counts rows (silver: all; quarantine: per reason kind, a row once per kind) and `entries` the rows
    themselves (a quarantined row counts once, on its first kind), so row totals and reason counts come together.
    """
    from pyspark.sql import functions as F  # noqa: N812

    held = quarantine.select(F.lit("quarantine").alias(SIDE), F.posexplode(_kinds()).alias("_first", REASON))
    no_reason = F.lit(None).cast("string").alias(REASON)
    kept = silver.select(F.lit("silver").alias(SIDE), F.lit(0).alias("_first"), no_reason)
    return kept.unionByName(held).groupBy(SIDE, REASON).agg(
        F.count(F.lit(1)).alias(ROWS), F.count_if(F.col("_first") == 0).alias(ENTRIES))


def _kinds() -> Column:
    """The distinct reason kinds of a row's `reasons`, in order."""
    from pyspark.sql import functions as F  # noqa: N812

    return F.array_distinct(F.transform(F.col(REASONS), lambda r: F.split(r, ":").getItem(0)))
