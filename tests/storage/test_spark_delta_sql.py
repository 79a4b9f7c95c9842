"""SparkDeltaStore's SQL building and result parsing, and its coexistence with the classic session."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone

import pytest

from iris_mlops.storage.spark_delta import (
    STALE_STAGED_SECONDS,
    SparkDeltaStore,
    commit_from_history,
    in_condition,
    literal,
    merge_statement,
    properties_from_detail,
    quote_name,
    schema_differences,
)


def test_quote_name_quotes_every_part() -> None:
    assert quote_name("main.iris.iris_silver") == "`main`.`iris`.`iris_silver`"
    assert quote_name("a`b") == "`a``b`"


def test_literal_escapes_quotes_and_backslashes() -> None:
    assert literal("it's") == "'it\\'s'"
    assert literal("a\\b") == "'a\\\\b'"


def test_in_condition_lists_values_and_matches_nothing_when_empty() -> None:
    assert in_condition("batch_id", ["a", "b"]) == "`batch_id` IN ('a', 'b')"
    assert in_condition("batch_id", []) == "FALSE"


def test_merge_statement_joins_on_every_key() -> None:
    sql = merge_statement("c.s.t", "v", ["id", "day"])
    assert "MERGE INTO `c`.`s`.`t` AS t USING `v` AS s ON t.`id` = s.`id` AND t.`day` = s.`day`" in sql
    assert sql.endswith("WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *")


def test_commit_from_describe_history_row() -> None:
    row = {
        "version": 3,
        "timestamp": datetime(2026, 1, 2, 3, 4, 5),
        "operation": "WRITE",
        "userMetadata": "123456",
        "operationMetrics": {"numOutputRows": "150"},
    }
    commit = commit_from_history(row)
    assert (commit.version, commit.operation, commit.run_id) == (3, "WRITE", "123456")
    assert commit.timestamp == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert commit.metrics == {"numOutputRows": "150"}


def test_commit_from_delta_log_entry_without_user_metadata() -> None:
    commit = commit_from_history({"version": 0, "timestamp": 1_700_000_000_000, "operation": "MERGE"})
    assert commit.run_id is None
    assert commit.timestamp == datetime.fromtimestamp(1_700_000_000, tz=timezone.utc)


def test_properties_from_describe_detail_put_description_under_comment() -> None:
    detail = {"description": "Iris", "properties": {"delta.minReaderVersion": "1", "feature_version": "2"}}
    assert properties_from_detail(detail) == {"delta.minReaderVersion": "1", "feature_version": "2", "comment": "Iris"}


def test_schema_differences_name_columns_and_types() -> None:
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    table = StructType([StructField("id", LongType()), StructField("x", DoubleType())])
    found = StructType([StructField("id", StringType()), StructField("y", DoubleType())])
    assert schema_differences(table, found) == [
        "missing column x (double)",
        "unexpected column y (double)",
        "column id is string but the table has bigint",
    ]


def test_spark_delta_store_on_pysail_reads_metadata_from_the_delta_log(sail_spark) -> None:
    store = SparkDeltaStore(sail_spark)
    name = "iris_test.contract.probe_history"
    store.overwrite(name, sail_spark.createDataFrame([(1,)], "id long"), run_id="r1")
    assert store.history(name)[0].run_id == "r1"
    if store.metadata_from_log:
        pytest.skip("pysail lacks DESCRIBE HISTORY / DESCRIBE DETAIL: history, versions and properties "
                    "were read from the Delta log with delta-rs; the SQL path runs on Databricks only")


def test_primary_key_constraint_where_the_catalog_has_them(sail_spark) -> None:
    from iris_mlops.storage.base import TableProperties

    store = SparkDeltaStore(sail_spark)
    name = "iris_test.contract.probe_pk"
    store.overwrite(name, sail_spark.createDataFrame([(1,)], "id long"), run_id="r1",
                    properties=TableProperties(primary_key=("id",)))
    try:
        ddl = sail_spark.sql(f"SHOW CREATE TABLE {quote_name(name)}").collect()[0][0]
    except Exception as exc:
        pytest.skip(f"pysail has no PRIMARY KEY constraints nor SHOW CREATE TABLE ({str(exc).splitlines()[0][:80]})")
    assert "PRIMARY KEY" in ddl


def test_connect_session_leaves_the_classic_session_in_charge(spark, sail_spark) -> None:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F  # noqa: N812

    assert "SPARK_CONNECT_MODE_ENABLED" not in os.environ
    assert SparkSession.getActiveSession() is spark
    classic = spark.createDataFrame([(1,), (2,)], "x long").filter(F.col("x") > 1)
    assert classic.count() == 1
    assert sail_spark.createDataFrame([(1,)], "x long").filter("x > 0").count() == 1


def test_staged_drops_tables_a_killed_task_left_a_day_ago_and_keeps_recent_ones(sail_spark) -> None:
    store, schema, now = SparkDeltaStore(sail_spark), "iris_test.contract", int(time.time())
    left = {age: f"{schema}.__staged_probe_{now - age}_0badc0de" for age in (STALE_STAGED_SECONDS + 60, 600)}
    other = f"{schema}.__staged_probe2_{now - 2 * STALE_STAGED_SECONDS}_0badc0de"  # another table's: not ours
    for name in (*left.values(), other):
        sail_spark.createDataFrame([(1,)], "id long").write.format("delta").saveAsTable(name)
    with store.staged(sail_spark.createDataFrame([(2,)], "id long"), near=f"{schema}.probe") as staged:
        assert [row.id for row in staged.collect()] == [2]
    tables = set(store.list_tables("iris_test", "contract"))
    assert left[STALE_STAGED_SECONDS + 60] not in tables
    assert {left[600], other} <= tables
    assert not [t for t in tables if t.startswith(f"{schema}.__staged_probe_{now}")]  # its own went on exit
