"""Delta tables through Spark: Unity Catalog on Databricks, or any Spark engine that speaks Delta.

Everything goes through table names and SQL, so the same code runs on a classic cluster, on
serverless (Spark Connect) and on other Spark Connect engines. No `spark.conf.set`, no `.cache()`:
serverless rejects both. Writes made with the DataFrame writer carry the run id as Delta
`userMetadata`; SQL `MERGE INTO` and `DELETE FROM` cannot carry it without a session setting, so
their history entries have no run id.

History, versions and properties come from `DESCRIBE HISTORY` / `DESCRIBE DETAIL`. An engine that
lacks those statements (Sail, for one) is served from the table's Delta log with delta-rs instead,
when `deltalake` is installed and the table's location is reachable from this process.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from iris_mlops.errors import SchemaMismatchError, StorageError, TableNotFoundError, TableVersionError
from iris_mlops.storage.base import (
    DEFAULT_RETAIN_HOURS,
    DESCRIPTION_KEY,
    PRIMARY_KEY_KEY,
    MaintenanceResult,
    TableCommit,
    TableProperties,
    TableStore,
)

if TYPE_CHECKING:
    from deltalake import DeltaTable
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import StructType

log = logging.getLogger(__name__)
STAGED_PREFIX = "__staged_"  # tables `staged()` computes a layer into, beside the layer's own table
# A staged table older than this was left by a killed task: every job times out within 2 hours.
STALE_STAGED_SECONDS = 24 * 3600


class SparkDeltaStore(TableStore):
    """Managed Delta tables addressed by three-level names (`catalog.schema.table`)."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        # None until the first metadata query tells whether DESCRIBE HISTORY/DETAIL work here.
        self.metadata_from_log: bool | None = None

    @contextmanager
    def staged(self, df: DataFrame, *, near: str) -> Iterator[DataFrame]:
        """A Delta table `__staged_<table>_<unix time>_<id>` in `near`'s schema, dropped on exit. A task killed
        meanwhile leaves it behind; the next `staged()` for the same table drops it once it is a day old."""
        schema, _, table = near.rpartition(".")
        now = int(time.time())
        self._drop_stale_staged(schema, table, now=now)
        name = f"{schema}.{STAGED_PREFIX}{table}_{now}_{uuid.uuid4().hex[:8]}"
        df.write.format("delta").saveAsTable(name)
        try:
            yield self.spark.table(name)
        finally:
            self.spark.sql(f"DROP TABLE IF EXISTS {quote_name(name)}")

    def _drop_stale_staged(self, schema: str, table: str, *, now: int) -> None:
        """Drop the staged tables of `table` older than STALE_STAGED_SECONDS (a day: no task runs that long)."""
        catalog, _, database = schema.rpartition(".")
        pattern = re.compile(rf"{re.escape(STAGED_PREFIX + table)}_(\d+)_[0-9a-f]+", re.IGNORECASE)
        for name in self.list_tables(catalog, database):
            found = pattern.fullmatch(name.rpartition(".")[2])
            if found and now - int(found.group(1)) > STALE_STAGED_SECONDS:
                log.warning("dropping %s: a staged table left by a task killed over a day ago", name)
                self.spark.sql(f"DROP TABLE IF EXISTS {quote_name(name)}")

    # -- inspection -------------------------------------------------------------------------------
    def exists(self, name: str) -> bool:
        """True when the catalog knows the table."""
        return bool(self.spark.catalog.tableExists(name))

    def read(self, name: str, *, version: int | None = None) -> DataFrame:
        """The current snapshot, or `VERSION AS OF version`."""
        self._require(name)
        if version is None:
            return self.spark.table(name)
        latest = self.version(name)
        if not 0 <= version <= latest:
            raise TableVersionError(f"table {name} has no version {version} (latest is {latest})")
        return self.spark.sql(f"SELECT * FROM {quote_name(name)} VERSION AS OF {int(version)}")

    def version(self, name: str) -> int:
        """The newest version in the table's history."""
        return self._commits(name, limit=1)[0].version

    def history(self, name: str) -> list[TableCommit]:
        """Commits, newest first."""
        return self._commits(name, limit=None)

    def properties(self, name: str) -> dict[str, str]:
        """Table properties plus the description under 'comment'."""
        self._require(name)
        if not self._use_log():
            try:
                detail = self.spark.sql(f"DESCRIBE DETAIL {quote_name(name)}").collect()[0].asDict()
                return properties_from_detail(detail)
            except Exception as exc:
                self._fall_back_to_log(exc)
        metadata = self._log_table(name).metadata()
        props = {DESCRIPTION_KEY: metadata.description} if metadata.description else {}
        # Engines without COMMENT ON keep a later description as a plain 'comment' property.
        props.update({k: v for k, v in metadata.configuration.items() if v is not None})
        return props

    def list_tables(self, catalog: str, schema: str) -> list[str]:
        """Three-level names of the schema's tables (empty when the schema does not exist)."""
        if not self.spark.catalog.databaseExists(f"{catalog}.{schema}"):
            return []
        rows = self.spark.sql(f"SHOW TABLES IN {quote_name(f'{catalog}.{schema}')}").collect()
        return sorted(f"{catalog}.{schema}.{row['tableName']}" for row in rows if not row["isTemporary"])

    def location(self, name: str) -> str:
        """The table's storage location, as the catalog reports it."""
        self._require(name)
        if not self._use_log():
            try:
                return str(self.spark.sql(f"DESCRIBE DETAIL {quote_name(name)}").collect()[0]["location"])
            except Exception as exc:
                self._fall_back_to_log(exc)
        return self._extended_location(name)

    # -- writes -----------------------------------------------------------------------------------
    def overwrite(self, name: str, df: DataFrame, *, run_id: str, properties: TableProperties | None = None) -> int:
        """Replace the content; the schema must match an existing table, whose properties are kept."""
        if not self.exists(name):
            return self._create(name, df, run_id=run_id, properties=properties)
        self._check_schema(name, df)
        df.write.format("delta").mode("overwrite").option("userMetadata", run_id).saveAsTable(name)
        if properties:
            return self.set_properties(name, properties, run_id=run_id)
        return self.version(name)

    def append(self, name: str, df: DataFrame, *, run_id: str) -> int:
        """Add rows."""
        if not self.exists(name):
            return self._create(name, df, run_id=run_id)
        self._check_schema(name, df)
        df.write.format("delta").mode("append").option("userMetadata", run_id).saveAsTable(name)
        return self.version(name)

    def merge(self, name: str, df: DataFrame, *, keys: Sequence[str], run_id: str) -> int:
        """`MERGE INTO` on `keys`: matching rows updated, the others inserted."""
        if not self.exists(name):
            return self._create(name, df, run_id=run_id)
        self._check_schema(name, df)
        view = f"iris_mlops_merge_{uuid.uuid4().hex}"
        df.createOrReplaceTempView(view)
        try:
            self.spark.sql(merge_statement(name, view, keys)).collect()
        finally:
            self.spark.catalog.dropTempView(view)
        return self.version(name)

    def replace_where(self, name: str, df: DataFrame, *, column: str, values: Sequence[str], run_id: str) -> int:
        """Replace the rows whose `column` is in `values` by `df`: one overwrite-by-condition commit.

        The writer-v2 `overwrite(condition)` is Delta's `replaceWhere`; the `replaceWhere` option on
        `saveAsTable` is not used because some engines (Sail 0.7) ignore it and overwrite everything.
        """
        if not self.exists(name):
            return self._create(name, df, run_id=run_id)
        self._check_schema(name, df)
        df.writeTo(name).option("userMetadata", run_id).overwrite(_expr(df, in_condition(column, values)))
        return self.version(name)

    def delete_where(self, name: str, *, column: str, values: Sequence[str], run_id: str) -> int:
        """`DELETE FROM` the rows whose `column` is in `values`."""
        self._require(name)
        self.spark.sql(f"DELETE FROM {quote_name(name)} WHERE {in_condition(column, values)}").collect()
        return self.version(name)

    def set_properties(self, name: str, properties: TableProperties, *, run_id: str) -> int:
        """`ALTER TABLE SET TBLPROPERTIES` and `COMMENT ON TABLE`, only for what changes."""
        self._require(name)
        current = self.properties(name)
        wanted = {k: v for k, v in properties.as_dict().items() if current.get(k) != v}
        description = wanted.pop(DESCRIPTION_KEY, None)
        if wanted:
            self.spark.sql(f"ALTER TABLE {quote_name(name)} SET TBLPROPERTIES ({property_list(wanted)})").collect()
        if description is not None:
            self._set_description(name, description)
        if properties.primary_key and current.get(PRIMARY_KEY_KEY) != ",".join(properties.primary_key):
            self._add_primary_key(name, properties.primary_key)
        return self.version(name)

    # -- maintenance ------------------------------------------------------------------------------
    def vacuum(self, name: str, *, retain_hours: float = DEFAULT_RETAIN_HOURS,
               keep_versions: Sequence[int] = ()) -> MaintenanceResult:
        """`VACUUM ... RETAIN n HOURS`, n stretched back to the oldest version in `keep_versions`."""
        from iris_mlops.storage import spark_maintenance as sm

        self._require(name)
        hours = sm.protected_retention(self.history(name), retain_hours=retain_hours, keep_versions=keep_versions)
        removed: int | None = None
        try:
            sm.sql_vacuum(self.spark, quote_name(name), hours)
        except Exception as exc:
            from iris_mlops.storage.maintenance import local_vacuum

            self._maintenance_fallback(name, "VACUUM", exc)
            removed = len(local_vacuum(self._log_table(name), retain_hours=hours, keep_versions=keep_versions))
        return MaintenanceResult(name, self.version(name), removed, 0, tuple(sorted(keep_versions)))

    def optimize(self, name: str, *, run_id: str) -> MaintenanceResult:
        """`OPTIMIZE` (bin-packing compaction); delta-rs compaction on engines without it."""
        from iris_mlops.storage import spark_maintenance as sm

        self._require(name)
        try:
            removed, added = sm.sql_optimize(self.spark, quote_name(name))
        except Exception as exc:
            from iris_mlops.storage.maintenance import local_optimize

            self._maintenance_fallback(name, "OPTIMIZE", exc)
            removed, added = local_optimize(self._log_table(name), run_id=run_id, target_bytes=128 << 20)
        return MaintenanceResult(name, self.version(name), removed, added)

    # -- internals --------------------------------------------------------------------------------
    def restore(self, name: str, *, version: int, run_id: str) -> int:
        """`RESTORE TABLE ... TO VERSION AS OF` (the run id goes to the commit's user metadata)."""
        self._require(name)
        latest = self.version(name)
        if not 0 <= version <= latest:
            raise TableVersionError(f"table {name} has no version {version} (latest is {latest})")
        self.spark.conf.set("spark.databricks.delta.commitInfo.userMetadata", run_id)
        try:
            self.spark.sql(f"RESTORE TABLE {quote_name(name)} TO VERSION AS OF {int(version)}").collect()
        finally:
            self.spark.conf.unset("spark.databricks.delta.commitInfo.userMetadata")
        return self.version(name)

    def _create(self, name: str, df: DataFrame, *, run_id: str, properties: TableProperties | None = None) -> int:
        """Create the table from `df` in one commit, with its description and properties."""
        writer = df.writeTo(name).using("delta").option("userMetadata", run_id)
        for key, value in (properties or TableProperties()).as_dict().items():
            writer = writer.tableProperty(key, value)  # 'comment' is the table comment (TableCatalog.PROP_COMMENT)
        writer.create()
        if properties and properties.primary_key:
            self._add_primary_key(name, properties.primary_key)
        return self.version(name)

    def _set_description(self, name: str, description: str) -> None:
        try:
            self.spark.sql(f"COMMENT ON TABLE {quote_name(name)} IS {literal(description)}").collect()
        except Exception as exc:  # engines without COMMENT ON (Sail) accept the reserved 'comment' property
            log.info("COMMENT ON TABLE failed (%s); setting the 'comment' property instead", _first_line(exc))
            comment = property_list({DESCRIPTION_KEY: description})
            self.spark.sql(f"ALTER TABLE {quote_name(name)} SET TBLPROPERTIES ({comment})").collect()

    def _add_primary_key(self, name: str, keys: Sequence[str]) -> None:
        """An informational PRIMARY KEY constraint where the catalog has them (Unity Catalog)."""
        table = quote_name(name)
        constraint = quote_name(f"{name.split('.')[-1]}_pk")
        try:
            for key in keys:
                self.spark.sql(f"ALTER TABLE {table} ALTER COLUMN {quote_name(key)} SET NOT NULL").collect()
            self.spark.sql(f"ALTER TABLE {table} DROP PRIMARY KEY IF EXISTS").collect()
            self.spark.sql(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} PRIMARY KEY ({_columns(keys)})").collect()
        except Exception as exc:  # the key stays recorded in the table properties either way
            log.info("no PRIMARY KEY constraint on %s: %s", name, _first_line(exc))

    def _commits(self, name: str, *, limit: int | None) -> list[TableCommit]:
        self._require(name)
        if not self._use_log():
            suffix = f" LIMIT {limit}" if limit else ""
            try:
                rows = self.spark.sql(f"DESCRIBE HISTORY {quote_name(name)}{suffix}").collect()
                return [commit_from_history(row.asDict()) for row in rows]
            except Exception as exc:
                self._fall_back_to_log(exc)
        entries = self._log_table(name).history(limit)
        return [commit_from_history(entry) for entry in entries]

    def _use_log(self) -> bool:
        return bool(self.metadata_from_log)

    def _maintenance_fallback(self, name: str, statement: str, exc: Exception) -> None:
        """Use delta-rs where the engine lacks the statement; else one line (e.g. Databricks' retention check)."""
        try:
            self._fall_back_to_log(exc)
        except Exception:
            raise StorageError(f"{statement} {name} failed: {_first_line(exc)}") from None

    def _fall_back_to_log(self, exc: Exception) -> None:
        """Switch to the Delta log when the engine lacks DESCRIBE HISTORY/DETAIL; re-raise when that is impossible."""
        if self.metadata_from_log is False:
            raise exc
        try:
            import deltalake  # noqa: F401
        except ImportError:
            raise exc from None
        log.info("engine lacks DESCRIBE HISTORY/DETAIL (%s): reading the Delta log with delta-rs", _first_line(exc))
        self.metadata_from_log = True

    def _log_table(self, name: str) -> DeltaTable:
        from deltalake import DeltaTable

        return DeltaTable(self._extended_location(name))

    def _extended_location(self, name: str) -> str:
        rows = self.spark.sql(f"DESCRIBE TABLE EXTENDED {quote_name(name)}").collect()
        for row in rows:
            if row["col_name"] == "Location":
                return str(row["data_type"])
        raise TableNotFoundError(f"table {name} reports no location")

    def _require(self, name: str) -> None:
        if not self.exists(name):
            raise TableNotFoundError(f"table {name} does not exist")
        if self.metadata_from_log is None and not _probe_needed(self.spark):
            self.metadata_from_log = False

    def _check_schema(self, name: str, df: DataFrame) -> None:
        problems = schema_differences(self.spark.table(name).schema, df.schema)
        if problems:
            raise SchemaMismatchError(f"cannot write to {name}: {'; '.join(problems)}")


def _probe_needed(spark: SparkSession) -> bool:
    """Only Spark Connect sessions may be a non-Databricks engine; classic sessions use SQL only."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def schema_differences(expected: StructType, found: StructType) -> list[str]:
    """Human-readable differences between a table's schema and a DataFrame's (nullability ignored)."""
    want = {f.name: f.dataType.simpleString() for f in expected.fields}
    got = {f.name: f.dataType.simpleString() for f in found.fields}
    problems = [f"missing column {c} ({t})" for c, t in want.items() if c not in got]
    problems += [f"unexpected column {c} ({t})" for c, t in got.items() if c not in want]
    problems += [f"column {c} is {got[c]} but the table has {t}" for c, t in want.items() if c in got and got[c] != t]
    return problems


def quote_name(name: str) -> str:
    """`a.b.c` -> `` `a`.`b`.`c` `` (backticks doubled inside a part)."""
    return ".".join("`" + part.replace("`", "``") + "`" for part in name.split("."))


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def in_condition(column: str, values: Sequence[str]) -> str:
    """`column IN (...)`; an empty list matches nothing."""
    if not values:
        return "FALSE"
    return f"{quote_name(column)} IN ({', '.join(literal(str(v)) for v in values)})"


def property_list(props: Mapping[str, str]) -> str:
    return ", ".join(f"{literal(k)} = {literal(v)}" for k, v in props.items())


def merge_statement(name: str, view: str, keys: Sequence[str]) -> str:
    """MERGE INTO the table from a view: rows matching on every key are updated, the others inserted."""
    on = " AND ".join(f"t.{quote_name(k)} = s.{quote_name(k)}" for k in keys)
    return (
        f"MERGE INTO {quote_name(name)} AS t USING {quote_name(view)} AS s ON {on} "
        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
    )


def commit_from_history(entry: Mapping[str, Any]) -> TableCommit:
    """A DESCRIBE HISTORY row or a delta-rs history entry as a TableCommit."""
    stamp = entry.get("timestamp")
    if isinstance(stamp, int | float):
        when: datetime | None = datetime.fromtimestamp(stamp / 1000, tz=timezone.utc)
    elif isinstance(stamp, datetime):
        when = stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
    else:
        when = None
    return TableCommit(
        version=int(entry.get("version", -1)),
        timestamp=when,
        operation=str(entry.get("operation") or ""),
        run_id=entry.get("userMetadata") or None,
        metrics=dict(entry.get("operationMetrics") or {}),
    )


def properties_from_detail(detail: Mapping[str, Any]) -> dict[str, str]:
    """DESCRIBE DETAIL's `properties` map plus its `description` under 'comment'."""
    props = {str(k): str(v) for k, v in (detail.get("properties") or {}).items()}
    if detail.get("description"):
        props[DESCRIPTION_KEY] = str(detail["description"])
    return props


def _columns(keys: Sequence[str]) -> str:
    return ", ".join(quote_name(k) for k in keys)


def _expr(df: DataFrame, text: str) -> Column:
    """A SQL expression as a Column of the DataFrame's own API (classic or Spark Connect)."""
    if type(df).__module__.startswith("pyspark.sql.connect"):
        from pyspark.sql.connect import functions as connect_functions

        return connect_functions.expr(text)
    from pyspark.sql import functions

    return functions.expr(text)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
