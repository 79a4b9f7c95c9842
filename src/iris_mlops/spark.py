"""get_spark(): the active session on Databricks, a small fast local session elsewhere."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from iris_mlops.errors import ConfigError, IrisMlopsError

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

# Tuned for 2-core machines and small data: few shuffle partitions, no UI, quiet logs.
LOCAL_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # delta-rs and other Delta readers expect microsecond timestamps, not legacy INT96.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.warehouse.dir": os.path.join(os.environ.get("TMPDIR", "/tmp"), "iris-mlops-spark-warehouse"),
}

# The local driver's JIT compilers, chosen with IRIS_MLOPS_SPARK_JIT. "quick" (the default) stops at C1: a local
# run is many short Spark jobs on small data, where C2's compilations cost more CPU than they win back (make run
# on 2 cores: about 47 s -> 39 s). "full" is the JVM's usual tiered compilation, for long local runs on large data
# (C1 alone makes the 10 M-row medallion benchmark about twice as slow). Databricks sessions are never affected.
JIT_OPTIONS = {"quick": "-XX:TieredStopAtLevel=1", "full": ""}


def on_databricks() -> bool:
    """True inside a Databricks runtime (cluster or serverless)."""
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def get_spark(app_name: str = "iris-mlops") -> SparkSession:
    """Return the active Spark session, creating a local one off Databricks."""
    try:
        from pyspark.errors import PySparkRuntimeError
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the install
        raise IrisMlopsError(
            "pyspark is not installed: install the local extra, pip install 'iris-mlops[local]'"
        ) from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if on_databricks():
        return SparkSession.builder.getOrCreate()
    # Python UDFs and pandas functions need the workers to run this very interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(os.environ.get("IRIS_MLOPS_SPARK_MASTER", "local[2]")).appName(app_name)
    for key, value in local_conf().items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except PySparkRuntimeError as exc:
        if exc.getCondition() != "JAVA_GATEWAY_EXITED":
            raise
        raise IrisMlopsError(
            "local Spark could not start: its Java process exited at once (see the lines above); Spark 4 needs "
            "Java 17 or newer (scripts/check_java.sh checks it) and valid options in PYSPARK_SUBMIT_ARGS"
        ) from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# The serial collector, returning freed heap to the OS: one small driver JVM, not a server (G1's regions and
# threads cost resident memory that a local run never uses).
MEMORY_OPTIONS = "-XX:+UseSerialGC -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"


def local_conf() -> dict[str, str]:
    """The configuration of a local session: LOCAL_CONF and the driver JVM's memory and JIT options."""
    # Spark's default heap (IRIS_MLOPS_SPARK_DRIVER_MEMORY for large local data). A local run holds a few
    # thousand rows: a bigger heap only fills with garbage before the collector runs (2g: JVM peak ~1.2 GB).
    memory = os.environ.get("IRIS_MLOPS_SPARK_DRIVER_MEMORY", "1g")
    options = f"{MEMORY_OPTIONS} {jit_options()}".strip()
    return {**LOCAL_CONF, "spark.driver.memory": memory, "spark.driver.extraJavaOptions": options}


def jit_options() -> str:
    """The local driver's JIT options for IRIS_MLOPS_SPARK_JIT (quick or full)."""
    mode = os.environ.get("IRIS_MLOPS_SPARK_JIT", "quick")
    if mode not in JIT_OPTIONS:
        raise ConfigError(f"IRIS_MLOPS_SPARK_JIT={mode!r} is not one of: {', '.join(JIT_OPTIONS)}")
    return JIT_OPTIONS[mode]


def empty_frame(spark: SparkSession, schema: StructType) -> DataFrame:
    """An empty DataFrame with `schema`, planned as a local relation.

    `createDataFrame([], schema)` builds a Python RDD: running anything on it starts Python worker processes
    (about 2.5 s the first time); an empty Arrow table stays in the JVM.
    """
    import pyarrow as pa

    return spark.createDataFrame(pa.Table.from_pylist([], schema=arrow_schema(schema)), schema)


def arrow_schema(schema: StructType) -> pa.Schema:
    """The Arrow schema of a Spark schema, timestamps in UTC (as Delta stores them)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(schema, timezone="UTC")
