"""Expectations in plain words, numbers rounded for reading."""

from __future__ import annotations

import pytest

from iris_mlops.quality.words import describe, number, observed


@pytest.mark.parametrize(
    ("expectation", "arguments", "words"),
    [
        ("expect_column_values_to_be_between", {"column": "petal_width", "min_value": 0.0, "max_value": 4.0,
                                                "strict_min": True, "strict_max": True},
         "petal_width is strictly between 0 and 4"),
        ("expect_column_values_to_not_be_null", {"column": "species", "mostly": 0.95},
         "species is never empty (for at least 95% of rows)"),
        ("expect_table_row_count_to_be_between", {"min_value": 1}, "the number of rows is at least 1"),
        ("expect_column_values_to_be_in_set", {"column": "species", "value_set": ["setosa", "versicolor"]},
         "species is one of: setosa, versicolor"),
        ("expect_column_mean_to_be_between", {"column": "sepal_length", "min_value": 5.0, "max_value": 6.5,
                                              "row_condition": {"species": "setosa"}},
         "the mean of sepal_length where species is setosa is between 5 and 6.5"),
        ("expect_something_new", {"column": "x"}, "x: something new"),
    ],
)
def test_describe_reads_as_a_sentence(expectation: str, arguments: dict, words: str) -> None:
    assert describe(expectation, arguments) == words


def test_describe_falls_back_to_the_name_on_arguments_it_cannot_read() -> None:
    assert describe("expect_column_values_to_be_in_set", {"column": "species"}) == "species: column values to be in set"


def test_numbers_and_observed_values_are_rounded_and_shortened() -> None:
    assert number(0.123456789) == "0.1235" and number(150) == "150" and number(5.0) == "5"
    assert number(1234567) == "1 234 567"
    assert observed([1.23456, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == "1.235, 2, 3, 4, 5, 6, 7, 8 … (2 more)"
    assert observed({"setosa": 0.3333333}) == "setosa: 0.3333"
