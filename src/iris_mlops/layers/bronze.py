"""Bronze: the raw values as received, plus ingestion metadata (source, time, batch id, position, run id)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pyspark.sql import functions as F  # noqa: N812

from iris_mlops.layers import conform
from iris_mlops.schemas import BATCH_ID, BRONZE_SCHEMA, BUSINESS_COLUMNS, INGESTED_AT, RUN_ID, SOURCE, SOURCE_POSITION

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def add_ingestion_metadata(
    df: DataFrame, *, source: str, batch_id: str, ingested_at: datetime, run_id: str
) -> DataFrame:
    """Raw string columns + `source_position` -> the bronze schema; values are kept exactly as they came."""
    return conform(
        df.select(
            *[F.col(c).cast("string").alias(c) for c in BUSINESS_COLUMNS],
            F.lit(source).alias(SOURCE),
            F.lit(ingested_at).cast("timestamp").alias(INGESTED_AT),
            F.lit(batch_id).alias(BATCH_ID),
            F.col(SOURCE_POSITION).cast("long").alias(SOURCE_POSITION),
            F.lit(run_id).alias(RUN_ID),
        ),
        schema=BRONZE_SCHEMA,
    )
