"""Where suites and checkpoints live, and the known columns of each table (for load-time checks)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from iris_mlops.config import QualityConfig, conf_dir

if TYPE_CHECKING:
    from pyspark.sql.types import StructType


def suites_dir(config: QualityConfig | None = None) -> Path:
    """The expectation suites folder: the configured one, else conf/expectations."""
    configured = config.suites_dir if config is not None else None
    return Path(configured) if configured else conf_dir() / "expectations"


def checkpoints_dir(config: QualityConfig | None = None) -> Path:
    """The checkpoints folder: the configured one, else conf/checkpoints."""
    configured = config.checkpoints_dir if config is not None else None
    return Path(configured) if configured else conf_dir() / "checkpoints"


def table_schema(key: str) -> StructType | None:
    """The Spark schema of a table key from schemas.py, or None for a table without a fixed schema."""
    from iris_mlops import schemas

    if key == "features":
        from iris_mlops.features.definitions import feature_names

        return schemas.features_schema(feature_names())
    fixed = {"bronze": "BRONZE_SCHEMA", "silver": "SILVER_SCHEMA", "quarantine": "QUARANTINE_SCHEMA",
             "gold": "GOLD_SCHEMA"}
    return getattr(schemas, fixed[key]) if key in fixed else None


def table_columns(key: str) -> dict[str, str] | None:
    """Column name -> Spark type class name for a table key, or None when its schema is not known here."""
    try:
        import pyspark  # noqa: F401
    except ImportError:  # without pyspark the suite's own column list is used
        return None
    schema = table_schema(key)
    return None if schema is None else {f.name: type(f.dataType).__name__ for f in schema.fields}
