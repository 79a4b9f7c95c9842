"""VACUUM and OPTIMIZE for Spark Delta tables, with delta-rs on the table's location for engines without them."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from iris_mlops.storage.base import TableCommit

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)


def protected_retention(
    history: Sequence[TableCommit], *, retain_hours: float, keep_versions: Sequence[int], now: datetime | None = None
) -> float:
    """Hours of retention that keep every file of `keep_versions` (at least `retain_hours`).

    A file a version needs is removed by a later commit, so keeping every removal since that version's commit
    keeps the file: retention must reach back to the oldest protected version (SQL VACUUM has no keep-list).
    """
    now = now or datetime.now(timezone.utc)
    stamps = {c.version: c.timestamp for c in history}
    hours = retain_hours
    for version in keep_versions:
        stamp = stamps.get(version)
        if stamp is not None:
            hours = max(hours, math.ceil((now - stamp).total_seconds() / 3600) + 1)
    return hours


def sql_vacuum(spark: SparkSession, quoted: str, hours: float) -> None:
    """`VACUUM table RETAIN n HOURS`."""
    spark.sql(f"VACUUM {quoted} RETAIN {math.ceil(hours)} HOURS").collect()


def sql_optimize(spark: SparkSession, quoted: str) -> tuple[int | None, int | None]:
    """`OPTIMIZE table`; returns (files removed, files added) when the engine reports them."""
    rows = spark.sql(f"OPTIMIZE {quoted}").collect()
    metrics: Any = rows[0]["metrics"] if rows and "metrics" in rows[0].asDict() else None
    if metrics is None:
        return None, None
    data = metrics.asDict() if hasattr(metrics, "asDict") else dict(metrics)
    return data.get("numFilesRemoved"), data.get("numFilesAdded")


def first_line(exc: Exception) -> str:
    """An exception's first line, for a log message."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
