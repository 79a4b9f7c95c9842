"""The one extra pass for checks that need a shuffle: uniqueness, distinct sets, proportion of unique values.

Every such column is counted per value in a single groupBy: each row is exploded into one element per
column, an element carrying the column's index and its value in a field of the column's own type (so
no value is cast to text and equality stays Spark's own). A second, tiny aggregation turns the
per-value counts into exact distinct counts, duplicated rows and set membership per column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iris_mlops.quality.suite import Expectation

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


@dataclass(frozen=True)
class ColumnCounts:
    """Exact per-column figures from the shuffle pass."""

    element_count: int
    nonnull_count: int
    distinct_count: int
    duplicated_rows: int
    not_in_set: int = 0
    in_set: int = 0
    unexpected_values: tuple[Any, ...] = ()
    values: tuple[Any, ...] = ()


def shuffle_counts(df: DataFrame, expectations: list[Expectation], *, cap: int) -> dict[int, ColumnCounts]:
    """Counts for each shuffle expectation (by expectation index), computed in one pass over `df`."""
    from pyspark.sql import functions as F  # noqa: N812

    columns = sorted({e.column or "" for e in expectations})
    counts = _value_counts(df, columns)
    aggs: list[Column] = []
    for j in range(len(columns)):
        mine, v = F.col("i") == j, F.col(f"v{j}")
        aggs += [
            F.sum(F.when(mine, F.col("n"))).alias(f"rows{j}"),
            F.sum(F.when(mine & v.isNotNull(), F.col("n"))).alias(f"nonnull{j}"),
            F.count_if(mine & v.isNotNull()).alias(f"distinct{j}"),
            F.sum(F.when(mine & v.isNotNull() & (F.col("n") > 1), F.col("n"))).alias(f"dup{j}"),
        ]
    for e in expectations:
        aggs += _set_aggs(e, columns.index(e.column or ""), cap=cap)
    row = counts.agg(*aggs).collect()[0]
    return {e.index: _read(row, e, columns.index(e.column or "")) for e in expectations}


def _value_counts(df: DataFrame, columns: list[str]) -> DataFrame:
    from pyspark.sql import functions as F  # noqa: N812

    types = {f.name: f.dataType for f in df.schema.fields}
    elements = [
        F.struct(
            F.lit(j).alias("i"),
            *[(F.col(c) if k == j else F.lit(None).cast(types[c])).alias(f"v{k}") for k, c in enumerate(columns)],
        )
        for j in range(len(columns))
    ]
    exploded = df.select(F.explode(F.array(*elements)).alias("e")).select("e.*")
    return exploded.groupBy("i", *[f"v{k}" for k in range(len(columns))]).agg(F.count(F.lit(1)).alias("n"))


def _set_aggs(expectation: Expectation, j: int, *, cap: int) -> list[Column]:
    from pyspark.sql import functions as F  # noqa: N812

    if expectation.type != "expect_column_distinct_values_to_equal_set":
        return []
    mine, v = (F.col("i") == j) & F.col(f"v{j}").isNotNull(), F.col(f"v{j}")
    member = v.isin(list(expectation.kwargs.value_set))  # type: ignore[attr-defined]
    k = expectation.index
    return [
        F.count_if(mine & ~member).alias(f"notin{k}"),
        F.count_if(mine & member).alias(f"in{k}"),
        F.slice(F.collect_list(F.when(mine & ~member, v)), 1, cap).alias(f"unexp{k}"),
        F.slice(F.collect_list(F.when(mine, v)), 1, cap).alias(f"values{k}"),
    ]


def _read(row: Any, expectation: Expectation, j: int) -> ColumnCounts:
    k = expectation.index
    is_set = expectation.type == "expect_column_distinct_values_to_equal_set"
    return ColumnCounts(
        element_count=int(row[f"rows{j}"] or 0),
        nonnull_count=int(row[f"nonnull{j}"] or 0),
        distinct_count=int(row[f"distinct{j}"] or 0),
        duplicated_rows=int(row[f"dup{j}"] or 0),
        not_in_set=int(row[f"notin{k}"]) if is_set else 0,
        in_set=int(row[f"in{k}"]) if is_set else 0,
        unexpected_values=tuple(sorted(row[f"unexp{k}"], key=str)) if is_set else (),
        values=tuple(sorted(row[f"values{k}"], key=str)) if is_set else (),
    )
