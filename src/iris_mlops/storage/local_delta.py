"""Local Delta tables on delta-rs: Spark writes Parquet, delta-rs commits it atomically.

Data never passes through the driver: Spark writes parts into the table's staging area, small parts are
merged, the parts are fsynced and moved beside the table's other files, and one delta-rs transaction adds them
(and removes what the write replaces). Each write is committed on the version it was built on (see
`conflicts`), so a concurrent writer is either merged with or refused, never silently lost. Reads check the log
and the snapshot's files first (see `delta_log`) and list the exact snapshot's files for Spark.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from iris_mlops.errors import SchemaMismatchError, StorageError, TableNotFoundError, TableVersionError
from iris_mlops.storage import delta_log, staging
from iris_mlops.storage.base import (
    DEFAULT_RETAIN_HOURS,
    RUN_ID_KEY,
    MaintenanceResult,
    TableCommit,
    TableProperties,
    TableStore,
)
from iris_mlops.storage.conflicts import Scope
from iris_mlops.storage.metadata import commit_from_log

if TYPE_CHECKING:
    from deltalake import DeltaTable
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

STAGING = staging.STAGING
DISK_FULL = "No space left on device"
DISK_ERRORS = (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT, errno.EPERM)


class LocalDeltaStore(TableStore):
    """Delta tables under `<warehouse>/<catalog>/<schema>/<table>`, written with delta-rs."""

    def __init__(self, spark: SparkSession, warehouse: Path) -> None:
        self.spark = spark
        self.warehouse = Path(warehouse)
        self.read_versions: dict[str, int] = {}  # the version each write builds on, per table

    # -- inspection -------------------------------------------------------------------------------
    def location(self, name: str) -> str:
        """The table's folder."""
        return str(self.warehouse.joinpath(*name.split(".")))

    @contextmanager
    def staged(self, df: DataFrame, *, near: str) -> Iterator[DataFrame]:
        """Small frames collected as Arrow, larger ones as Parquet in `near`'s staging folder (removed on exit;
        a crashed process's folder goes with the table's next write)."""
        owner = staging.new_owner(Path(self.location(near)))
        try:
            yield staging.materialize(self.spark, df, owner)
        finally:
            staging.done(owner)

    def exists(self, name: str) -> bool:
        """True when the folder holds a Delta log."""
        return (Path(self.location(name)) / delta_log.LOG).is_dir()

    def version(self, name: str) -> int:
        """The table's current version."""
        return int(self._open(name).version())

    def read(self, name: str, *, version: int | None = None) -> DataFrame:
        """Exactly the files of the requested snapshot, checked, read by Spark with the table's schema."""
        table = self._open(name, version=version)
        files = delta_log.snapshot_files(table)
        delta_log.check_data_files(name, table.version(), Path(self.location(name)), files)
        self.read_versions[name] = int(table.version())
        schema = _spark_schema(table)
        if not files:
            from iris_mlops.spark import empty_frame

            return empty_frame(self.spark, schema)
        return self.spark.read.schema(schema).parquet(*table.file_uris())

    def history(self, name: str) -> list[TableCommit]:
        """Commits, newest first."""
        return [commit_from_log(entry) for entry in self._open(name).history()]

    def properties(self, name: str) -> dict[str, str]:
        """Table configuration plus the description under 'comment'."""
        metadata = self._open(name).metadata()
        props = {k: v for k, v in metadata.configuration.items() if v is not None}
        if metadata.description:
            props["comment"] = metadata.description
        return props

    def list_tables(self, catalog: str, schema: str) -> list[str]:
        """Tables found in the schema's folder."""
        folder = self.warehouse / catalog / schema
        if not folder.is_dir():
            return []
        return sorted(f"{catalog}.{schema}.{p.name}" for p in folder.iterdir() if (p / delta_log.LOG).is_dir())

    # -- writes -----------------------------------------------------------------------------------
    def overwrite(self, name: str, df: DataFrame, *, run_id: str, properties: TableProperties | None = None) -> int:
        """Replace the content (schema must match an existing table); refused if the table changed meanwhile."""
        creating = not self.exists(name)
        version = self._write(name, df, run_id=run_id, operation="overwrite", scope=Scope("all"), properties=properties)
        if properties and not creating:
            version = self.set_properties(name, properties, run_id=run_id)
        return version

    def append(self, name: str, df: DataFrame, *, run_id: str) -> int:
        """Add rows; concurrent appends all land."""
        return self._write(name, df, run_id=run_id, operation="append", scope=Scope("append"))

    def append_records(
        self, name: str, records: Sequence[Mapping[str, Any]], *, schema: StructType, run_id: str
    ) -> int:
        """Append driver-side rows with delta-rs directly: no Spark job for a few rows."""
        from deltalake import CommitProperties, write_deltalake

        from iris_mlops.spark import arrow_schema

        wanted = arrow_schema(schema)
        if self.exists(name):
            self._require_schema(name, wanted)
        data = pa.Table.from_pylist([dict(r) for r in records], schema=wanted)
        commit = CommitProperties(custom_metadata={RUN_ID_KEY: run_id, "iris_mlops.operation": "append"})
        write_deltalake(self.location(name), data, mode="append", name=name.split(".")[-1], commit_properties=commit)
        return self._landed(name, int(self._open(name).version()))

    def merge(self, name: str, df: DataFrame, *, keys: Sequence[str], run_id: str) -> int:
        """Upsert on keys: kept rows plus the incoming ones replace the snapshot that was read, in one commit."""
        if not self.exists(name):
            return self._write(name, df, run_id=run_id, operation="merge", scope=Scope("append"))
        self._check_schema(name, df)
        current = self.read(name)
        # The incoming rows are used twice (their keys, then the rows themselves): staged, their plan (scoring,
        # for predictions) runs once.
        with self.staged(df, near=name) as rows:
            kept = current.join(rows.select(*keys).distinct(), on=list(keys), how="left_anti")
            return self._write(name, kept.unionByName(rows), run_id=run_id, operation="merge", scope=Scope("all"))

    def replace_where(self, name: str, df: DataFrame, *, column: str, values: Sequence[str], run_id: str) -> int:
        """Replace the rows whose `column` is in `values` by `df`: only files holding such rows are touched."""
        scope = Scope("replace", column=column, values=tuple(str(v) for v in values))
        return self._write(name, df, run_id=run_id, operation="replace_where", scope=scope)

    def delete_where(self, name: str, *, column: str, values: Sequence[str], run_id: str) -> int:
        """Remove the rows whose `column` is in `values`, rewriting only the files that hold them."""
        if not self.exists(name):
            raise TableNotFoundError(f"table {name} does not exist (looked in {self.location(name)})")
        scope = Scope("replace", column=column, values=tuple(str(v) for v in values))
        return self._write(name, None, run_id=run_id, operation="delete", scope=scope)

    def set_properties(self, name: str, properties: TableProperties, *, run_id: str) -> int:
        """Set configuration and description; one metadata commit each when they change."""
        from deltalake import CommitProperties

        table = self._open(name)
        wanted = properties.as_dict()
        description = wanted.pop("comment", None)
        commit = CommitProperties(custom_metadata={RUN_ID_KEY: run_id})
        current = table.metadata().configuration
        if any(current.get(k) != v for k, v in wanted.items()):
            table.alter.set_table_properties(wanted, raise_if_not_exists=False, commit_properties=commit)
        if description and description != table.metadata().description:
            table.alter.set_table_description(description, commit_properties=commit)
        return self._landed(name, int(self._open(name).version()))

    # -- maintenance ------------------------------------------------------------------------------
    def vacuum(self, name: str, *, retain_hours: float = DEFAULT_RETAIN_HOURS,
               keep_versions: Sequence[int] = ()) -> MaintenanceResult:
        """Delete files older versions needed (kept: the last `retain_hours` and `keep_versions`) and leftovers."""
        from iris_mlops.storage.maintenance import local_vacuum

        table = self._open(name)
        root = Path(self.location(name))
        leftovers = staging.clean_leftovers(root)
        deleted = local_vacuum(table, retain_hours=retain_hours, keep_versions=keep_versions)
        version = self._landed(name, int(self._open(name).version()))
        return MaintenanceResult(name, version, len(deleted) + len(leftovers), 0, tuple(sorted(keep_versions)))

    def optimize(self, name: str, *, run_id: str) -> MaintenanceResult:
        """Compact small files into files of about 128 MB (delta-rs `optimize.compact`)."""
        from iris_mlops.storage.maintenance import local_optimize

        removed, added = local_optimize(self._open(name), run_id=run_id, target_bytes=staging.TARGET_FILE_BYTES)
        return MaintenanceResult(name, self._landed(name, int(self._open(name).version())), removed, added)

    def restore(self, name: str, *, version: int, run_id: str) -> int:
        """delta-rs `DeltaTable.restore`: a new commit re-adding the files of `version`."""
        from iris_mlops.storage.metadata import DeltaLog

        return DeltaLog(self.warehouse).restore(name, version=version, run_id=run_id)

    # -- internals --------------------------------------------------------------------------------
    def _open(self, name: str, *, version: int | None = None) -> DeltaTable:
        """The table (at `version`), refused as corrupt when its log is damaged."""
        from deltalake import DeltaTable

        if not self.exists(name):
            raise TableNotFoundError(f"table {name} does not exist (looked in {self.location(name)})")
        root = Path(self.location(name))
        try:
            table = DeltaTable(str(root))
        except Exception as exc:  # delta-rs raises its own DeltaError/OSError/... for a log that does not parse
            raise delta_log.corrupt_from(name, exc, root) from None
        delta_log.check_log(name, root, int(table.version()))
        if version is not None and version != table.version():
            if not 0 <= version <= table.version():
                raise TableVersionError(f"table {name} has no version {version} (latest is {table.version()})")
            table.load_as_version(version)
        return table

    def _check_schema(self, name: str, df: DataFrame) -> None:
        self._require_schema(name, _arrow_schema_of(df))

    def _require_schema(self, name: str, found: pa.Schema) -> None:
        problems = schema_differences(_arrow_schema_of_table(self._open(name)), found)
        if problems:
            raise SchemaMismatchError(f"cannot write to {name}: {'; '.join(problems)}")

    def _landed(self, name: str, version: int) -> int:
        """Make a commit of ours durable and build later writes on it."""
        delta_log.make_commit_durable(Path(self.location(name)), version)
        self.read_versions[name] = version
        return version

    def _write(
        self,
        name: str,
        df: DataFrame | None,
        *,
        run_id: str,
        operation: str,
        scope: Scope,
        properties: TableProperties | None = None,
    ) -> int:
        from iris_mlops.storage.writer import WriteJob

        root = Path(self.location(name))
        exists = self.exists(name)
        if exists:
            staging.clean_leftovers(root)
            if df is not None:
                self._check_schema(name, df)
        base = (self.read_versions.get(name, None) if exists else None)
        if exists and base is None:
            base = int(self._open(name).version())
        job = WriteJob(store=self, name=name, root=root, run_id=run_id, operation=operation, scope=scope)
        try:
            version = job.run(df, base=base, properties=properties)
        except OSError as exc:
            raise _disk_error(name, exc) from None
        except Exception as exc:  # Spark's own writers report a full disk as a Java exception
            if DISK_FULL in str(exc):
                raise StorageError(f"cannot write table {name}: {DISK_FULL}; nothing was committed") from None
            raise
        return self._landed(name, version)

    def _commit_table(self, name: str, version: int | None) -> DeltaTable:
        return self._open(name, version=version)


def _disk_error(name: str, exc: OSError) -> Exception:
    """A refused disk write as one line (full, read-only, no permission); other OS errors unchanged."""
    if exc.errno not in DISK_ERRORS:
        return exc
    where = f" ({exc.filename})" if exc.filename else ""
    return StorageError(f"cannot write table {name}: {exc.strerror or exc}{where}; nothing was committed")


def _arrow_schema_of(df: DataFrame) -> pa.Schema:
    from iris_mlops.spark import arrow_schema

    return arrow_schema(df.schema)


def _arrow_schema_of_table(table: DeltaTable) -> pa.Schema:
    return pa.schema(table.schema().to_arrow())


def _spark_schema(table: DeltaTable) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(_arrow_schema_of_table(table), prefer_timestamp_ntz=False)


def schema_differences(expected: pa.Schema, found: pa.Schema) -> list[str]:
    """Human-readable differences between two schemas (names and types; nullability ignored)."""
    want = {f.name: f.type for f in expected}
    got = {f.name: f.type for f in found}
    problems = [f"missing column {c}" for c in want if c not in got]
    problems += [f"unexpected column {c}" for c in got if c not in want]
    problems += [
        f"column {c} is {got[c]} but the table has {want[c]}"
        for c in want
        if c in got and not _same_type(want[c], got[c])
    ]
    return problems


def _same_type(a: pa.DataType, b: pa.DataType) -> bool:
    # delta-rs reports strings as large_string/string_view and timestamps with or without zone.
    def norm(t: pa.DataType) -> str:
        text = str(t)
        return {"large_string": "string", "string_view": "string"}.get(text, text).replace(", tz=UTC", "")

    return norm(a) == norm(b)


