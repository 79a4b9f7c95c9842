from __future__ import annotations

from datetime import datetime

from chispa import assert_df_equality

from iris_mlops.layers.bronze import add_ingestion_metadata
from iris_mlops.schemas import BRONZE_SCHEMA

RAW = (
    "sepal_length string, sepal_width string, petal_length string, petal_width string, species string, "
    "source_position long"
)
WHEN = datetime(2026, 1, 2, 3, 4, 5)


def test_add_ingestion_metadata_keeps_raw_strings_and_adds_metadata(spark) -> None:
    raw = spark.createDataFrame(
        [("5.1", " abc", "", None, "Iris-setosa", 1), ("6", "3", "4", "1", "virginica", 2)], RAW
    )
    actual = add_ingestion_metadata(raw, source="a.csv", batch_id="b1", ingested_at=WHEN, run_id="r1")
    expected = spark.createDataFrame(
        [
            ("5.1", " abc", "", None, "Iris-setosa", "a.csv", WHEN, "b1", 1, "r1"),
            ("6", "3", "4", "1", "virginica", "a.csv", WHEN, "b1", 2, "r1"),
        ],
        BRONZE_SCHEMA,
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_add_ingestion_metadata_ends_with_the_bronze_columns(spark) -> None:
    raw = spark.createDataFrame([("1", "2", "3", "4", "setosa", 7)], RAW)
    shuffled = raw.selectExpr(
        "source_position", "species", "'x' AS extra", "petal_width", "petal_length", "sepal_width", "sepal_length"
    )
    actual = add_ingestion_metadata(shuffled, source="s", batch_id="b", ingested_at=WHEN, run_id="r")
    assert [(f.name, f.dataType) for f in actual.schema] == [(f.name, f.dataType) for f in BRONZE_SCHEMA]
