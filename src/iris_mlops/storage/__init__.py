"""Table storage behind one small interface, with a local delta-rs and a Spark Delta implementation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iris_mlops.storage.base import TableCommit, TableProperties, TableStore

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from iris_mlops.config import Settings

__all__ = ["TableCommit", "TableProperties", "TableStore", "make_store"]


def make_store(settings: Settings, spark: SparkSession) -> TableStore:
    """The store the settings name: local Delta under the home folder, or Spark Delta (Unity Catalog)."""
    if settings.store == "spark_delta":
        from iris_mlops.storage.spark_delta import SparkDeltaStore

        return SparkDeltaStore(spark)
    from iris_mlops.storage.local_delta import LocalDeltaStore

    return LocalDeltaStore(spark, settings.home / "warehouse")
