"""Where suites and checkpoints live, and the known columns of each table (for load-time checks)."""

from __future__ import annotations

import importlib
from pathlib import Path

from iris_mlops.config import Settings, conf_dir

SCHEMA_CONSTANTS = {
    "bronze": "BRONZE_SCHEMA",
    "silver": "SILVER_SCHEMA",
    "quarantine": "QUARANTINE_SCHEMA",
    "gold": "GOLD_SCHEMA",
}
# Where the features package defines the feature table's schema (a function returning a StructType).
FEATURE_SCHEMA = ("iris_mlops.features.transforms", "feature_table_schema")


def suites_dir(settings: Settings | None = None) -> Path:
    configured = settings.quality.suites_dir if settings is not None else None
    return Path(configured) if configured else conf_dir() / "expectations"


def checkpoints_dir(settings: Settings | None = None) -> Path:
    configured = settings.quality.checkpoints_dir if settings is not None else None
    return Path(configured) if configured else conf_dir() / "checkpoints"


def table_columns(key: str) -> dict[str, str] | None:
    """Column name -> Spark type class name for a table key, or None when its schema is not known here."""
    try:
        from pyspark.sql.types import StructType

        schemas = importlib.import_module("iris_mlops.schemas")
    except ImportError:  # without pyspark the suite's own column list is used
        return None
    schema = getattr(schemas, SCHEMA_CONSTANTS.get(key, ""), None)
    if schema is None and key == "features":
        schema = _feature_schema()
    if not isinstance(schema, StructType):
        return None
    return {f.name: type(f.dataType).__name__ for f in schema.fields}


def _feature_schema() -> object | None:
    module_name, function = FEATURE_SCHEMA
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    build = getattr(module, function, None)
    return build() if callable(build) else None
