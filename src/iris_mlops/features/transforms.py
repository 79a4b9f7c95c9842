"""Silver -> feature table: one row per sample, keyed by a stable sample id, with the label and feature version."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iris_mlops.features.definitions import FEATURES, RAW_MEASUREMENTS

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import StructType

SAMPLE_ID = "sample_id"
FEATURE_VERSION_COLUMN = "feature_version"
LABEL = "species"
# Columns before and after the engineered features; the table schema is derived from FEATURES.
KEY_COLUMNS = (SAMPLE_ID, "batch_id", "source_position")
TRAILING_COLUMNS = (LABEL, "is_outlier", FEATURE_VERSION_COLUMN, "run_id")


def feature_table_schema() -> StructType:
    """The feature table's schema: keys, raw measurements, engineered features, label, version, run id."""
    from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType

    return StructType(
        [
            StructField(SAMPLE_ID, StringType(), False),
            StructField("batch_id", StringType(), False),
            StructField("source_position", LongType(), False),
            *[StructField(m, DoubleType(), False) for m in RAW_MEASUREMENTS],
            *[StructField(f.name, DoubleType(), True) for f in FEATURES],  # missing where a divisor is 0
            StructField(LABEL, StringType(), False),
            StructField("is_outlier", BooleanType(), False),
            StructField(FEATURE_VERSION_COLUMN, StringType(), False),
            StructField("run_id", StringType(), False),
        ]
    )


def sample_id_column() -> Column:
    """``<batch_id>:<source_position>``: the same source row gets the same id on every re-run."""
    from pyspark.sql import functions as F  # noqa: N812

    return F.concat_ws(":", F.col("batch_id"), F.col("source_position").cast("string"))


def build_feature_table(
    silver_df: DataFrame, *, feature_version: str, run_id: str, include_outliers: bool = True
) -> DataFrame:
    """Silver rows -> feature rows (pure: no action, no I/O).

    Args:
        silver_df: rows with the silver schema (batch_id, source_position, measurements, species, is_outlier).
        feature_version: written on every row; pass `definitions.FEATURE_VERSION`.
        run_id: the run that builds the table, written on every row.
        include_outliers: keep rows silver flagged as IQR outliers (they are valid measurements).
    """
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.features.definitions import spark_columns
    from iris_mlops.layers import conform

    rows = silver_df if include_outliers else silver_df.filter(~F.col("is_outlier"))
    return conform(
        rows.select(
            sample_id_column().alias(SAMPLE_ID),
            "batch_id",
            "source_position",
            *RAW_MEASUREMENTS,
            *[column.alias(name) for name, column in spark_columns()],
            LABEL,
            "is_outlier",
            F.lit(feature_version).alias(FEATURE_VERSION_COLUMN),
            F.lit(run_id).alias("run_id"),
        ),
        schema=feature_table_schema(),
    )
