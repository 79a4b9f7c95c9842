"""Local Delta tables on delta-rs: Spark writes Parquet, delta-rs commits it atomically.

Data never passes through the driver: Spark writes the new files into a staging folder inside the
table, they are moved next to the table's other files, and one delta-rs transaction adds them (and,
for an overwrite, removes the previous snapshot's files). Reads list the exact snapshot's files
with delta-rs and hand them to Spark, so files removed by earlier commits are never read.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from iris_mlops.errors import SchemaMismatchError, TableNotFoundError
from iris_mlops.storage.base import RUN_ID_KEY, TableCommit, TableProperties, TableStore

if TYPE_CHECKING:
    from deltalake import DeltaTable
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

STAGING = "_staging"


class LocalDeltaStore(TableStore):
    """Delta tables under `<warehouse>/<catalog>/<schema>/<table>`, written with delta-rs."""

    def __init__(self, spark: SparkSession, warehouse: Path) -> None:
        self.spark = spark
        self.warehouse = Path(warehouse)

    # -- inspection -------------------------------------------------------------------------------
    def location(self, name: str) -> str:
        """The table's folder."""
        return str(self.warehouse.joinpath(*name.split(".")))

    def exists(self, name: str) -> bool:
        """True when the folder holds a Delta log."""
        return (Path(self.location(name)) / "_delta_log").is_dir()

    def version(self, name: str) -> int:
        """The table's current version."""
        return int(self._table(name).version())

    def read(self, name: str, *, version: int | None = None) -> DataFrame:
        """Exactly the files of the requested snapshot, read by Spark with the table's schema."""
        table = self._table(name, version=version)
        schema = _spark_schema(table)
        files = table.file_uris()
        if not files:
            from iris_mlops.spark import empty_frame

            return empty_frame(self.spark, schema)
        return self.spark.read.schema(schema).parquet(*files)

    def history(self, name: str) -> list[TableCommit]:
        """Commits, newest first."""
        return [_commit(entry) for entry in self._table(name).history()]

    def properties(self, name: str) -> dict[str, str]:
        """Table configuration plus the description under 'comment'."""
        metadata = self._table(name).metadata()
        props = {k: v for k, v in metadata.configuration.items() if v is not None}
        if metadata.description:
            props["comment"] = metadata.description
        return props

    def list_tables(self, catalog: str, schema: str) -> list[str]:
        """Tables found in the schema's folder."""
        folder = self.warehouse / catalog / schema
        if not folder.is_dir():
            return []
        return sorted(f"{catalog}.{schema}.{p.name}" for p in folder.iterdir() if (p / "_delta_log").is_dir())

    # -- writes -----------------------------------------------------------------------------------
    def overwrite(self, name: str, df: DataFrame, *, run_id: str, properties: TableProperties | None = None) -> int:
        """Replace the content (schema must match an existing table)."""
        creating = not self.exists(name)
        version = self._write(name, df, mode="overwrite", run_id=run_id, operation="overwrite", properties=properties)
        if properties and not creating:
            version = self.set_properties(name, properties, run_id=run_id)
        return version

    def append(self, name: str, df: DataFrame, *, run_id: str) -> int:
        """Add rows."""
        return self._write(name, df, mode="append", run_id=run_id, operation="append")

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
        return self.version(name)

    def merge(self, name: str, df: DataFrame, *, keys: Sequence[str], run_id: str) -> int:
        """Upsert on keys by rewriting the snapshot: kept rows plus the incoming ones, one commit."""
        if not self.exists(name):
            return self._write(name, df, mode="append", run_id=run_id, operation="merge")
        self._check_schema(name, df)
        current = self.read(name)
        kept = current.join(df.select(*keys).distinct(), on=list(keys), how="left_anti")
        return self._write(name, kept.unionByName(df), mode="overwrite", run_id=run_id, operation="merge")

    def replace_where(self, name: str, df: DataFrame, *, column: str, values: Sequence[str], run_id: str) -> int:
        """Rows of other batches kept, the named batches replaced by `df`, in one commit."""
        if not self.exists(name):
            return self._write(name, df, mode="append", run_id=run_id, operation="replace_where")
        self._check_schema(name, df)
        kept = self.read(name).filter(~_in(column, values))
        return self._write(name, kept.unionByName(df), mode="overwrite", run_id=run_id, operation="replace_where")

    def delete_where(self, name: str, *, column: str, values: Sequence[str], run_id: str) -> int:
        """Rewrite without the named rows, in one commit."""
        kept = self.read(name).filter(~_in(column, values))
        return self._write(name, kept, mode="overwrite", run_id=run_id, operation="delete")

    def set_properties(self, name: str, properties: TableProperties, *, run_id: str) -> int:
        """Set configuration and description; one metadata commit each when they change."""
        from deltalake import CommitProperties

        table = self._table(name)
        wanted = properties.as_dict()
        description = wanted.pop("comment", None)
        commit = CommitProperties(custom_metadata={RUN_ID_KEY: run_id})
        current = table.metadata().configuration
        if any(current.get(k) != v for k, v in wanted.items()):
            table.alter.set_table_properties(wanted, raise_if_not_exists=False, commit_properties=commit)
        if description and description != table.metadata().description:
            table.alter.set_table_description(description, commit_properties=commit)
        return self.version(name)

    def restore(self, name: str, *, version: int, run_id: str) -> int:
        """delta-rs `DeltaTable.restore`: a new commit re-adding the files of `version`."""
        from iris_mlops.storage.metadata import DeltaLog

        return DeltaLog(self.warehouse).restore(name, version=version, run_id=run_id)

    # -- internals --------------------------------------------------------------------------------
    def _table(self, name: str, *, version: int | None = None) -> DeltaTable:
        from deltalake import DeltaTable

        if not self.exists(name):
            raise TableNotFoundError(f"table {name} does not exist (looked in {self.location(name)})")
        table = DeltaTable(self.location(name))
        if version is not None and version != table.version():
            if not 0 <= version <= table.version():
                raise TableNotFoundError(f"table {name} has no version {version} (latest is {table.version()})")
            table.load_as_version(version)
        return table

    def _check_schema(self, name: str, df: DataFrame) -> None:
        self._require_schema(name, _arrow_schema_of(df))

    def _require_schema(self, name: str, found: pa.Schema) -> None:
        problems = schema_differences(_arrow_schema_of_table(self._table(name)), found)
        if problems:
            raise SchemaMismatchError(f"cannot write to {name}: {'; '.join(problems)}")

    def _write(
        self,
        name: str,
        df: DataFrame,
        *,
        mode: str,
        run_id: str,
        operation: str,
        properties: TableProperties | None = None,
    ) -> int:
        from deltalake import CommitProperties
        from deltalake.transaction import create_table_with_add_actions

        root = Path(self.location(name))
        exists = self.exists(name)
        if exists:
            self._check_schema(name, df)
        schema = _arrow_schema_of(df)
        actions = self._stage_files(df, root)
        commit = CommitProperties(custom_metadata={RUN_ID_KEY: run_id, "iris_mlops.operation": operation})
        if exists:
            self._table(name).create_write_transaction(actions, mode=mode, schema=schema, commit_properties=commit)
        else:  # the first commit creates the table with its description and delta.* settings
            config = (properties or TableProperties()).as_dict()
            description = config.pop("comment", None)
            # delta-rs refuses keys it does not know at creation (1.6: "Error parsing property"), so
            # custom properties (primary key, feature_version, ...) follow in a metadata commit.
            custom = {k: v for k, v in config.items() if not k.startswith("delta.")}
            create_table_with_add_actions(
                str(root), _delta_schema(schema), actions, mode="error", name=name.split(".")[-1],
                description=description, configuration={k: v for k, v in config.items() if k not in custom} or None,
                commit_properties=commit,
            )
            if custom:
                alter = self._table(name).alter
                alter.set_table_properties(custom, raise_if_not_exists=False, commit_properties=commit)
        return self.version(name)

    def _stage_files(self, df: DataFrame, root: Path) -> list[Any]:
        """Let Spark write Parquet into a staging folder, then move the files in beside the log."""
        from deltalake.transaction import AddAction

        staging = root / STAGING / uuid.uuid4().hex
        df.write.mode("error").parquet(str(staging))
        actions = []
        now_ms = int(time.time() * 1000)
        for part in sorted(staging.glob("part-*.parquet")):
            target = root / f"{uuid.uuid4().hex}-{part.name}"
            part.rename(target)
            rows = pq.read_metadata(target).num_rows
            stats = json.dumps({"numRecords": rows})
            actions.append(AddAction(target.name, target.stat().st_size, {}, now_ms, True, stats))
        shutil.rmtree(staging, ignore_errors=True)
        return actions


def _in(column: str, values: Sequence[str]) -> Any:
    from pyspark.sql import functions

    return functions.col(column).isin(list(values))


def _arrow_schema_of(df: DataFrame) -> pa.Schema:
    from iris_mlops.spark import arrow_schema

    return arrow_schema(df.schema)


def _arrow_schema_of_table(table: DeltaTable) -> pa.Schema:
    return pa.schema(table.schema().to_arrow())


def _delta_schema(schema: pa.Schema) -> Any:
    from deltalake import Schema

    return Schema.from_arrow(schema)


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


def _commit(entry: dict[str, Any]) -> TableCommit:
    stamp = entry.get("timestamp")
    when = datetime.fromtimestamp(stamp / 1000, tz=timezone.utc) if isinstance(stamp, int | float) else None
    return TableCommit(
        version=int(entry.get("version", -1)),
        timestamp=when,
        operation=str(entry.get("iris_mlops.operation") or entry.get("operation", "")),
        run_id=entry.get(RUN_ID_KEY),
        metrics=entry.get("operationMetrics") or {},
    )
