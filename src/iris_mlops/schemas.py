"""Column names and Spark schemas of every table, one place for all layers and packages.

The column names are plain constants: config, the bare wheel (no pyspark) and the logged model (which carries
this module in its code_paths) import them. The Spark schemas are built on first access
(`from iris_mlops.schemas import SILVER_SCHEMA`), so pyspark is imported only by code that uses one.
To add a table: its column constants and an `@spark_schema("<NAME>_SCHEMA")` builder at the END of the file,
under a comment header naming the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql.types import StructType

# ---- shared column names -----------------------------------------------------------------------------------------
MEASUREMENTS = ("sepal_length", "sepal_width", "petal_length", "petal_width")
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
GOLD_STATS = ("mean", "min", "max", "stddev")

_BUILDERS: dict[str, Callable[[], StructType]] = {}
_BUILT: dict[str, StructType] = {}


def spark_schema(name: str) -> Callable[[Callable[[], StructType]], Callable[[], StructType]]:
    """Register the builder of the module attribute `name` (a StructType built on first access)."""

    def register(build: Callable[[], StructType]) -> Callable[[], StructType]:
        _BUILDERS[name] = build
        return build

    return register


def __getattr__(name: str) -> StructType:
    """`<TABLE>_SCHEMA`: build it once, on first access (PEP 562)."""
    if name not in _BUILDERS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _BUILT:
        _BUILT[name] = _BUILDERS[name]()
    return _BUILT[name]


# ---- bronze, silver, quarantine, gold ------------------------------------------------------------------------------
@spark_schema("RAW_SCHEMA")
def _raw() -> StructType:
    """Bronze keeps every business value as the string it arrived as; nothing is cast away."""
    from pyspark.sql.types import StringType, StructField, StructType

    return StructType([StructField(c, StringType(), True) for c in BUSINESS_COLUMNS])


@spark_schema("BRONZE_SCHEMA")
def _bronze() -> StructType:
    from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

    return StructType(
        [
            *_raw().fields,
            StructField(SOURCE, StringType(), False),
            StructField(INGESTED_AT, TimestampType(), False),
            StructField(BATCH_ID, StringType(), False),
            StructField(SOURCE_POSITION, LongType(), False),
            StructField(RUN_ID, StringType(), False),
        ]
    )


@spark_schema("SILVER_SCHEMA")
def _silver() -> StructType:
    from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType, TimestampType

    return StructType(
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


@spark_schema("QUARANTINE_SCHEMA")
def _quarantine() -> StructType:
    from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType, TimestampType

    return StructType(
        [
            StructField(BATCH_ID, StringType(), False),
            StructField(SOURCE_POSITION, LongType(), False),
            StructField(INGESTED_AT, TimestampType(), False),
            *_raw().fields,
            # Element nullability is not kept: Spark reads files back with nullable array elements.
            StructField(REASONS, ArrayType(StringType(), True), False),
            StructField(RUN_ID, StringType(), False),
        ]
    )


@spark_schema("GOLD_SCHEMA")
def _gold() -> StructType:
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    return StructType(
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


# ---- iris_features (the feature table) -----------------------------------------------------------------------------
SAMPLE_ID = "sample_id"
FEATURE_VERSION_COLUMN = "feature_version"
LABEL = SPECIES


def features_schema(engineered: Sequence[str]) -> StructType:
    """The feature table: keys, raw measurements, the `engineered` features (nullable), label, version, run id."""
    from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType

    return StructType(
        [
            StructField(SAMPLE_ID, StringType(), False),
            StructField(BATCH_ID, StringType(), False),
            StructField(SOURCE_POSITION, LongType(), False),
            *[StructField(m, DoubleType(), False) for m in MEASUREMENTS],
            *[StructField(name, DoubleType(), True) for name in engineered],  # missing where a divisor is 0
            StructField(LABEL, StringType(), False),
            StructField(IS_OUTLIER, BooleanType(), False),
            StructField(FEATURE_VERSION_COLUMN, StringType(), False),
            StructField(RUN_ID, StringType(), False),
        ]
    )


# ---- dq_results (one row per expectation per validation) ------------------------------------------------------------
DQ_RESULTS_TABLE_NAME = "table_name"


@spark_schema("DQ_RESULTS_SCHEMA")
def _dq_results() -> StructType:
    """The JSON columns (kwargs, observed_value, unexpected_sample) hold arguments, observed values and samples."""
    from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType, TimestampType

    text = StringType()
    return StructType([
        StructField(RUN_ID, text, False),
        StructField("validated_at", TimestampType(), False),
        StructField("suite", text, False),
        StructField("suite_version", text, False),
        StructField(DQ_RESULTS_TABLE_NAME, text, False),
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


# ---- iris_predictions (inference writes it; serving/A-B and monitoring read it) -------------------------------------
# One row per scored record and model. Shaped for Databricks Lakehouse Monitoring's InferenceLog profile as is:
# timestamp `scored_at`, model id `model_version`, prediction `predicted_species`, label `species` (when known).
PREDICTED_SPECIES = "predicted_species"
PROBABILITY_PREFIX = "probability_"
PROBABILITY_COLUMNS = tuple(f"{PROBABILITY_PREFIX}{s}" for s in ("setosa", "versicolor", "virginica"))
MODEL_NAME = "model_name"
MODEL_VERSION = "model_version"
MODEL_ALIAS = "model_alias"
SCORING_RUN_ID = "scoring_run_id"
SCORED_AT = "scored_at"
MODE = "mode"
AB_ARM = "ab_arm"
SERVED = "served"
PREDICTION_MODES = ("batch", "stream", "online")
AB_ARMS = ("champion", "challenger")
# A record scored again by the same model version in the same mode replaces its row (idempotent writes).
PREDICTIONS_KEY = (SAMPLE_ID, MODEL_NAME, MODEL_VERSION, MODE)
PREDICTIONS_COLUMNS = (SAMPLE_ID, BATCH_ID, *MEASUREMENTS, SPECIES, PREDICTED_SPECIES, *PROBABILITY_COLUMNS, MODEL_NAME,
                       MODEL_VERSION, MODEL_ALIAS, FEATURE_VERSION_COLUMN, SCORING_RUN_ID, SCORED_AT, MODE, AB_ARM,
                       SERVED)


@spark_schema("PREDICTIONS_SCHEMA")
def _predictions() -> StructType:
    from pyspark.sql.types import BooleanType, DoubleType, StringType, StructField, StructType, TimestampType

    text = StringType()
    return StructType([
        StructField(SAMPLE_ID, text, False),
        StructField(BATCH_ID, text, True),
        *[StructField(c, DoubleType(), True) for c in MEASUREMENTS],
        StructField(SPECIES, text, True),
        StructField(PREDICTED_SPECIES, text, True),
        *[StructField(c, DoubleType(), True) for c in PROBABILITY_COLUMNS],
        StructField(MODEL_NAME, text, False),
        StructField(MODEL_VERSION, text, False),
        StructField(MODEL_ALIAS, text, True),
        StructField(FEATURE_VERSION_COLUMN, text, True),
        StructField(SCORING_RUN_ID, text, True),
        StructField(SCORED_AT, TimestampType(), True),
        StructField(MODE, text, False),
        StructField(AB_ARM, text, True),
        StructField(SERVED, BooleanType(), True),
    ])


# ---- alerts (notify): one row per alert message and channel; never the webhook URL ------------------------------
@spark_schema("ALERTS_SCHEMA")
def _alerts() -> StructType:
    """finding_keys / suppressed_keys: the dedupe keys (kind|subject|severity) sent and left out by the cooldown."""
    from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType, TimestampType

    text = StringType()
    return StructType([
        StructField("message_id", text, False),
        StructField("finding_keys", ArrayType(text, True), False),
        StructField("suppressed_keys", ArrayType(text, True), False),
        StructField("kind", text, False),
        StructField("severity", text, False),
        StructField("channel", text, False),
        StructField("status", text, False),
        StructField("attempts", LongType(), False),
        StructField("last_http_status", LongType(), True),
        StructField("last_error", text, True),
        StructField(RUN_ID, text, False),
        StructField("sent_at", TimestampType(), False),
    ])


# ---- monitor_profile_metrics, monitor_drift_metrics, monitor_runs (the monitor; shaped like Lakehouse Monitoring) --
MONITOR_LOG_TYPES = ("INPUT", "BASELINE")  # a monitored window, or the champion's training rows
DRIFT_TYPES = ("BASELINE", "CONSECUTIVE")
MONITOR_STATUSES = ("OK", "WARN", "ALERT", "SKIPPED")
TABLE_ROW = ":table"  # column_name of the table-level row, as Lakehouse Monitoring names it


def _window_type() -> StructType:
    from pyspark.sql.types import StructField, StructType, TimestampType

    return StructType([StructField("start", TimestampType(), True), StructField("end", TimestampType(), True)])


def _test_type() -> StructType:
    from pyspark.sql.types import DoubleType, StructField, StructType

    return StructType([StructField("statistic", DoubleType(), True), StructField("pvalue", DoubleType(), True)])


@spark_schema("MONITOR_PROFILE_METRICS_SCHEMA")
def _monitor_profile_metrics() -> StructType:
    """One row per window, column and slice; histograms on the reference's bins; sorted values for small windows."""
    from pyspark.sql.types import ArrayType, DoubleType, LongType, StringType, StructField, StructType

    text, real, whole = StringType(), DoubleType(), LongType()
    items = ArrayType(StructType([StructField("item", text, True), StructField("count", whole, True)]), True)
    histogram = StructType([StructField("edges", ArrayType(real, True), True),
                            StructField("counts", ArrayType(whole, True), True),
                            StructField("tail_sums", ArrayType(real, True), True)])
    return StructType([
        StructField("window", _window_type(), True), StructField("window_id", text, False),
        StructField("granularity", text, False), StructField("log_type", text, False),
        StructField(MODEL_VERSION, text, True), StructField("slice_key", text, True),
        StructField("slice_value", text, True), StructField("column_name", text, False),
        StructField("data_type", text, True), StructField("count", whole, True), StructField("num_nulls", whole, True),
        StructField("percent_null", real, True), StructField("avg", real, True), StructField("stddev", real, True),
        StructField("min", real, True), StructField("max", real, True), StructField("distinct_count", whole, True),
        StructField("num_outliers", whole, True), StructField("frequent_items", items, True),
        StructField("histogram", histogram, True), StructField("sorted_values", ArrayType(real, True), True),
        StructField("source", text, True), StructField(RUN_ID, text, False),
    ])


@spark_schema("MONITOR_DRIFT_METRICS_SCHEMA")
def _monitor_drift_metrics() -> StructType:
    """One row per window, column and drift type, with every statistic and the chosen test's verdict."""
    from pyspark.sql.types import BooleanType, DoubleType, StringType, StructField, StructType

    text, real = StringType(), DoubleType()
    return StructType([
        StructField("window", _window_type(), True), StructField("window_cmp", _window_type(), True),
        StructField("window_id", text, False), StructField("granularity", text, False),
        StructField("drift_type", text, False), StructField(MODEL_VERSION, text, True),
        StructField("slice_key", text, True), StructField("slice_value", text, True),
        StructField("column_name", text, False), StructField("data_type", text, True),
        StructField("ks_test", _test_type(), True), StructField("chi_squared_test", _test_type(), True),
        StructField("js_distance", real, True), StructField("wasserstein_distance", real, True),
        StructField("population_stability_index", real, True), StructField("count_delta", real, True),
        StructField("avg_delta", real, True), StructField("percent_null_delta", real, True),
        StructField("test", text, True), StructField("score", real, True), StructField("threshold", real, True),
        StructField("noise_threshold", real, True), StructField("drifted", BooleanType(), False),
        StructField("counted_in_share", BooleanType(), False), StructField(RUN_ID, text, False),
    ])


@spark_schema("MONITOR_RUNS_SCHEMA")
def _monitor_runs() -> StructType:
    """One row per monitor run: the window (batches), the status, the findings as JSON, the report's location."""
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

    text = StringType()
    return StructType([
        StructField(RUN_ID, text, False), StructField("window", _window_type(), True),
        StructField("window_id", text, False), StructField("batches", ArrayType(text, True), True),
        StructField("source_table", text, True), StructField("source_version", LongType(), True),
        StructField("rows", LongType(), False), StructField(MODEL_NAME, text, True),
        StructField(MODEL_VERSION, text, True), StructField("reference", text, True),
        StructField("status", text, False), StructField("reason", text, True),
        StructField("dataset_drift", BooleanType(), True), StructField("drift_share", DoubleType(), True),
        StructField("performance", text, True), StructField("findings", text, False),
        StructField("report_location", text, True), StructField("created_at", TimestampType(), False),
    ])
