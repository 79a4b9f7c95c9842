"""The engine's metrics are SQL text: names and literals must survive quoting, and mean what F.lit would."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from pyspark.sql import SparkSession

from iris_mlops.quality.engine import validate
from iris_mlops.quality.plan import ident, literal
from iris_mlops.quality.suite import Suite


def test_literals_are_typed_as_spark_would_type_them(spark: SparkSession) -> None:
    values: list[Any] = [True, 7, 2**40, 1.5, 1e-05, "it's", "back\\slash"]
    row = spark.range(1).selectExpr(*[f"{literal(v)} AS v{i}" for i, v in enumerate(values)]).first()
    assert row is not None and list(row) == values
    types = [f.dataType.simpleString() for f in spark.range(1).selectExpr(*[literal(v) for v in values]).schema]
    assert types == ["boolean", "int", "bigint", "double", "double", "string", "string"]


def test_non_finite_floats_become_doubles(spark: SparkSession) -> None:
    row = spark.range(1).selectExpr(*[literal(v) for v in (math.nan, math.inf, -math.inf)]).first()
    assert row is not None and math.isnan(row[0]) and row[1] == math.inf and row[2] == -math.inf


def test_a_type_without_a_literal_is_refused() -> None:
    with pytest.raises(TypeError, match="no SQL literal for list"):
        literal([1])


def test_odd_column_names_stay_one_name(spark: SparkSession, make_suite: Callable[..., Suite]) -> None:
    df = spark.createDataFrame([("a", 1.0), ("it's", None)], "`odd name.x` string, `back``tick` double")
    assert ident("back`tick") == "`back``tick`"
    suite = make_suite([
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "odd name.x", "value_set": ["a", "it's"]}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "back`tick"}},
    ])
    in_set, not_null = validate(df, suite, table="t", run_id="r").results
    assert in_set.success and in_set.unexpected_count == 0
    assert not not_null.success and not_null.unexpected_count == 1 and len(not_null.failing_rows) == 1
