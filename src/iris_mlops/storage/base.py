"""The table-store interface: every layer reads and writes tables through it, never directly."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

RUN_ID_KEY = "iris_mlops.run_id"
DESCRIPTION_KEY = "comment"
PRIMARY_KEY_KEY = "iris_mlops.primary_key"


@dataclass(frozen=True)
class TableCommit:
    """One entry of a table's history."""

    version: int
    timestamp: datetime | None
    operation: str
    run_id: str | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TableProperties:
    """Metadata a write may set: a description, a primary key and free key/value properties."""

    description: str | None = None
    primary_key: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        """The properties as stored table properties."""
        data = dict(self.extra)
        if self.description:
            data[DESCRIPTION_KEY] = self.description
        if self.primary_key:
            data[PRIMARY_KEY_KEY] = ",".join(self.primary_key)
        return data


@dataclass(frozen=True)
class MaintenanceResult:
    """What a vacuum or an optimize did: files deleted or rewritten, and the table version afterwards."""

    name: str
    version: int
    files_removed: int | None = None  # None: the engine does not report it
    files_added: int | None = None
    kept_versions: tuple[int, ...] = ()


DEFAULT_RETAIN_HOURS = 168.0  # Delta's default retention: a week of time travel


class TableStore(ABC):
    """Read, write and inspect tables by three-level name; every write returns the version it committed."""

    spark: SparkSession

    def append_records(
        self, name: str, records: Sequence[Mapping[str, Any]], *, schema: StructType, run_id: str
    ) -> int:
        """Append a few rows built on the driver (results, metrics), with `schema` (creating the table when absent)."""
        df = self.spark.createDataFrame([tuple(r[f.name] for f in schema.fields) for r in records], schema)
        return self.append(name, df, run_id=run_id)

    @abstractmethod
    def staged(self, df: DataFrame, *, near: str) -> AbstractContextManager[DataFrame]:
        """`df` computed once: yields a frame over its stored rows (kept beside table `near`), dropped on exit.

        Write-audit-publish computes a layer once, then counts, audits and commits what was staged instead of
        recomputing the layer's plan for each of them.
        """

    @abstractmethod
    def exists(self, name: str) -> bool:
        """True when the table exists."""

    @abstractmethod
    def read(self, name: str, *, version: int | None = None) -> DataFrame:
        """The table's current snapshot, or the snapshot at `version`."""

    @abstractmethod
    def version(self, name: str) -> int:
        """The table's current version."""

    @abstractmethod
    def overwrite(self, name: str, df: DataFrame, *, run_id: str, properties: TableProperties | None = None) -> int:
        """Replace the table's content with `df` (creating the table when absent)."""

    @abstractmethod
    def append(self, name: str, df: DataFrame, *, run_id: str) -> int:
        """Add the rows of `df` (creating the table when absent)."""

    @abstractmethod
    def merge(self, name: str, df: DataFrame, *, keys: Sequence[str], run_id: str) -> int:
        """Upsert `df` on `keys`: matching rows are replaced, the others inserted."""

    @abstractmethod
    def replace_where(self, name: str, df: DataFrame, *, column: str, values: Sequence[str], run_id: str) -> int:
        """Atomically replace the rows whose `column` is in `values` by the rows of `df`."""

    @abstractmethod
    def delete_where(self, name: str, *, column: str, values: Sequence[str], run_id: str) -> int:
        """Delete the rows whose `column` is in `values`."""

    @abstractmethod
    def restore(self, name: str, *, version: int, run_id: str) -> int:
        """Commit a new version whose content is that of `version` (Delta's RESTORE); returns the new version."""

    @abstractmethod
    def history(self, name: str) -> list[TableCommit]:
        """The table's commits, newest first."""

    @abstractmethod
    def properties(self, name: str) -> dict[str, str]:
        """The table's properties (description under 'comment', primary key, feature_version, …)."""

    @abstractmethod
    def set_properties(self, name: str, properties: TableProperties, *, run_id: str) -> int:
        """Set table properties; returns the table version afterwards."""

    @abstractmethod
    def list_tables(self, catalog: str, schema: str) -> list[str]:
        """Three-level names of the tables in one schema."""

    @abstractmethod
    def location(self, name: str) -> str:
        """Where the table's files live (a path or URI)."""

    @abstractmethod
    def vacuum(self, name: str, *, retain_hours: float = DEFAULT_RETAIN_HOURS,
               keep_versions: Sequence[int] = ()) -> MaintenanceResult:
        """Delete files no version newer than `retain_hours` needs, except those of `keep_versions`."""

    @abstractmethod
    def optimize(self, name: str, *, run_id: str) -> MaintenanceResult:
        """Compact small files into larger ones (one commit; the rows do not change)."""
