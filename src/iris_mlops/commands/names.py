"""Table names as people type them: short or three-level, checked against what exists, with suggestions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iris_mlops.errors import ConfigError
from iris_mlops.suggest import did_you_mean

if TYPE_CHECKING:
    from iris_mlops.config import Settings
    from iris_mlops.storage.metadata import TableMetadata


def resolve_table(settings: Settings, store: TableMetadata, name: str) -> str:
    """The three-level name of an existing table, or one line naming the closest existing tables."""
    full = settings.qualify(name)
    if store.exists(full):
        return full
    existing = [n.rsplit(".", 1)[-1] for n in store.list_tables(settings.catalog, settings.schema_name)]
    hint = did_you_mean(full.rsplit(".", 1)[-1], existing)
    raise ConfigError(f"table {full} does not exist; {hint}tables in {settings.catalog}.{settings.schema_name}: "
                      f"{', '.join(existing) or 'none (run `iris-mlops bronze` first)'}")
