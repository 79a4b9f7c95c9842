"""Cross-table checks: the validated table's own aggregate against a small aggregate of another table."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from iris_mlops.quality.evaluate import failed_with, result
from iris_mlops.quality.results import ExpectationResult
from iris_mlops.quality.suite import Expectation

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

OtherReader = Callable[[str], "DataFrame"]


def normalize_label(column: Column) -> Column:
    """Raw labels as silver normalises them (the silver layer's own rule, so the two never drift apart)."""
    from iris_mlops.layers.silver import normalise_species

    return normalise_species(column)


def cross_result(expectation: Expectation, mine: dict[str, Any], read_other: OtherReader | None) -> ExpectationResult:
    """Evaluate one cross-table expectation, reading only an aggregate of the other table."""
    other_key = expectation.kwargs.other_table  # type: ignore[attr-defined]
    if read_other is None:
        return failed_with(expectation, f"no reader for other table {other_key!r}")
    try:
        other = read_other(other_key)
    except Exception as exc:
        return failed_with(expectation, f"cannot read {other_key}: {str(exc).splitlines()[0]}")
    if expectation.type == "expect_column_sum_to_equal_other_table_row_count":
        return _sum_equals_count(expectation, mine["sum"], other)
    return _distinct_equal(expectation, mine, other)


def _sum_equals_count(expectation: Expectation, total: Any, other: DataFrame) -> ExpectationResult:
    expected = other.count()
    return result(expectation, success=total is not None and total == expected, observed_value=total,
                  details={"other_row_count": expected})


def _distinct_equal(expectation: Expectation, mine: dict[str, Any], other: DataFrame) -> ExpectationResult:
    from pyspark.sql import functions as F  # noqa: N812

    kw = expectation.kwargs
    column = F.col(kw.other_column)  # type: ignore[attr-defined]
    if kw.normalize == "label":  # type: ignore[attr-defined]
        column = normalize_label(column)
    if kw.match_on:  # type: ignore[attr-defined]
        other = other.where(F.col(kw.match_on).isin(list(mine.get("match") or [])))  # type: ignore[attr-defined]
    found = other.select(column.alias("v")).where(F.col("v").isNotNull()).distinct()
    if kw.value_set is not None:  # type: ignore[attr-defined]
        found = found.where(F.col("v").isin(list(kw.value_set)))  # type: ignore[attr-defined]
    expected = sorted(r["v"] for r in found.collect())
    observed = sorted(mine["values"] or [])
    allowed = set(kw.value_set) if kw.value_set is not None else set(observed)  # type: ignore[attr-defined]
    observed_in = [v for v in observed if v in allowed]
    missing = sorted(set(expected) - set(observed_in))
    extra = sorted(set(observed_in) - set(expected))
    return result(expectation, success=not missing and not extra, observed_value=observed,
                  unexpected_count=len(extra), unexpected_sample=extra,
                  details={"other_values": expected, "missing": missing, "unexpected": extra})
