"""Table metadata without Spark: local Delta tables read from their log with delta-rs.

`tables list|show|history`, `batches list` and the "does this table exist?" checks tasks make before starting
Spark answer from here on the local store (well under a second, against seconds for a JVM). The Spark store
keeps answering through Spark: `StoreMetadata` wraps any TableStore behind the same methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from iris_mlops.errors import TableNotFoundError, TableVersionError
from iris_mlops.storage.base import RUN_ID_KEY, TableCommit

if TYPE_CHECKING:
    from deltalake import DeltaTable

    from iris_mlops.config import Settings
    from iris_mlops.storage.base import TableStore

# Spark's names for Delta's primitive types, so that both paths print the same column types.
SPARK_TYPE_NAMES = {"long": "bigint", "integer": "int", "short": "smallint", "byte": "tinyint"}


class TableMetadata(Protocol):
    """What the metadata commands need from a store."""

    def exists(self, name: str) -> bool: ...
    def list_tables(self, catalog: str, schema: str) -> list[str]: ...
    def version(self, name: str) -> int: ...
    def history(self, name: str) -> list[TableCommit]: ...
    def properties(self, name: str) -> dict[str, str]: ...
    def location(self, name: str) -> str: ...
    def columns(self, name: str) -> list[dict[str, str]]: ...
    def row_count(self, name: str, *, version: int | None = None) -> int: ...


class DeltaLog:
    """Local Delta tables under `<warehouse>/<catalog>/<schema>/<table>`, read with delta-rs only."""

    def __init__(self, warehouse: Path) -> None:
        self.warehouse = Path(warehouse)

    def location(self, name: str) -> str:
        """The table's folder."""
        return str(self.warehouse.joinpath(*name.split(".")))

    def exists(self, name: str) -> bool:
        """True when the folder holds a Delta log."""
        return (Path(self.location(name)) / "_delta_log").is_dir()

    def list_tables(self, catalog: str, schema: str) -> list[str]:
        """Tables found in the schema's folder."""
        folder = self.warehouse / catalog / schema
        if not folder.is_dir():
            return []
        return sorted(f"{catalog}.{schema}.{p.name}" for p in folder.iterdir() if (p / "_delta_log").is_dir())

    def table(self, name: str, *, version: int | None = None) -> DeltaTable:
        """The delta-rs table at its current version or at `version`."""
        from deltalake import DeltaTable

        from iris_mlops.storage import delta_log

        if not self.exists(name):
            raise TableNotFoundError(f"table {name} does not exist (looked in {self.location(name)})")
        root = Path(self.location(name))
        try:  # the same integrity checks as LocalDeltaStore: a damaged log is CorruptTableError, not a traceback
            table = DeltaTable(str(root))
        except Exception as exc:
            raise delta_log.corrupt_from(name, exc, root) from None
        delta_log.check_log(name, root, int(table.version()))
        if version is not None and version != table.version():
            if not 0 <= version <= table.version():
                raise TableVersionError(f"table {name} has no version {version} (latest is {table.version()})")
            table.load_as_version(version)
        return table

    def version(self, name: str) -> int:
        """The table's current version."""
        return int(self.table(name).version())

    def history(self, name: str) -> list[TableCommit]:
        """Commits, newest first."""
        return [commit_from_log(entry) for entry in self.table(name).history()]

    def properties(self, name: str) -> dict[str, str]:
        """Table configuration plus the description under 'comment'."""
        metadata = self.table(name).metadata()
        props = {k: v for k, v in metadata.configuration.items() if v is not None}
        if metadata.description:
            props["comment"] = metadata.description
        return props

    def columns(self, name: str) -> list[dict[str, str]]:
        """Column names and types, spelled as Spark spells them."""
        return [{"name": f.name, "type": spark_type_name(f.type)} for f in self.table(name).schema().fields]

    def row_count(self, name: str, *, version: int | None = None) -> int:
        """Rows of the snapshot, from the add actions' statistics (no data file is opened)."""
        actions = self.table(name, version=version).get_add_actions(flatten=True)
        counts = list(actions["num_records"].to_pylist()) if actions.num_rows else []
        if any(c is None for c in counts):  # a file written without statistics: count its rows
            return int(self.rows(name, ["count(*) AS n"], version=version)[0]["n"])
        return sum(int(c) for c in counts)

    def rows(self, name: str, columns: Sequence[str] = ("*",), *, version: int | None = None,
             limit: int | None = None) -> list[dict[str, Any]]:
        """Rows of the snapshot as dicts, through delta-rs' SQL engine (Arrow via arro3: pyarrow and pandas stay
        unimported, which saves most of a second). `columns` are SQL expressions; plain names are quoted."""
        from deltalake import QueryBuilder

        selected = ", ".join(f'"{c}"' if c.isidentifier() else c for c in columns)
        sql = f"SELECT {selected} FROM snapshot" + (f" LIMIT {int(limit)}" if limit is not None else "")
        table = QueryBuilder().register("snapshot", self.table(name, version=version)).execute(sql).read_all()
        data = {column: table[column].to_pylist() for column in table.column_names}
        return [dict(zip(data, values, strict=True)) for values in zip(*data.values(), strict=True)]

    def restore(self, name: str, *, version: int, run_id: str) -> int:
        """Commit a new version whose content is that of `version` (Delta's RESTORE); returns the new version."""
        from deltalake import CommitProperties

        table = self.table(name)
        if not 0 <= version <= table.version():
            raise TableVersionError(f"table {name} has no version {version} (latest is {table.version()})")
        props = CommitProperties(custom_metadata={RUN_ID_KEY: run_id, "iris_mlops.operation": "restore"})
        table.restore(version, commit_properties=props)
        from iris_mlops.storage import delta_log

        delta_log.make_commit_durable(Path(self.location(name)), int(table.version()))  # as every local write
        return int(table.version())


class StoreMetadata:
    """The same metadata read through a TableStore (the Spark store: Spark answers)."""

    def __init__(self, store: TableStore) -> None:
        self.store = store

    def __getattr__(self, attr: str) -> Any:  # exists, list_tables, version, history, properties, location
        return getattr(self.store, attr)

    def columns(self, name: str) -> list[dict[str, str]]:
        """Column names and Spark types."""
        return [{"name": f.name, "type": f.dataType.simpleString()} for f in self.store.read(name).schema.fields]

    def row_count(self, name: str, *, version: int | None = None) -> int:
        """Rows of the snapshot (a Spark count)."""
        return int(self.store.read(name, version=version).count())


def spark_type_name(delta_type: Any) -> str:
    """`PrimitiveType("long")` -> `bigint`, `ArrayType(string)` -> `array<string>`, as Spark's simpleString."""
    kind = type(delta_type).__name__
    if kind == "PrimitiveType":
        text = str(delta_type.type)
        return SPARK_TYPE_NAMES.get(text, text)
    if kind == "ArrayType":
        return f"array<{spark_type_name(delta_type.element_type)}>"
    if kind == "MapType":
        return f"map<{spark_type_name(delta_type.key_type)},{spark_type_name(delta_type.value_type)}>"
    if kind == "StructType":
        return "struct<" + ",".join(f"{f.name}:{spark_type_name(f.type)}" for f in delta_type.fields) + ">"
    return str(delta_type)


def commit_from_log(entry: dict[str, Any]) -> TableCommit:
    """One delta-rs history entry as a TableCommit (the run id and our operation name from custom metadata)."""
    from datetime import datetime, timezone

    stamp = entry.get("timestamp")
    when = datetime.fromtimestamp(stamp / 1000, tz=timezone.utc) if isinstance(stamp, int | float) else None
    return TableCommit(
        version=int(entry.get("version", -1)),
        timestamp=when,
        operation=str(entry.get("iris_mlops.operation") or entry.get("operation", "")),
        run_id=entry.get(RUN_ID_KEY),
        metrics=entry.get("operationMetrics") or {},
    )


def open_metadata(settings: Settings, store: TableStore | None = None) -> TableMetadata:
    """Metadata for the configured store: the Delta log on the local store (no Spark; row counts from its
    statistics), else the Spark store (`store` when one is open, else one on the session)."""
    if settings.store == "local_delta":
        return DeltaLog(settings.warehouse_dir)
    if store is None:
        from iris_mlops.spark import get_spark
        from iris_mlops.storage import make_store

        store = make_store(settings, get_spark())
    return StoreMetadata(store)
