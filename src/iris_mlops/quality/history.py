"""The dq_results table: one row per expectation per run, appended through the TableStore."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from iris_mlops.quality.results import SuiteResult, result_rows

if TYPE_CHECKING:
    from pyspark.sql.types import StructType

    from iris_mlops.storage import TableStore


def dq_results_schema() -> StructType:
    """The dq_results columns (the JSON columns hold arguments, observed values and samples)."""
    from pyspark.sql.types import (
        BooleanType,
        DoubleType,
        LongType,
        StringType,
        StructField,
        StructType,
        TimestampType,
    )

    text = StringType()
    return StructType([
        StructField("run_id", text, False),
        StructField("validated_at", TimestampType(), False),
        StructField("suite", text, False),
        StructField("suite_version", text, False),
        StructField("table_name", text, False),
        StructField("table_version", LongType(), True),
        StructField("expectation_type", text, False),
        StructField("column_name", text, True),
        StructField("kwargs", text, False),
        StructField("severity", text, False),
        StructField("success", BooleanType(), False),
        StructField("observed_value", text, True),
        StructField("element_count", LongType(), True),
        StructField("unexpected_count", LongType(), True),
        StructField("unexpected_percent", DoubleType(), True),
        StructField("unexpected_sample", text, True),
        StructField("exception", text, True),
    ])


def append_results(store: TableStore, table: str, results: Sequence[SuiteResult], *, run_id: str) -> int | None:
    """Append the runs' rows to `table`; returns the committed version (None when there is nothing to add)."""
    rows = [row for result in results for row in result_rows(result)]
    if not rows:
        return None
    return store.append_records(table, rows, schema=dq_results_schema(), run_id=run_id)
