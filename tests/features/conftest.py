"""Silver rows for the feature tests, whatever metadata columns SILVER_SCHEMA carries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

import pytest

FIELDS = ("batch_id", "source_position", "sepal_length", "sepal_width", "petal_length", "petal_width", "species",
          "is_outlier")


@pytest.fixture()
def silver_rows(spark) -> Callable[[Sequence[tuple[Any, ...]]], Any]:
    """Build a silver DataFrame from (batch_id, position, 4 measurements, species, is_outlier) tuples."""
    from iris_mlops.schemas import SILVER_SCHEMA

    metadata = {"run_id": "r0", "ingested_at": datetime(2026, 1, 1, tzinfo=timezone.utc)}

    def build(rows: Sequence[tuple[Any, ...]]) -> Any:
        named = [{**metadata, **dict(zip(FIELDS, row, strict=True))} for row in rows]
        data = [tuple(row[f.name] for f in SILVER_SCHEMA) for row in named]
        return spark.createDataFrame(data, SILVER_SCHEMA)

    return build
