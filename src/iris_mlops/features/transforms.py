"""Silver -> feature table: one row per sample, keyed by a stable sample id, with the label and feature version."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iris_mlops.features.definitions import feature_names
from iris_mlops.schemas import (
    BATCH_ID,
    FEATURE_VERSION_COLUMN,
    IS_OUTLIER,
    LABEL,
    MEASUREMENTS,
    RUN_ID,
    SAMPLE_ID,
    SOURCE_POSITION,
    features_schema,
)

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import StructType


def feature_table_schema() -> StructType:
    """The feature table's schema (schemas.features_schema with the engineered features of this version)."""
    return features_schema(feature_names())


def sample_id_column() -> Column:
    """``<batch_id>:<source_position>``: the same source row gets the same id on every re-run."""
    from pyspark.sql import functions as F  # noqa: N812

    return F.concat_ws(":", F.col(BATCH_ID), F.col(SOURCE_POSITION).cast("string"))


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

    rows = silver_df if include_outliers else silver_df.filter(~F.col(IS_OUTLIER))
    return conform(
        rows.select(
            sample_id_column().alias(SAMPLE_ID),
            BATCH_ID,
            SOURCE_POSITION,
            *MEASUREMENTS,
            *[column.alias(name) for name, column in spark_columns()],
            LABEL,
            IS_OUTLIER,
            F.lit(feature_version).alias(FEATURE_VERSION_COLUMN),
            F.lit(run_id).alias(RUN_ID),
        ),
        schema=feature_table_schema(),
    )
