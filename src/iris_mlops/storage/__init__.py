"""Table storage behind one small interface, with a local delta-rs and a Spark Delta implementation."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from iris_mlops.storage.base import TableCommit, TableProperties, TableStore

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from iris_mlops.config import Settings

__all__ = ["TableCommit", "TableProperties", "TableStore", "local_data_bytes", "make_store"]


def make_store(settings: Settings, spark: SparkSession) -> TableStore:
    """The store the settings name: local Delta under the home folder, or Spark Delta (Unity Catalog)."""
    if settings.store == "spark_delta":
        from iris_mlops.storage.spark_delta import SparkDeltaStore

        return SparkDeltaStore(spark)
    from iris_mlops.storage.local_delta import LocalDeltaStore

    return LocalDeltaStore(spark, settings.warehouse_dir)


def local_data_bytes(settings: Settings) -> int:
    """Parquet bytes a local run may read at most: bronze's data files and any source parts staged for it.

    Bronze holds every row ever ingested and the layers after it hold no more, so its size (plus a new source's,
    staged before Spark starts) tells `spark.get_spark` whether this run's data is large. 0 off the local store.
    """
    if settings.store != "local_delta":
        return 0
    from iris_mlops.storage.metadata import DeltaLog

    bronze = Path(DeltaLog(settings.warehouse_dir).location(settings.table("bronze")))
    return sum(_parquet_bytes(folder) for folder in (bronze, settings.staging_dir))


def _parquet_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*.parquet") if path.is_file()) if folder.is_dir() else 0
