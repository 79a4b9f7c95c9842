"""Success rules with Great Expectations' semantics, as pure functions over computed metrics."""

from __future__ import annotations

import math
from typing import Any

from iris_mlops.quality.results import ExpectationResult
from iris_mlops.quality.suite import Expectation


def within(value: Any, kwargs: Any) -> bool:
    """GX's metric-between rule: a missing or NaN value fails; bounds are inclusive unless strict."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    low, high = kwargs.min_value, kwargs.max_value
    above = low is None or (value > low if kwargs.strict_min else value >= low)
    below = high is None or (value < high if kwargs.strict_max else value <= high)
    return bool(above and below)


def mostly_success(considered: int, unexpected: int, mostly: float) -> bool:
    """GX: vacuously true on no rows; else the expected share must reach `mostly`."""
    if considered == 0:
        return True
    return (considered - unexpected) / considered >= mostly


def result(expectation: Expectation, *, success: bool, **fields: Any) -> ExpectationResult:
    """An ExpectationResult carrying the expectation's identity."""
    return ExpectationResult(
        expectation_type=expectation.type,
        arguments=expectation.kwargs_dict(),
        column=expectation.column,
        severity=expectation.severity,
        success=success,
        **fields,
    )


def failed_with(expectation: Expectation, problem: str) -> ExpectationResult:
    """A failed result for an expectation that could not be computed (a missing column, …)."""
    return result(expectation, success=False, exception=problem)


def map_result(expectation: Expectation, *, element_count: int, nonnull_count: int | None,
               unexpected_count: int) -> ExpectationResult:
    """Row-level expectations: GX ignores nulls (nonnull_count) except in the not-null check (None)."""
    mostly = float(getattr(expectation.kwargs, "mostly", 1.0))
    if nonnull_count is None:  # not-null: every row counts, nulls are the unexpected ones
        success = mostly_success(element_count, unexpected_count, mostly)
        percent = unexpected_count / element_count * 100 if element_count else None
        return result(expectation, success=success, element_count=element_count,
                      unexpected_count=unexpected_count, unexpected_percent=percent)
    success = element_count == 0 or mostly_success(nonnull_count, unexpected_count, mostly)
    percent = unexpected_count / nonnull_count * 100 if nonnull_count else None
    return result(expectation, success=success, element_count=element_count,
                  missing_count=element_count - nonnull_count, unexpected_count=unexpected_count,
                  unexpected_percent=percent)


def value_result(expectation: Expectation, value: Any) -> ExpectationResult:
    """An aggregate (mean, stdev, min, max, sum, row count, proportion) checked against its bounds."""
    return result(expectation, success=within(value, expectation.kwargs), observed_value=value)


def schema_result(expectation: Expectation, columns: dict[str, str]) -> ExpectationResult:
    """Expectations on the schema alone: column lists, existence, types (Spark type class names)."""
    kw = expectation.kwargs
    names = list(columns)
    if expectation.type == "expect_table_columns_to_match_ordered_list":
        return _ordered(expectation, names, list(kw.column_list))  # type: ignore[attr-defined]
    if expectation.type == "expect_table_columns_to_match_set":
        return _matching_set(expectation, names, kw.column_set, kw.exact_match)  # type: ignore[attr-defined]
    column = expectation.column or ""
    if column not in columns:
        return failed_with(expectation, f"column {column!r} not found")
    if expectation.type == "expect_column_to_exist":
        index = kw.column_index  # type: ignore[attr-defined]
        ok = index is None or (index < len(names) and names[index] == column)
        return result(expectation, success=ok, observed_value=names.index(column))
    observed = columns[column]
    return result(expectation, success=observed == kw.type_, observed_value=observed)  # type: ignore[attr-defined]


def _ordered(expectation: Expectation, names: list[str], wanted: list[str]) -> ExpectationResult:
    mismatched = [
        {"index": i, "expected": wanted[i] if i < len(wanted) else None, "found": names[i] if i < len(names) else None}
        for i in range(max(len(names), len(wanted)))
        if (wanted[i] if i < len(wanted) else None) != (names[i] if i < len(names) else None)
    ]
    details = {"mismatched": mismatched} if mismatched else {}
    return result(expectation, success=not mismatched, observed_value=names, details=details)


def _matching_set(expectation: Expectation, names: list[str], wanted: list[str], exact: bool) -> ExpectationResult:
    missing = sorted(set(wanted) - set(names))
    unexpected = sorted(set(names) - set(wanted))
    success = not missing and (not exact or not unexpected)
    details = {"missing": missing, "unexpected": unexpected} if missing or unexpected else {}
    return result(expectation, success=success, observed_value=sorted(names), details=details)


def unique_result(expectation: Expectation, *, element_count: int, nonnull_count: int,
                  duplicated_rows: int) -> ExpectationResult:
    """GX counts every row whose (non-null) value occurs more than once as unexpected."""
    return map_result(expectation, element_count=element_count, nonnull_count=nonnull_count,
                      unexpected_count=duplicated_rows)


def distinct_set_result(expectation: Expectation, *, observed: list[Any], not_in_set: int, in_set: int,
                        unexpected_values: list[Any]) -> ExpectationResult:
    """GX 1.x: unexpected = distinct values outside the set, missing = set values never seen."""
    wanted = list(expectation.kwargs.value_set)  # type: ignore[attr-defined]
    missing = [v for v in wanted if v not in set(observed)] if len(observed) >= in_set else []
    missing_count = len(set(wanted)) - in_set
    return result(
        expectation, success=not_in_set == 0 and missing_count == 0, observed_value=observed,
        unexpected_count=not_in_set, missing_count=missing_count, unexpected_sample=unexpected_values,
        details={"partial_missing_list": missing} if missing_count else {},
    )


def proportion_unique(distinct: int, nonnull: int) -> float:
    """GX: distinct non-null values over non-null values; 0 when every value is null."""
    return distinct / nonnull if nonnull else 0.0


def grouped_result(expectation: Expectation, counts: dict[str, int]) -> ExpectationResult:
    """Each listed group's row count must lie within the bounds (a missing group counts 0)."""
    outside = {g: n for g, n in counts.items() if not within(n, expectation.kwargs)}
    return result(expectation, success=not outside, observed_value=counts, unexpected_count=len(outside),
                  unexpected_sample=sorted(outside))
