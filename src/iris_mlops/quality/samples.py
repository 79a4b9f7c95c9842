"""Bounded samples of failing rows, fetched only for the row-level expectations that failed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from iris_mlops.quality.plan import both, condition, ident, unexpected
from iris_mlops.quality.results import jsonable
from iris_mlops.quality.suite import Expectation

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def failing_rows(
    df: DataFrame, failed: dict[int, tuple[Expectation, int]], *, size: int
) -> dict[int, list[dict[str, Any]]]:
    """Up to `size` failing rows per failed expectation (by index).

    `failed` maps an expectation index to the expectation and its exact unexpected count. One scan
    serves all of them; an expectation that the shared limit starved gets one targeted query.
    """
    if not failed or size <= 0:
        return {}
    predicates = {i: _predicate(e) for i, (e, _) in failed.items()}
    rows = _scan(df, predicates, limit=size * len(failed))
    samples = {i: [row for flags, row in rows if flags[i]][:size] for i in failed}
    for i, (_, count) in failed.items():
        if len(samples[i]) < min(size, count):
            samples[i] = [row for _, row in _scan(df, {i: predicates[i]}, limit=size)]
    return samples


def _predicate(expectation: Expectation) -> str:
    return both(condition(expectation), unexpected(expectation))


def _scan(df: DataFrame, predicates: dict[int, str], *, limit: int) -> list[tuple[dict[int, bool], dict[str, Any]]]:
    keep = " OR ".join(f"({p})" for p in predicates.values())
    flags = [f"coalesce({p}, false) AS __dq_{i}" for i, p in predicates.items()]
    picked = df.where(keep).selectExpr(*[ident(c) for c in df.columns], *flags).limit(limit).collect()
    out = []
    for row in picked:
        data = row.asDict()
        marks = {i: bool(data.pop(f"__dq_{i}")) for i in predicates}
        out.append((marks, {k: jsonable(v) for k, v in data.items()}))
    return out


def duplicate_values(df: DataFrame, column: str, *, size: int) -> list[Any]:
    """Up to `size` values that occur more than once (for a failed uniqueness check)."""
    from pyspark.sql import functions as F  # noqa: N812

    found = df.where(F.col(column).isNotNull()).groupBy(column).count().where(F.col("count") > 1).limit(size)
    return [jsonable(r[column]) for r in found.collect()]
