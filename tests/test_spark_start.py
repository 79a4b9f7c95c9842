"""get_spark: a local session that cannot start is one clear line, not a py4j traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark import SparkContext, java_gateway
from pyspark.errors import PySparkRuntimeError
from pyspark.sql import SparkSession

from iris_mlops import logs
from iris_mlops.errors import ConfigError, IrisMlopsError
from iris_mlops.spark import JIT_OPTIONS, MEMORY_OPTIONS, QUIET_LOG4J, get_spark, jit_options, local_conf


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
    with pytest.raises(ConfigError, match="IRIS_MLOPS_SPARK_JIT='fast' is not one of: quick, full"):
        jit_options()


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
