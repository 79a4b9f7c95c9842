"""Table names as people type them: short or three-level, checked against what exists, with suggestions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iris_mlops.errors import ConfigError
from iris_mlops.suggest import unknown_name

if TYPE_CHECKING:
    from iris_mlops.config import Settings
    from iris_mlops.storage.metadata import TableMetadata


def resolve_table(settings: Settings, store: TableMetadata, name: str) -> str:
    """The three-level name of an existing table, or one line naming the closest existing tables."""
    full = settings.qualify(name)
    if store.exists(full):
        return full
    existing = store.list_tables(settings.catalog, settings.schema_name)
    short = {n.rsplit(".", 1)[-1]: n for n in existing}
    message = unknown_name("table", name.rsplit(".", 1)[-1] if "." not in name else name, list(short) or existing)
    raise ConfigError(f"{message} (in {settings.catalog}.{settings.schema_name})")
