"""get_spark(): the active session on Databricks, a small fast local session elsewhere."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from iris_mlops import logs
from iris_mlops.errors import ConfigError, IrisMlopsError
from iris_mlops.spark_archive import archive_options

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
    # lower()/upper() through the JVM's case mappings, not ICU's: the first ICU call loads its data, about 1.2 s
    # of every local run (silver lower-cases the species label). ASCII text, which valid labels are, maps
    # identically either way; Databricks sessions keep their own setting.
    "spark.sql.icu.caseMappings.enabled": "false",
}

# The local driver's JIT compilers, chosen with IRIS_MLOPS_SPARK_JIT. "quick" stops at C1: a local run is many short
# Spark jobs on small data, where C2's compilations cost more CPU than they win back (make run on 2 cores: about
# 47 s -> 39 s). "full" is the JVM's usual tiered compilation, for large data (C1 alone made silver on 1 M rows
# 35 s instead of 18 s; about even at 100 k rows). "auto", the default, picks "full" when the process will read
# LARGE_LOCAL_DATA_BYTES or more of local Parquet (see `get_spark`), else "quick". Databricks is never affected.
JIT_OPTIONS = {"quick": "-XX:TieredStopAtLevel=1", "full": ""}
LARGE_LOCAL_DATA_BYTES = 2 << 20  # compressed Parquet: bronze holds about 300 k Iris-like rows in 2 MB
# The serial collector, returning freed heap to the OS: one small driver JVM, not a server (G1's regions and
# threads cost resident memory that a local run never uses).
MEMORY_OPTIONS = "-XX:+UseSerialGC -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"
# Warnings and errors only, no banner (unless verbose): the driver's output goes to the log file anyway.
QUIET_LOG4J = Path(__file__).resolve().parent / "log4j2-quiet.properties"
# The runner's warm-up thread and the first task may both start the session: one at a time.
_START_LOCK = threading.Lock()


def on_databricks() -> bool:
    """True inside a Databricks runtime (cluster or serverless)."""
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def get_spark(app_name: str = "iris-mlops", *, local_data_bytes: int = 0) -> SparkSession:
    """Return the active Spark session, creating a local one off Databricks.

    `local_data_bytes`: how much local Parquet the process will read (`storage.local_data_bytes`), for the JIT
    choice of a new local session; an existing session keeps its own.
    """
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
    from iris_mlops.progress import step

    try:
        with step("starting Spark"):
            spark = _local_session(app_name, os.environ.get("IRIS_MLOPS_SPARK_MASTER", "local[2]"), local_data_bytes)
    except PySparkRuntimeError as exc:
        if exc.getCondition() != "JAVA_GATEWAY_EXITED":
            raise
        where = "see the lines above" if logs.is_verbose() else f"its last line: {_last_line(logs.log_file())}"
        raise IrisMlopsError(
            f"local Spark could not start: its Java process exited at once ({where}); Spark 4 needs Java 17 or "
            "newer (scripts/check_java.sh checks it) and valid options in PYSPARK_SUBMIT_ARGS"
        ) from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _local_session(app_name: str, master: str, data_bytes: int) -> SparkSession:
    """A new local session; unless verbose, its JVM writes to the log file, not to the terminal."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    conf = local_conf(data_bytes)
    with _START_LOCK:
        if not logs.is_verbose() and SparkContext._active_spark_context is None:
            _start_quiet_context({"spark.master": master, "spark.app.name": app_name, **conf}, logs.log_file())
        builder = SparkSession.builder.master(master).appName(app_name)
        for key, value in conf.items():
            builder = builder.config(key, value)
        return builder.getOrCreate()


def local_conf(data_bytes: int = 0) -> dict[str, str]:
    """The configuration of a local session: LOCAL_CONF and the driver JVM's memory, JIT, class archive and logs."""
    # Spark's default heap (IRIS_MLOPS_SPARK_DRIVER_MEMORY for large local data). A local run holds a few
    # thousand rows: a bigger heap only fills with garbage before the collector runs (2g: JVM peak ~1.2 GB).
    memory = os.environ.get("IRIS_MLOPS_SPARK_DRIVER_MEMORY", "1g")
    options = " ".join(o for o in (MEMORY_OPTIONS, jit_options(data_bytes), archive_options()) if o)
    if not logs.is_verbose():
        options = f"{options} -Dlog4j2.configurationFile={QUIET_LOG4J.as_uri()}"
    return {**LOCAL_CONF, "spark.driver.memory": memory, "spark.driver.extraJavaOptions": options}


def _start_quiet_context(conf: Mapping[str, str], log: Path) -> None:
    """Start the driver JVM with its stdout and stderr in `log`, so no JVM or log4j line reaches the terminal.

    The JVM gets its own file descriptors (Popen), so threads printing meanwhile are unaffected; the session
    builder then finds this context and uses it.
    """
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway

    log.parent.mkdir(parents=True, exist_ok=True)
    spark_conf = SparkConf().setAll(list(conf.items()))
    with log.open("ab") as sink:
        gateway = launch_gateway(spark_conf, popen_kwargs={"stdout": sink, "stderr": sink})
    SparkContext(conf=spark_conf, gateway=gateway)


def _last_line(path: Path) -> str:
    """The last non-empty line of a log file, for a one-line error (or where to look)."""
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return f"see {path}"
    last = next((line for line in reversed(lines) if line), "")
    return f"{last[:200]} (full output in {path})" if last else f"see {path}"


def jit_options(data_bytes: int = 0) -> str:
    """The local driver's JIT options for IRIS_MLOPS_SPARK_JIT (auto, quick or full) and the data to be read."""
    mode = os.environ.get("IRIS_MLOPS_SPARK_JIT", "auto")
    if mode == "auto":
        mode = "full" if data_bytes >= LARGE_LOCAL_DATA_BYTES else "quick"
    if mode not in JIT_OPTIONS:
        raise ConfigError(f"IRIS_MLOPS_SPARK_JIT={mode!r} is not one of: auto, {', '.join(JIT_OPTIONS)}")
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
