"""Spark expressions for the engine: every row-level and aggregate metric of a suite as one `agg`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from iris_mlops.quality.catalogue import AGGREGATE_FUNCTIONS
from iris_mlops.quality.suite import Expectation

if TYPE_CHECKING:
    from pyspark.sql import Column


@dataclass
class AggregatePlan:
    """Named aggregate expressions, deduplicated by key, evaluated together in one `agg`."""

    exprs: dict[str, Column] = field(default_factory=dict)

    def add(self, key: str, build: Any) -> str:
        """Register `build()` under `key` once; return the key."""
        if key not in self.exprs:
            self.exprs[key] = build()
        return key

    def columns(self) -> list[Column]:
        return [expr.alias(f"m{i}") for i, expr in enumerate(self.exprs.values())]

    def read(self, row: Any) -> dict[str, Any]:
        """Metric values by key from the one result row."""
        return {key: row[f"m{i}"] for i, key in enumerate(self.exprs)}


def condition(expectation: Expectation) -> Column | None:
    """The row_condition as a Spark predicate (equality on each named column), or None."""
    from pyspark.sql import functions as F  # noqa: N812

    rows = getattr(expectation.kwargs, "row_condition", None) or {}
    predicate = None
    for column, value in rows.items():
        term = F.col(column) == F.lit(value)
        predicate = term if predicate is None else predicate & term
    return predicate


def condition_key(expectation: Expectation) -> str:
    return json.dumps(getattr(expectation.kwargs, "row_condition", None) or {}, sort_keys=True)


def value(expectation: Expectation) -> Column:
    """The column, parsed with try_cast when the suite says so (raw bronze strings)."""
    from pyspark.sql import functions as F  # noqa: N812

    column = F.col(expectation.column or "")
    if getattr(expectation.kwargs, "parse_as", None):
        return F.expr(f"try_cast(`{expectation.column}` as double)")
    return column


def count_where(predicate: Column | None) -> Column:
    from pyspark.sql import functions as F  # noqa: N812

    return F.count(F.lit(1)) if predicate is None else F.count_if(predicate)


def both(a: Column | None, b: Column) -> Column:
    return b if a is None else a & b


def unexpected(expectation: Expectation) -> Column:
    """True on the rows a row-level expectation counts as unexpected (nulls excluded, except not-null)."""
    from pyspark.sql import functions as F  # noqa: N812

    column = F.col(expectation.column or "")
    kw = expectation.kwargs
    if expectation.type == "expect_column_values_to_not_be_null":
        return column.isNull()
    if expectation.type == "expect_column_values_to_be_in_set":
        ok = column.isin(list(kw.value_set))  # type: ignore[attr-defined]
    else:
        ok = bounds(value(expectation), kw)
    return column.isNotNull() & ~F.coalesce(ok, F.lit(False))


def bounds(column: Column, kw: Any) -> Column:
    """GX's between condition; an unparseable value (null after try_cast) is outside."""
    from pyspark.sql import functions as F  # noqa: N812

    ok = column.isNotNull()
    if kw.min_value is not None:
        low = F.lit(kw.min_value)
        ok = ok & ((column > low) if kw.strict_min else (column >= low))
    if kw.max_value is not None:
        high = F.lit(kw.max_value)
        ok = ok & ((column < high) if kw.strict_max else (column <= high))
    return ok


def add_map(plan: AggregatePlan, expectation: Expectation) -> dict[str, str]:
    """Element, non-null and unexpected counts of a row-level expectation."""
    from pyspark.sql import functions as F  # noqa: N812

    cond, key = condition(expectation), condition_key(expectation)
    keys = {"element": plan.add(f"count|{key}", lambda: count_where(cond))}
    if expectation.type != "expect_column_values_to_not_be_null":
        column = F.col(expectation.column or "")
        nonnull_key = f"nonnull|{expectation.column}|{key}"
        keys["nonnull"] = plan.add(nonnull_key, lambda: count_where(both(cond, column.isNotNull())))
    unexpected_key = f"unexpected|{expectation.index}"
    keys["unexpected"] = plan.add(unexpected_key, lambda: count_where(both(cond, unexpected(expectation))))
    return keys


def add_aggregate(plan: AggregatePlan, expectation: Expectation) -> str:
    """mean / stdev (sample, as GX on Spark) / min / max / sum of the non-null values."""
    from pyspark.sql import functions as F  # noqa: N812

    function = AGGREGATE_FUNCTIONS[expectation.type]
    cond = condition(expectation)
    parse = getattr(expectation.kwargs, "parse_as", None)
    key = f"{function}|{expectation.column}|{parse}|{condition_key(expectation)}"
    builders = {"mean": F.avg, "stdev": F.stddev_samp, "min": F.min, "max": F.max, "sum": F.sum}

    def build() -> Column:
        column = value(expectation)
        return builders[function](column if cond is None else F.when(cond, column))

    return plan.add(key, build)


def add_table(plan: AggregatePlan, expectation: Expectation) -> str:
    cond = condition(expectation)
    return plan.add(f"count|{condition_key(expectation)}", lambda: count_where(cond))


def add_grouped(plan: AggregatePlan, expectation: Expectation) -> dict[str, str]:
    """Row count per listed group, in the same single pass (no groupBy)."""
    from pyspark.sql import functions as F  # noqa: N812

    column = expectation.column or ""
    groups = list(expectation.kwargs.groups)  # type: ignore[attr-defined]
    return {
        str(g): plan.add(f"group|{column}|{g!r}", lambda g=g: F.count_if(F.col(column) == F.lit(g)))
        for g in groups
    }


def add_cross(plan: AggregatePlan, expectation: Expectation) -> dict[str, str]:
    """The validated table's side of a cross-table check (a sum, or the small set of distinct values)."""
    from pyspark.sql import functions as F  # noqa: N812

    column = expectation.column or ""
    if expectation.type == "expect_column_sum_to_equal_other_table_row_count":
        return {"sum": plan.add(f"sum|{column}|None|{{}}", lambda: F.sum(F.col(column)))}
    keys = {"values": plan.add(f"set|{column}", lambda: F.collect_set(F.col(column)))}
    match_on = getattr(expectation.kwargs, "match_on", None)
    if match_on:
        keys["match"] = plan.add(f"set|{match_on}", lambda: F.collect_set(F.col(match_on)))
    return keys
