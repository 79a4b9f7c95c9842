"""Spark SQL expressions for the engine: every row-level and aggregate metric of a suite as one aggregation.

Metrics are SQL text, handed to Spark in one `selectExpr` call: building them as Column objects costs one
py4j round trip per operator (about a second per suite in a cold JVM), SQL text costs none. Column names
are always back-quoted and literals typed as `F.lit` would type them (int, double, boolean, string).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from iris_mlops.quality.catalogue import AGGREGATE_FUNCTIONS
from iris_mlops.quality.suite import Expectation


@dataclass
class AggregatePlan:
    """Named aggregate expressions (SQL), deduplicated by key, evaluated together in one aggregation."""

    exprs: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, build: Any) -> str:
        """Register `build()` under `key` once; return the key."""
        if key not in self.exprs:
            self.exprs[key] = build()
        return key

    def columns(self) -> list[str]:
        return [f"{expr} AS m{i}" for i, expr in enumerate(self.exprs.values())]

    def read(self, row: Any) -> dict[str, Any]:
        """Metric values by key from the one result row."""
        return {key: row[f"m{i}"] for i, key in enumerate(self.exprs)}


def ident(name: str) -> str:
    """A column reference, back-quoted (a dot or a space stays part of the name)."""
    return "`" + name.replace("`", "``") + "`"


def literal(value: Any) -> str:
    """A SQL literal of the type F.lit gives `value`: boolean, int/bigint, double, string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return f"{value!r}D"
        return f"CAST('{value}' AS DOUBLE)"  # 'nan', 'inf', '-inf' are what Spark's cast reads
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__} {value!r}")


def condition(expectation: Expectation) -> str | None:
    """The row_condition as a SQL predicate (equality on each named column), or None."""
    rows = getattr(expectation.kwargs, "row_condition", None) or {}
    terms = [f"({ident(column)} = {literal(value)})" for column, value in rows.items()]
    return " AND ".join(terms) or None


def condition_key(expectation: Expectation) -> str:
    return json.dumps(getattr(expectation.kwargs, "row_condition", None) or {}, sort_keys=True)


def value(expectation: Expectation) -> str:
    """The column, parsed with try_cast when the suite says so (raw bronze strings)."""
    column = ident(expectation.column or "")
    if getattr(expectation.kwargs, "parse_as", None):
        return f"try_cast({column} AS DOUBLE)"
    return column


def count_where(predicate: str | None) -> str:
    return "count(1)" if predicate is None else f"count_if({predicate})"


def both(a: str | None, b: str) -> str:
    return b if a is None else f"({a}) AND ({b})"


def unexpected(expectation: Expectation) -> str:
    """True on the rows a row-level expectation counts as unexpected (nulls excluded, except not-null)."""
    column = ident(expectation.column or "")
    kw = expectation.kwargs
    if expectation.type == "expect_column_values_to_not_be_null":
        return f"{column} IS NULL"
    if expectation.type == "expect_column_values_to_be_in_set":
        ok = f"{column} IN ({', '.join(literal(v) for v in kw.value_set)})"  # type: ignore[attr-defined]
    else:
        ok = bounds(value(expectation), kw)
    return f"{column} IS NOT NULL AND NOT coalesce({ok}, false)"


def bounds(column: str, kw: Any) -> str:
    """GX's between condition; an unparseable value (null after try_cast) is outside."""
    terms = [f"{column} IS NOT NULL"]
    if kw.min_value is not None:
        terms.append(f"{column} {'>' if kw.strict_min else '>='} {literal(kw.min_value)}")
    if kw.max_value is not None:
        terms.append(f"{column} {'<' if kw.strict_max else '<='} {literal(kw.max_value)}")
    return "(" + " AND ".join(terms) + ")"


def add_map(plan: AggregatePlan, expectation: Expectation) -> dict[str, str]:
    """Element, non-null and unexpected counts of a row-level expectation."""
    cond, key = condition(expectation), condition_key(expectation)
    keys = {"element": plan.add(f"count|{key}", lambda: count_where(cond))}
    if expectation.type != "expect_column_values_to_not_be_null":
        nonnull_key = f"nonnull|{expectation.column}|{key}"
        not_null = f"{ident(expectation.column or '')} IS NOT NULL"
        keys["nonnull"] = plan.add(nonnull_key, lambda: count_where(both(cond, not_null)))
    unexpected_key = f"unexpected|{expectation.index}"
    keys["unexpected"] = plan.add(unexpected_key, lambda: count_where(both(cond, unexpected(expectation))))
    return keys


def add_aggregate(plan: AggregatePlan, expectation: Expectation) -> str:
    """mean / stdev (sample, as GX on Spark) / min / max / sum of the non-null values."""
    function = AGGREGATE_FUNCTIONS[expectation.type]
    cond = condition(expectation)
    parse = getattr(expectation.kwargs, "parse_as", None)
    key = f"{function}|{expectation.column}|{parse}|{condition_key(expectation)}"
    names = {"mean": "avg", "stdev": "stddev_samp", "min": "min", "max": "max", "sum": "sum"}

    def build() -> str:
        column = value(expectation)
        return f"{names[function]}({column if cond is None else f'CASE WHEN {cond} THEN {column} END'})"

    return plan.add(key, build)


def add_table(plan: AggregatePlan, expectation: Expectation) -> str:
    cond = condition(expectation)
    return plan.add(f"count|{condition_key(expectation)}", lambda: count_where(cond))


def add_grouped(plan: AggregatePlan, expectation: Expectation) -> dict[str, str]:
    """Row count per listed group, in the same single pass (no groupBy)."""
    column = ident(expectation.column or "")
    groups = list(expectation.kwargs.groups)  # type: ignore[attr-defined]
    return {
        str(g): plan.add(f"group|{expectation.column}|{g!r}", lambda g=g: f"count_if({column} = {literal(g)})")
        for g in groups
    }


def add_cross(plan: AggregatePlan, expectation: Expectation) -> dict[str, str]:
    """The validated table's side of a cross-table check (a sum, or the small set of distinct values)."""
    column = expectation.column or ""
    if expectation.type == "expect_column_sum_to_equal_other_table_row_count":
        return {"sum": plan.add(f"sum|{column}|None|{{}}", lambda: f"sum({ident(column)})")}
    keys = {"values": plan.add(f"set|{column}", lambda: f"collect_set({ident(column)})")}
    match_on = getattr(expectation.kwargs, "match_on", None)
    if match_on:
        keys["match"] = plan.add(f"set|{match_on}", lambda: f"collect_set({ident(match_on)})")
    return keys
