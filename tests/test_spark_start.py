"""get_spark: a local session that cannot start is one clear line, not a py4j traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark import SparkContext, java_gateway
from pyspark.errors import PySparkRuntimeError
from pyspark.sql import SparkSession

from iris_mlops import logs
from iris_mlops.errors import ConfigError, IrisMlopsError
from iris_mlops.spark import (
    JIT_OPTIONS,
    LARGE_LOCAL_DATA_BYTES,
    MEMORY_OPTIONS,
    QUIET_LOG4J,
    get_spark,
    jit_options,
    local_conf,
)


def test_a_java_process_that_exits_at_once_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    def gateway_exited(self: object) -> None:
        raise PySparkRuntimeError(errorClass="JAVA_GATEWAY_EXITED", messageParameters={})

    def launch_exited(*args: object, **kwargs: object) -> None:
        raise PySparkRuntimeError(errorClass="JAVA_GATEWAY_EXITED", messageParameters={})

    monkeypatch.setattr(SparkSession, "getActiveSession", classmethod(lambda cls: None))
    monkeypatch.setattr(SparkSession.Builder, "getOrCreate", gateway_exited)
    monkeypatch.setattr(java_gateway, "launch_gateway", launch_exited)
    monkeypatch.setattr(SparkContext, "_active_spark_context", None)
    log = home / "spark.log"
    monkeypatch.setattr(logs, "log_file", lambda home=None: log)
    home.mkdir()
    log.write_text("Error: Could not create the Java Virtual Machine.\n", encoding="utf-8")
    with pytest.raises(IrisMlopsError, match="needs Java 17 or newer") as raised:
        get_spark()
    assert "Could not create the Java Virtual Machine" in str(raised.value)


def test_the_local_jit_is_quick_by_default_and_full_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IRIS_MLOPS_SPARK_JIT", raising=False)
    options = local_conf()["spark.driver.extraJavaOptions"]
    assert options.startswith(f"{MEMORY_OPTIONS} -XX:TieredStopAtLevel=1")
    monkeypatch.setenv("IRIS_MLOPS_SPARK_JIT", "full")
    assert "-XX:TieredStopAtLevel=1" not in local_conf()["spark.driver.extraJavaOptions"].split()
    assert local_conf()["spark.driver.extraJavaOptions"].startswith(MEMORY_OPTIONS)
    assert local_conf()["spark.driver.memory"] == "1g"
    monkeypatch.setenv("IRIS_MLOPS_SPARK_DRIVER_MEMORY", "4g")
    assert local_conf()["spark.driver.memory"] == "4g"
    monkeypatch.setenv("IRIS_MLOPS_SPARK_JIT", "fast")
    with pytest.raises(ConfigError, match="IRIS_MLOPS_SPARK_JIT='fast' is not one of: auto, quick, full"):
        jit_options()


@pytest.mark.parametrize("mode", ["auto", None])
def test_the_auto_jit_is_full_for_large_local_data_only(monkeypatch: pytest.MonkeyPatch, mode: str | None) -> None:
    if mode is None:
        monkeypatch.delenv("IRIS_MLOPS_SPARK_JIT", raising=False)
    else:
        monkeypatch.setenv("IRIS_MLOPS_SPARK_JIT", mode)
    assert jit_options(LARGE_LOCAL_DATA_BYTES - 1) == JIT_OPTIONS["quick"]
    assert jit_options(LARGE_LOCAL_DATA_BYTES) == JIT_OPTIONS["full"]
    monkeypatch.setenv("IRIS_MLOPS_SPARK_JIT", "quick")  # an explicit choice wins
    assert jit_options(10 * LARGE_LOCAL_DATA_BYTES) == JIT_OPTIONS["quick"]


def test_local_data_bytes_counts_bronze_and_staged_source_parts(home: Path) -> None:
    from iris_mlops.config import load_settings
    from iris_mlops.storage import local_data_bytes

    settings = load_settings("local")
    assert local_data_bytes(settings) == 0  # a fresh home
    bronze = (settings.home / "warehouse").joinpath(*settings.table("bronze").split("."))
    (bronze / "_delta_log").mkdir(parents=True)
    (bronze / "_delta_log" / "00000000000000000000.json").write_bytes(b"x" * 100)  # the log is not data
    (bronze / "part-0.parquet").write_bytes(b"x" * 1000)
    (settings.home / "warehouse" / "silver.parquet").write_bytes(b"x" * 5000)  # another layer: not counted
    settings.staging_dir.mkdir(parents=True)
    (settings.staging_dir / "part-0.parquet").write_bytes(b"x" * 300)
    assert local_data_bytes(settings) == 1300
    assert local_data_bytes(settings.model_copy(update={"store": "spark_delta"})) == 0


def test_the_driver_jvm_runs_with_the_chosen_jit(spark: SparkSession) -> None:
    # The suite asks for the full JIT (conftest): C1-only must then be absent from the JVM's arguments.
    runtime = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()  # type: ignore[union-attr]
    c1_only = JIT_OPTIONS["quick"] in list(runtime.getInputArguments())
    assert c1_only == (jit_options() == JIT_OPTIONS["quick"])


def test_the_driver_jvm_runs_with_the_small_memory_options(spark: SparkSession) -> None:
    runtime = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()  # type: ignore[union-attr]
    arguments = list(runtime.getInputArguments())
    assert all(option in arguments for option in MEMORY_OPTIONS.split())
    assert spark.sparkContext.getConf().get("spark.driver.memory") == "1g"


def test_the_quiet_driver_logs_through_the_packaged_log4j_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(logs.VERBOSE_ENV, raising=False)
    quiet = local_conf()["spark.driver.extraJavaOptions"]
    assert f"-Dlog4j2.configurationFile={QUIET_LOG4J.as_uri()}" in quiet.split() and QUIET_LOG4J.is_file()
    monkeypatch.setenv(logs.VERBOSE_ENV, "1")
    assert "log4j2" not in local_conf()["spark.driver.extraJavaOptions"]


def test_a_task_starts_spark_with_its_local_data_size(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import iris_mlops.spark
    from iris_mlops.config import load_settings
    from iris_mlops.tasks.context import TaskContext

    settings = load_settings("local")
    settings.staging_dir.mkdir(parents=True)
    with (settings.staging_dir / "part-0.parquet").open("wb") as part:  # a large source, staged by bronze
        part.truncate(LARGE_LOCAL_DATA_BYTES)
    asked: list[int] = []
    monkeypatch.setattr(iris_mlops.spark, "get_spark", lambda **kw: asked.append(kw["local_data_bytes"]))
    TaskContext(name="bronze", settings=settings, run_id="r").spark  # noqa: B018 - the property starts Spark
    assert asked == [LARGE_LOCAL_DATA_BYTES]  # so "auto" picks the full JIT (above)
