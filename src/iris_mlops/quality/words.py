"""Expectations in plain words, for pages people read ("petal_width is between 0 and 4")."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Args = Mapping[str, Any]
LIST_LIMIT = 8  # longer lists are cut with "… (n more)"


def number(value: Any, digits: int = 4) -> str:
    """A number rounded for reading: integers as they are, others to `digits` significant figures."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or (math.isfinite(value) and value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}".replace(",", " ") if abs(value) >= 10_000 else str(int(value))
    return f"{value:.{digits}g}"


def listing(values: Sequence[Any]) -> str:
    """`a, b, c`, cut after LIST_LIMIT items."""
    shown = ", ".join(number(v) for v in values[:LIST_LIMIT])
    more = len(values) - LIST_LIMIT
    return f"{shown} … ({more} more)" if more > 0 else shown


def observed(value: Any) -> str:
    """An observed value for reading: numbers rounded, lists and maps shortened."""
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {observed(v)}" for k, v in list(value.items())[:LIST_LIMIT])
    if isinstance(value, list | tuple):
        return listing(list(value))
    if value is None:
        return "—"
    return number(value)


def _range(args: Args) -> str:
    low, high = args.get("min_value"), args.get("max_value")
    strict = args.get("strict_min") or args.get("strict_max")
    if low is not None and high is not None:
        return f"{'strictly ' if strict else ''}between {number(low)} and {number(high)}"
    if low is not None:
        return f"{'above' if args.get('strict_min') else 'at least'} {number(low)}"
    if high is not None:
        return f"{'below' if args.get('strict_max') else 'at most'} {number(high)}"
    return "any value"


def _mostly(args: Args) -> str:
    share = args.get("mostly", 1.0)
    return "" if share is None or share >= 1 else f" (for at least {share:.0%} of rows)"


def _where(args: Args) -> str:
    condition = args.get("row_condition")
    if not condition:
        return ""
    return " where " + " and ".join(f"{k} is {v}" for k, v in condition.items())


PHRASES: dict[str, Callable[[Args], str]] = {
    "expect_table_row_count_to_be_between": lambda a: f"the number of rows{_where(a)} is {_range(a)}",
    "expect_table_row_count_to_equal": lambda a: f"the table has exactly {number(a.get('value'))} rows{_where(a)}",
    "expect_table_columns_to_match_ordered_list": lambda a: f"the columns are, in order: {listing(a['column_list'])}",
    "expect_table_columns_to_match_set": lambda a: (
        f"the columns are {'exactly' if a.get('exact_match', True) else 'at least'}: {listing(a['column_set'])}"
    ),
    "expect_column_to_exist": lambda a: f"column {a['column']} exists",
    "expect_column_values_to_be_of_type": lambda a: f"{a['column']} holds {a['type_']} values",
    "expect_column_values_to_not_be_null": lambda a: f"{a['column']} is never empty{_mostly(a)}",
    "expect_column_values_to_be_in_set": lambda a: f"{a['column']} is one of: {listing(a['value_set'])}{_mostly(a)}",
    "expect_column_values_to_be_between": lambda a: f"{a['column']} is {_range(a)}{_mostly(a)}{_where(a)}",
    "expect_column_mean_to_be_between": lambda a: f"the mean of {a['column']}{_where(a)} is {_range(a)}",
    "expect_column_stdev_to_be_between": lambda a: f"the standard deviation of {a['column']} is {_range(a)}",
    "expect_column_min_to_be_between": lambda a: f"the smallest {a['column']} is {_range(a)}",
    "expect_column_max_to_be_between": lambda a: f"the largest {a['column']} is {_range(a)}",
    "expect_column_sum_to_be_between": lambda a: f"the sum of {a['column']} is {_range(a)}",
    "expect_column_values_to_be_unique": lambda a: f"no two rows share a {a['column']}{_mostly(a)}",
    "expect_column_distinct_values_to_equal_set": lambda a: (
        f"the distinct values of {a['column']} are exactly: {listing(a['value_set'])}"
    ),
    "expect_column_proportion_of_unique_values_to_be_between": lambda a: (
        f"the share of distinct {a['column']} values is {_range(a)}"
    ),
    "expect_grouped_row_count_to_be_between": lambda a: (
        f"each {a['column']} ({listing(a['groups'])}) has a row count {_range(a)}"
    ),
    "expect_column_sum_to_equal_other_table_row_count": lambda a: (
        f"the sum of {a['column']} equals the number of rows of {a['other_table']}"
    ),
    "expect_column_distinct_values_to_equal_other_table": lambda a: (
        f"the distinct values of {a['column']} are those of {a['other_table']}.{a['other_column']}"
    ),
}


def describe(expectation_type: str, arguments: Args) -> str:
    """The expectation as a short sentence; unknown types read as their name."""
    phrase = PHRASES.get(expectation_type)
    if phrase is not None:
        try:
            return phrase(arguments)
        except (KeyError, TypeError):
            pass  # arguments the catalogue would refuse: fall back to the name
    name = expectation_type.removeprefix("expect_").replace("_", " ")
    column = arguments.get("column")
    return f"{column}: {name}" if column else name
