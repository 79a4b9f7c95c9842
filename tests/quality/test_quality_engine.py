"""The engine on small inline DataFrames: hand-computed counts, GX semantics, one pass."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

from iris_mlops.config import conf_dir
from iris_mlops.quality.engine import validate
from iris_mlops.quality.results import ExpectationResult, SuiteResult
from iris_mlops.quality.suite import Suite, load_suite
from iris_mlops.quality.tables import table_columns
from iris_mlops.schemas import BRONZE_SCHEMA, SILVER_SCHEMA

T0 = datetime(2026, 1, 1)


def exp(kind: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs}


def run(df: DataFrame, suite: Suite, **options: Any) -> SuiteResult:
    return validate(df, suite, table="main.iris_mlops.t", run_id="test-run", **options)


def by_label(result: SuiteResult) -> dict[str, ExpectationResult]:
    out: dict[str, ExpectationResult] = {}
    for r in result.results:
        out.setdefault(r.label, r)
    return out


def jobs_during(spark: SparkSession, action: Callable[[], Any]) -> int:
    """Spark jobs started by `action`, counted with a job tag and the status tracker (no listener)."""
    sc = spark.sparkContext
    tag = f"test-{uuid.uuid4().hex}"
    sc.addJobTag(tag)
    try:
        action()
    finally:
        sc.removeJobTag(tag)
    return len(list(sc._jsc.sc().statusTracker().getJobIdsForTag(tag)))


def bronze_row(values: tuple[str | None, ...], position: int) -> tuple[Any, ...]:
    return (*values, "test.csv", T0, "b1", position, "run")


@pytest.fixture()
def bad_bronze(spark: SparkSession) -> DataFrame:
    rows = [
        ("5.1", "3.5", "1.4", "0.2", "setosa"),
        (None, "3.0", "1.4", "0.2", "setosa"),  # null sepal_length
        ("abc", "3.2", "1.3", "0.2", "Iris-setosa"),  # not a number
        ("-1.0", "3.1", "1.5", "0.2", "versicolor"),  # not positive
        ("6.0", None, "4.5", "1.5", "daisy"),  # null sepal_width, unknown species
        ("6.5", "3.0", "5.5", "2.0", None),  # null species
    ]
    return spark.createDataFrame([bronze_row(r, i) for i, r in enumerate(rows)], BRONZE_SCHEMA)


def silver_rows(values: list[tuple[float, float, float, float, str]]) -> list[tuple[Any, ...]]:
    return [("b1", i, T0, *v, False, "run") for i, v in enumerate(values)]


def test_validate_bad_bronze_hand_computed_counts(bad_bronze: DataFrame) -> None:
    suite = load_suite(conf_dir() / "expectations" / "iris_bronze.yml", columns=table_columns("bronze"))
    result = run(bad_bronze, suite)
    got = by_label(result)
    row_counts = [r for r in result.results if r.label == "expect_table_row_count_to_be_between"]
    assert [r.observed_value for r in row_counts] == [6, 6]
    # A batch is usable with any number of rows (error: at least one); 6 is far from a typical batch (warn).
    assert [(r.severity, r.success) for r in row_counts] == [("error", True), ("warn", False)]
    assert got["expect_table_columns_to_match_set"].success
    nulls = {c: got[f"expect_column_values_to_not_be_null({c})"].unexpected_count
             for c in ("sepal_length", "sepal_width", "petal_length", "petal_width", "species")}
    assert nulls == {"sepal_length": 1, "sepal_width": 1, "petal_length": 0, "petal_width": 0, "species": 1}
    species = got["expect_column_values_to_be_in_set(species)"]
    assert (species.unexpected_count, species.element_count, species.missing_count) == (1, 6, 1)
    assert species.unexpected_percent == pytest.approx(20.0)
    assert species.unexpected_sample == ["daisy"]
    positive = got["expect_column_values_to_be_between(sepal_length)"]
    assert (positive.unexpected_count, positive.unexpected_percent) == (2, pytest.approx(40.0))
    assert sorted(positive.unexpected_sample) == ["-1.0", "abc"]
    assert result.errors == []  # bronze keeps what it can parse: its row rules warn, silver quarantines
    # typical batch size, 3 not-null, species set, positive sepal_length
    assert len(result.warnings) == 6 and result.success  # warnings alone do not fail the batch


def test_validate_failing_rows_only_for_failed_expectations(bad_bronze: DataFrame) -> None:
    suite = load_suite(conf_dir() / "expectations" / "iris_bronze.yml", columns=table_columns("bronze"))
    result = run(bad_bronze, suite, sample_size=20)
    for r in result.results:
        assert bool(r.failing_rows) == (not r.success and r.unexpected_count is not None and r.unexpected_count > 0
                                        and r.expectation_type != "expect_table_row_count_to_be_between")
    null_rows = by_label(result)["expect_column_values_to_not_be_null(sepal_length)"].failing_rows
    assert [(row["source_position"], row["sepal_length"]) for row in null_rows] == [(1, None)]


def test_validate_sample_size_bounds_failing_rows(spark: SparkSession, make_suite: Callable[..., Suite]) -> None:
    df = spark.createDataFrame([(float(i),) for i in range(50)], "x double")
    suite = make_suite([exp("expect_column_values_to_be_between", column="x", max_value=9.5)])
    only = run(df, suite, sample_size=3).results[0]
    assert only.unexpected_count == 40 and len(only.failing_rows) == 3 and len(only.unexpected_sample) == 3
    assert all(v > 9.5 for v in only.unexpected_sample)


def test_validate_out_of_range_silver_strict_bounds(spark: SparkSession, make_suite: Callable[..., Suite]) -> None:
    df = spark.createDataFrame(silver_rows([
        (5.1, 3.5, 1.4, 0.2, "setosa"),
        (5.0, 6.0, 1.4, 0.2, "setosa"),  # sepal_width at the strict upper bound: unexpected
        (5.0, 7.0, 1.4, 0.2, "setosa"),  # above
        (11.0, 3.0, 1.4, 0.2, "setosa"),  # sepal_length above 10
    ]), SILVER_SCHEMA)
    suite = make_suite([
        exp("expect_column_values_to_be_between", column="sepal_width", min_value=0.0, max_value=6.0,
            strict_min=True, strict_max=True),
        exp("expect_column_values_to_be_between", column="sepal_length", min_value=0.0, max_value=10.0),
        exp("expect_column_values_to_be_between", column="sepal_width", min_value=0.0, max_value=6.0),
        exp("expect_column_max_to_be_between", column="sepal_length", max_value=10.0),
    ], columns=table_columns("silver"))
    strict, length, inclusive, maximum = run(df, suite).results
    assert strict.unexpected_count == 2 and inclusive.unexpected_count == 1
    assert length.unexpected_count == 1 and length.unexpected_sample == [11.0]
    assert maximum.observed_value == 11.0 and not maximum.success


@pytest.fixture()
def numbers(spark: SparkSession) -> DataFrame:
    schema = StructType([StructField("x", DoubleType()), StructField("g", StringType())])
    return spark.createDataFrame([(1.0, "a"), (2.0, "a"), (None, "b"), (4.0, "b"), (10.0, "b")], schema)


def test_validate_mostly_excludes_nulls_from_denominator(numbers: DataFrame, make_suite: Callable[..., Suite]) -> None:
    suite = make_suite([
        exp("expect_column_values_to_be_between", column="x", min_value=0, max_value=5, mostly=0.75),
        exp("expect_column_values_to_be_between", column="x", min_value=0, max_value=5, mostly=0.8),
        exp("expect_column_values_to_not_be_null", column="x", mostly=0.8),
        exp("expect_column_values_to_not_be_null", column="x", mostly=0.81),
    ])
    at, above, not_null, not_null_above = run(numbers, suite).results
    assert at.success and not above.success  # 3 of 4 non-null values: 0.75
    assert (at.unexpected_count, at.unexpected_percent, at.missing_count, at.element_count) == (1, 25.0, 1, 5)
    assert not_null.success and not not_null_above.success  # 4 of 5 rows: nulls count in not-null checks
    assert (not_null.unexpected_count, not_null.unexpected_percent) == (1, 20.0)


def test_validate_aggregates_ignore_nulls_and_respect_strictness(numbers: DataFrame,
                                                                 make_suite: Callable[..., Suite]) -> None:
    suite = make_suite([
        exp("expect_column_mean_to_be_between", column="x", min_value=4.25, max_value=5),
        exp("expect_column_mean_to_be_between", column="x", min_value=4.25, strict_min=True),
        exp("expect_column_min_to_be_between", column="x", min_value=1, max_value=1),
        exp("expect_column_sum_to_be_between", column="x", min_value=17, max_value=17),
        exp("expect_column_stdev_to_be_between", column="x", min_value=0),
        exp("expect_table_row_count_to_be_between", min_value=3, max_value=3, row_condition={"g": "b"}),
    ])
    mean, strict_mean, minimum, total, stdev, group_rows = run(numbers, suite).results
    assert mean.observed_value == pytest.approx(4.25) and mean.success and not strict_mean.success
    assert minimum.success and total.observed_value == 17.0 and total.success
    assert stdev.observed_value == pytest.approx(4.031128874149275)  # sample stdev of 1, 2, 4, 10
    assert group_rows.observed_value == 3 and group_rows.success


def test_validate_missing_aggregate_fails(spark: SparkSession, make_suite: Callable[..., Suite]) -> None:
    one = spark.createDataFrame([(1.0, None)], "x double, y double")
    suite = make_suite([
        exp("expect_column_stdev_to_be_between", column="x", min_value=0),  # stdev of one row is null
        exp("expect_column_sum_to_be_between", column="y", min_value=0),  # sum of nulls is null on Spark
        exp("expect_column_values_to_be_between", column="y", min_value=0),  # no non-null value: vacuously true
    ])
    stdev, total, between = run(one, suite).results
    assert stdev.observed_value is None and not stdev.success
    assert total.observed_value is None and not total.success
    assert between.success and between.unexpected_percent is None


def test_validate_empty_table(spark: SparkSession, make_suite: Callable[..., Suite]) -> None:
    empty = spark.createDataFrame([], "x double")
    suite = make_suite([
        exp("expect_column_values_to_not_be_null", column="x"),
        exp("expect_table_row_count_to_be_between", min_value=1),
        exp("expect_column_mean_to_be_between", column="x", min_value=0),
    ])
    not_null, rows, mean = run(empty, suite).results
    assert not_null.success and not rows.success and not mean.success


def test_validate_missing_column_fails_its_expectations_only(spark: SparkSession) -> None:
    schema = StructType([f for f in SILVER_SCHEMA.fields if f.name != "petal_width"])
    rows = [tuple(v for v, f in zip(r, SILVER_SCHEMA.fields, strict=True) if f.name != "petal_width")
            for r in silver_rows([(5.1, 3.5, 1.4, 0.2, "setosa")] * 3)]
    df = spark.createDataFrame(rows, schema)
    suite = load_suite(conf_dir() / "expectations" / "iris_silver.yml", columns=table_columns("silver"))
    got = by_label(run(df, suite, read_other=None))
    ordered = got["expect_table_columns_to_match_ordered_list"]
    assert not ordered.success and "petal_width" not in ordered.observed_value
    assert got["expect_column_values_to_not_be_null(petal_width)"].exception == "column 'petal_width' not found"
    assert got["expect_column_mean_to_be_between(petal_width)"].exception == "column 'petal_width' not found"
    assert got["expect_column_values_to_not_be_null(sepal_length)"].success
    assert got["expect_column_distinct_values_to_equal_other_table(species)"].exception.startswith("no reader")


def test_validate_shuffle_checks_exact(spark: SparkSession, make_suite: Callable[..., Suite]) -> None:
    schema = StructType([StructField("k", StringType()), StructField("n", LongType())])
    df = spark.createDataFrame([("a", 1), ("a", 2), ("b", 2), ("c", 3), (None, 3)], schema)
    suite = make_suite([
        exp("expect_column_values_to_be_unique", column="k"),
        exp("expect_column_proportion_of_unique_values_to_be_between", column="k", min_value=0.75, max_value=0.75),
        exp("expect_column_distinct_values_to_equal_set", column="k", value_set=["a", "b", "d"]),
        exp("expect_column_values_to_be_unique", column="n"),
        exp("expect_column_values_to_be_unique", column="k", mostly=0.5),
    ])
    unique_k, proportion, distinct, unique_n, unique_mostly = run(df, suite).results
    assert (unique_k.unexpected_count, unique_k.unexpected_percent, unique_k.element_count) == (2, 50.0, 5)
    assert unique_k.unexpected_sample == ["a"] and not unique_k.success
    assert proportion.observed_value == pytest.approx(0.75) and proportion.success
    assert distinct.observed_value == ["a", "b", "c"] and distinct.unexpected_count == 1
    assert distinct.missing_count == 1 and distinct.unexpected_sample == ["c"] and not distinct.success
    assert unique_n.unexpected_count == 4
    assert unique_mostly.success


def test_validate_grouped_row_counts(spark: SparkSession, make_suite: Callable[..., Suite]) -> None:
    df = spark.createDataFrame([("setosa",)] * 3 + [("virginica",)] * 5, "species string")
    suite = make_suite([exp("expect_grouped_row_count_to_be_between", column="species",
                            groups=["setosa", "versicolor", "virginica"], min_value=3, max_value=5)])
    only = run(df, suite).results[0]
    assert only.observed_value == {"setosa": 3, "versicolor": 0, "virginica": 5}
    assert not only.success and only.unexpected_sample == ["versicolor"]


def test_validate_cross_table_checks_read_other_table(spark: SparkSession, make_suite: Callable[..., Suite]) -> None:
    gold = spark.createDataFrame([("setosa", 50), ("versicolor", 50), ("virginica", 49)], "species string, count long")
    silver = spark.createDataFrame([("b1", "setosa")] * 150, "batch_id string, species string")
    bronze = spark.createDataFrame([("b1", " Iris-Setosa"), ("b1", "virginica"), ("b1", "daisy"), ("b2", "versicolor")],
                                   "batch_id string, species string")
    tables = {"silver": silver, "bronze": bronze}
    suite = make_suite([
        exp("expect_column_sum_to_equal_other_table_row_count", column="count", other_table="silver"),
    ])
    summed = run(gold, suite, read_other=tables.__getitem__).results[0]
    assert summed.observed_value == 149 and summed.details["other_row_count"] == 150 and not summed.success
    preserved = make_suite([exp("expect_column_distinct_values_to_equal_other_table", column="species",
                                other_table="bronze", other_column="species", normalize="label",
                                value_set=["setosa", "versicolor", "virginica"], match_on="batch_id")])
    mine = spark.createDataFrame([("b1", "setosa"), ("b1", "virginica")], "batch_id string, species string")
    assert run(mine, preserved, read_other=tables.__getitem__).results[0].success
    lost = spark.createDataFrame([("b1", "setosa")], "batch_id string, species string")
    result = run(lost, preserved, read_other=tables.__getitem__).results[0]
    assert not result.success and result.details["missing"] == ["virginica"]


def twelve(columns: dict[str, str] | None = None) -> list[dict[str, Any]]:
    measures = ("sepal_length", "sepal_width", "petal_length", "petal_width")
    return [
        exp("expect_table_row_count_to_be_between", min_value=1, max_value=1000),
        *[exp("expect_column_values_to_not_be_null", column=c) for c in (*measures, "species")],
        exp("expect_column_values_to_be_in_set", column="species", value_set=["setosa", "versicolor", "virginica"]),
        *[exp("expect_column_values_to_be_between", column=c, min_value=0, max_value=10) for c in measures],
        exp("expect_column_mean_to_be_between", column="sepal_length", min_value=0, max_value=10),
    ]


@pytest.fixture()
def clean_silver(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame(silver_rows([(5.1, 3.5, 1.4, 0.2, "setosa"), (6.0, 3.0, 4.5, 1.5, "versicolor")] * 10),
                                 SILVER_SCHEMA)


def test_validate_twelve_expectations_cost_one_aggregation(spark: SparkSession, clean_silver: DataFrame,
                                                           make_suite: Callable[..., Suite]) -> None:
    full, single = make_suite(twelve()), make_suite(twelve()[:1])
    assert len(full.expectations) == 12
    outcome: dict[str, SuiteResult] = {}
    jobs_full = jobs_during(spark, lambda: outcome.setdefault("full", run(clean_silver, full)))
    jobs_single = jobs_during(spark, lambda: outcome.setdefault("single", run(clean_silver, single)))
    assert outcome["full"].success
    assert 1 <= jobs_full <= 2  # one aggregation; adaptive execution may add a job
    assert jobs_full == jobs_single  # twelve expectations cost what one costs
    assert outcome["full"].spark_jobs == {"aggregate": jobs_full, "samples": 0}


def test_validate_shuffle_checks_share_one_pass(spark: SparkSession, clean_silver: DataFrame,
                                                make_suite: Callable[..., Suite]) -> None:
    many = make_suite([
        exp("expect_column_values_to_be_unique", column="source_position", mostly=0.01),
        exp("expect_column_proportion_of_unique_values_to_be_between", column="species", min_value=0.0),
        exp("expect_column_distinct_values_to_equal_set", column="species", value_set=["setosa", "versicolor"]),
        exp("expect_column_values_to_be_unique", column="sepal_length", mostly=0.0),
    ])
    one = make_suite([exp("expect_column_values_to_be_unique", column="species", mostly=0.0)])
    first, second = run(clean_silver, many), run(clean_silver, one)
    assert first.success and first.spark_jobs.get("aggregate") == 0
    assert first.spark_jobs["shuffle"] == second.spark_jobs["shuffle"] <= 3


def test_validate_aggregation_error_fails_expectations_not_the_run(spark: SparkSession,
                                                                   make_suite: Callable[..., Suite]) -> None:
    df = spark.createDataFrame([("abc",)], "species string")
    suite = make_suite([exp("expect_column_values_to_be_in_set", column="species", value_set=[1, 2]),
                        exp("expect_column_to_exist", column="species")])  # no column types given: not refused
    in_set, exists = run(df, suite).results
    assert not in_set.success and (in_set.exception or "").startswith("Spark could not evaluate it: ")
    assert exists.success


def test_one_expectation_spark_cannot_evaluate_fails_alone(spark: SparkSession,
                                                           make_suite: Callable[..., Suite]) -> None:
    df = spark.createDataFrame([("abc", 1.0), ("def", 2.0)], "species string, petal_length double")
    suite = make_suite([  # no column types given, so the suite loads; the in-set comparison cannot convert 'abc'
        exp("expect_column_values_to_not_be_null", column="species"),
        exp("expect_column_values_to_be_in_set", column="species", value_set=[1, 2]),
        exp("expect_column_mean_to_be_between", column="petal_length", min_value=1.0, max_value=2.0),
        exp("expect_column_values_to_be_between", column="petal_length", min_value=0.0, max_value=1.5),
    ])
    not_null, in_set, mean, between = run(df, suite).results
    assert not in_set.success and "Spark could not evaluate it" in (in_set.exception or "")
    assert "abc" in (in_set.exception or "") or "CAST" in (in_set.exception or "").upper()
    assert not_null.success and not_null.exception is None and not_null.element_count == 2
    assert mean.success and mean.observed_value == pytest.approx(1.5) and mean.exception is None
    assert not between.success and between.unexpected_count == 1 and between.exception is None


@pytest.mark.parametrize("kind", ["expect_column_values_to_be_between", "expect_column_max_to_be_between"])
def test_numeric_expectation_on_a_text_column_fails_with_an_error(
    spark: SparkSession, make_suite: Callable[..., Suite], kind: str
) -> None:
    df = spark.createDataFrame([("5.1",), ("9.9",)], "sepal_length string")
    suite = make_suite([exp(kind, column="sepal_length", min_value=0.0, max_value=8.0),
                        exp(kind, column="sepal_length", min_value=0.0, max_value=8.0, parse_as="double")])
    text, parsed = run(df, suite).results
    assert not text.success and "'sepal_length' is StringType, not numeric" in (text.exception or "")
    assert text.unexpected_count is None  # not "0 unexpected": it was not evaluated
    assert not parsed.success and parsed.exception is None  # parsed as numbers, 9.9 is out of range
