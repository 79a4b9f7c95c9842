"""Column names and Spark schemas of every table, one place for all layers."""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from iris_mlops.config import MEASUREMENTS

SPECIES = "species"
BUSINESS_COLUMNS = (*MEASUREMENTS, SPECIES)
BATCH_ID = "batch_id"
SOURCE_POSITION = "source_position"
RUN_ID = "run_id"
REASONS = "reasons"
IS_OUTLIER = "is_outlier"
# Silver and quarantine keep the bronze ingestion time of each row: it tells which bronze load they came from.
INGESTED_AT = "ingested_at"
SOURCE = "source"

# Bronze keeps every business value as the string it arrived as; nothing is cast away.
RAW_SCHEMA = StructType([StructField(c, StringType(), True) for c in BUSINESS_COLUMNS])

BRONZE_SCHEMA = StructType(
    [
        *RAW_SCHEMA.fields,
        StructField(SOURCE, StringType(), False),
        StructField(INGESTED_AT, TimestampType(), False),
        StructField(BATCH_ID, StringType(), False),
        StructField(SOURCE_POSITION, LongType(), False),
        StructField(RUN_ID, StringType(), False),
    ]
)

SILVER_SCHEMA = StructType(
    [
        StructField(BATCH_ID, StringType(), False),
        StructField(SOURCE_POSITION, LongType(), False),
        StructField(INGESTED_AT, TimestampType(), False),
        *[StructField(c, DoubleType(), False) for c in MEASUREMENTS],
        StructField(SPECIES, StringType(), False),
        StructField(IS_OUTLIER, BooleanType(), False),
        StructField(RUN_ID, StringType(), False),
    ]
)

QUARANTINE_SCHEMA = StructType(
    [
        StructField(BATCH_ID, StringType(), False),
        StructField(SOURCE_POSITION, LongType(), False),
        StructField(INGESTED_AT, TimestampType(), False),
        *RAW_SCHEMA.fields,
        # Element nullability is not kept: Spark reads files back with nullable array elements.
        StructField(REASONS, ArrayType(StringType(), True), False),
        StructField(RUN_ID, StringType(), False),
    ]
)

GOLD_STATS = ("mean", "min", "max", "stddev")
GOLD_SCHEMA = StructType(
    [
        StructField(SPECIES, StringType(), False),
        StructField("count", LongType(), False),
        *[StructField(f"{m}_{s}", DoubleType(), True) for m in MEASUREMENTS for s in GOLD_STATS],
        StructField("outlier_count", LongType(), False),
        StructField("outlier_share", DoubleType(), False),
        StructField("share_of_total", DoubleType(), False),
        StructField("silver_version", LongType(), False),
        StructField(RUN_ID, StringType(), False),
    ]
)
