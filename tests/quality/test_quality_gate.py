"""Write-audit-publish, dq_results, reports and the notify hook, on a temporary home with local Delta tables."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F  # noqa: N812

from iris_mlops.config import MEASUREMENTS, load_settings
from iris_mlops.errors import DataQualityError
from iris_mlops.quality.notify import QualityEvent, register_notifier, unregister_notifier
from iris_mlops.schemas import BRONZE_SCHEMA, GOLD_SCHEMA, SILVER_SCHEMA
from iris_mlops.tasks.context import TaskContext
from iris_mlops.tasks.gate import audit

T0 = datetime(2026, 1, 1)
NAMES = ("setosa", "versicolor", "virginica")


def iris_rows() -> list[tuple[float, float, float, float, str]]:
    from sklearn.datasets import load_iris

    data = load_iris()
    return [(*map(float, x), NAMES[int(y)]) for x, y in zip(data.data, data.target, strict=True)]


def silver_df(spark: SparkSession, rows: list[tuple[float, float, float, float, str]]) -> DataFrame:
    return spark.createDataFrame([("b1", i, T0, *r, False, "run") for i, r in enumerate(rows)], SILVER_SCHEMA)


def bronze_df(spark: SparkSession, rows: list[tuple[Any, ...]]) -> DataFrame:
    data = [(*[None if v is None else str(v) for v in r], "iris", T0, "b1", i, "run") for i, r in enumerate(rows)]
    return spark.createDataFrame(data, BRONZE_SCHEMA)


def gold_df(silver: DataFrame, silver_version: int) -> DataFrame:
    stats = {"mean": F.avg, "min": F.min, "max": F.max, "stddev": F.stddev_samp}
    total = silver.count()
    aggs = [F.count(F.lit(1)).alias("count")]
    aggs += [stats[s](m).alias(f"{m}_{s}") for m in MEASUREMENTS for s in stats]
    aggs += [F.count_if("is_outlier").alias("outlier_count")]
    gold = silver.groupBy("species").agg(*aggs)
    gold = gold.withColumn("outlier_share", F.col("outlier_count") / F.col("count"))
    gold = gold.withColumn("share_of_total", F.col("count") / F.lit(total))
    gold = gold.withColumn("silver_version", F.lit(silver_version).cast("long")).withColumn("run_id", F.lit("run"))
    return gold.select(*[F.col(f.name).cast(f.dataType) for f in GOLD_SCHEMA.fields])


class Recorder:
    def __init__(self) -> None:
        self.events: list[QualityEvent] = []

    def notify(self, event: QualityEvent) -> None:
        self.events.append(event)


@pytest.fixture()
def ctx(home: Path, spark: SparkSession) -> TaskContext:
    return TaskContext(name="test", settings=load_settings(), run_id="run-test", quiet=True)


@pytest.fixture()
def recorder() -> Any:
    found = Recorder()
    register_notifier("test", found)
    yield found
    unregister_notifier("test")


@pytest.fixture()
def published(ctx: TaskContext, spark: SparkSession) -> dict[str, int]:
    """Bronze and silver tables of the embedded Iris data, written through the store."""
    rows = iris_rows()
    return {
        "bronze": ctx.store.overwrite(ctx.settings.table("bronze"), bronze_df(spark, rows), run_id="r0"),
        "silver": ctx.store.overwrite(ctx.settings.table("silver"), silver_df(spark, rows), run_id="r0"),
    }


def test_audit_embedded_data_passes_every_suite(ctx: TaskContext, spark: SparkSession, published: dict[str, int],
                                                recorder: Recorder) -> None:
    silver = ctx.store.read(ctx.settings.table("silver"))
    for key, df in (("bronze", ctx.store.read(ctx.settings.table("bronze"))), ("silver", silver),
                    ("gold", gold_df(silver, published["silver"]))):
        result = audit(ctx, key, df, table_version=published.get(key))
        assert result.status == "passed", result.summary()
        assert result.report_path and Path(result.report_path).is_file()
    assert recorder.events == []
    history = ctx.store.read(ctx.settings.table("dq_results"))
    assert history.count() == 13 + 19 + 21  # one row per expectation of the bronze, silver and gold suites
    assert {r["table_name"] for r in history.select("table_name").distinct().collect()} == {
        ctx.settings.table(k) for k in ("bronze", "silver", "gold")}


def test_audit_error_blocks_the_write_and_names_the_expectation(ctx: TaskContext, spark: SparkSession,
                                                                published: dict[str, int], recorder: Recorder) -> None:
    table = ctx.settings.table("silver")
    rows = iris_rows()
    rows[0] = (5.1, 7.5, 1.4, 0.2, "setosa")  # sepal_width above its plausible range
    bad = silver_df(spark, rows)

    def write_silver(df: DataFrame) -> int:  # a layer task's write-audit-publish step
        audit(ctx, "silver", df, table_version=ctx.store.version(table))
        return ctx.store.overwrite(table, df, run_id=ctx.run_id)

    with pytest.raises(DataQualityError) as caught:
        write_silver(bad)
    message = str(caught.value)
    assert "\n" not in message
    assert "error: expect_column_values_to_be_between(sepal_width) [1 unexpected]" in message
    assert ctx.store.version(table) == published["silver"]
    assert ctx.store.read(table).where("sepal_width > 6").count() == 0
    assert [e.level for e in recorder.events] == ["error"]
    history = ctx.store.read(ctx.settings.table("dq_results"))
    assert history.where("success = false").select("expectation_type", "column_name").collect() == [
        ("expect_column_values_to_be_between", "sepal_width")]


def test_audit_warn_publishes_and_notifies(ctx: TaskContext, spark: SparkSession, recorder: Recorder) -> None:
    rows: list[tuple[Any, ...]] = list(iris_rows())
    rows[3] = (None, 3.1, 1.5, 0.2, "setosa")
    rows[4] = (5.0, 3.6, 1.4, 0.2, "daisy")
    result = audit(ctx, "bronze", bronze_df(spark, rows), table_version=None)
    assert result.status == "warned" and result.success
    assert [r.label for r in result.warnings] == ["expect_column_values_to_not_be_null(sepal_length)",
                                                  "expect_column_values_to_be_in_set(species)"]
    assert [e.level for e in recorder.events] == ["warn"]
    assert recorder.events[0].report_path == result.report_path
    html = Path(result.report_path or "").read_text(encoding="utf-8")
    assert "daisy" in html and "warned" in html


def test_audit_failing_notifier_does_not_stop_the_run(ctx: TaskContext, spark: SparkSession) -> None:
    class Broken:
        def notify(self, event: QualityEvent) -> None:
            raise RuntimeError("channel down")

    register_notifier("broken", Broken())
    try:
        rows: list[tuple[Any, ...]] = list(iris_rows())
        rows[0] = (None, 3.5, 1.4, 0.2, "setosa")
        assert audit(ctx, "bronze", bronze_df(spark, rows), table_version=None).status == "warned"
    finally:
        unregister_notifier("broken")


def test_register_notifier_refuses_objects_without_notify() -> None:
    with pytest.raises(TypeError, match="no notify"):
        register_notifier("bad", object())  # type: ignore[arg-type]
