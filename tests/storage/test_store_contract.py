"""The TableStore contract, run against LocalDeltaStore (delta-rs) and SparkDeltaStore (on pysail)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iris_mlops.errors import SchemaMismatchError, TableNotFoundError
from iris_mlops.storage.base import PRIMARY_KEY_KEY, TableProperties

A = [(1, "a", 1.0), (2, "a", 2.0)]
B = [(3, "b", 3.0), (4, "b", 4.0)]


def test_exists_false_until_first_write(backend) -> None:
    name = backend.new_name()
    assert not backend.store.exists(name)
    backend.store.append(name, backend.df(A), run_id="r1")
    assert backend.store.exists(name)


def test_read_missing_table_raises_table_not_found(backend) -> None:
    name = backend.new_name()
    with pytest.raises(TableNotFoundError, match=name.split(".")[-1]):
        backend.store.read(name)


def test_overwrite_creates_version_0_and_reads_back(backend) -> None:
    name = backend.new_name()
    assert backend.store.overwrite(name, backend.df(A), run_id="r1") == 0
    assert backend.rows(backend.store.read(name)) == A
    assert backend.store.version(name) == 0


def test_append_returns_next_version_and_adds_rows(backend) -> None:
    name = backend.new_name()
    backend.store.append(name, backend.df(A), run_id="r1")
    assert backend.store.append(name, backend.df(B), run_id="r2") == 1
    assert backend.rows(backend.store.read(name)) == A + B


def test_append_records_creates_then_appends_driver_rows_after_dataframe_rows(backend) -> None:
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    schema = StructType([StructField("id", LongType()), StructField("batch", StringType()),
                         StructField("value", DoubleType())])
    records = [{"id": i, "batch": b, "value": v} for i, b, v in B]
    name = backend.new_name()
    assert backend.store.append_records(name, records[:1], schema=schema, run_id="r1") == 0
    backend.store.append(name, backend.df(A), run_id="r2")
    assert backend.store.append_records(name, records[1:], schema=schema, run_id="r3") == 2
    assert backend.rows(backend.store.read(name)) == sorted(A + B)
    assert backend.store.history(name)[0].run_id == "r3"


def test_append_records_with_another_schema_is_refused(backend) -> None:
    from pyspark.sql.types import LongType, StructField, StructType

    name = backend.new_name()
    backend.store.append(name, backend.df(A), run_id="r1")
    with pytest.raises(SchemaMismatchError, match="missing column batch"):
        backend.store.append_records(name, [{"id": 9}], schema=StructType([StructField("id", LongType())]),
                                     run_id="r2")
    assert backend.store.version(name) == 0


def test_overwrite_replaces_content(backend) -> None:
    name = backend.new_name()
    backend.store.overwrite(name, backend.df(A), run_id="r1")
    assert backend.store.overwrite(name, backend.df(B), run_id="r2") == 1
    assert backend.rows(backend.store.read(name)) == B


def test_read_version_travels_in_time(backend) -> None:
    name = backend.new_name()
    backend.store.overwrite(name, backend.df(A), run_id="r1")
    backend.store.append(name, backend.df(B), run_id="r2")
    backend.store.delete_where(name, column="batch", values=["a"], run_id="r3")
    assert backend.rows(backend.store.read(name, version=0)) == A
    assert backend.rows(backend.store.read(name, version=1)) == A + B
    assert backend.rows(backend.store.read(name)) == B


def test_read_unknown_version_raises(backend) -> None:
    name = backend.new_name()
    backend.store.overwrite(name, backend.df(A), run_id="r1")
    with pytest.raises(TableNotFoundError, match="version 7"):
        backend.store.read(name, version=7).collect()


def test_merge_updates_matching_keys_and_inserts_others(backend) -> None:
    name = backend.new_name()
    backend.store.overwrite(name, backend.df(A), run_id="r1")
    version = backend.store.merge(name, backend.df([(2, "a", 20.0), (5, "c", 5.0)]), keys=["id"], run_id="r2")
    assert version == 1
    assert backend.rows(backend.store.read(name)) == [(1, "a", 1.0), (2, "a", 20.0), (5, "c", 5.0)]


def test_merge_creates_missing_table(backend) -> None:
    name = backend.new_name()
    assert backend.store.merge(name, backend.df(A), keys=["id"], run_id="r1") == 0
    assert backend.rows(backend.store.read(name)) == A


def test_replace_where_replaces_only_named_batch_in_one_commit(backend) -> None:
    name = backend.new_name()
    backend.store.overwrite(name, backend.df(A + B), run_id="r1")
    version = backend.store.replace_where(name, backend.df([(9, "b", 9.0)]), column="batch", values=["b"], run_id="r2")
    assert version == 1  # exactly one commit: no window where batch b is missing
    assert backend.store.history(name)[0].version == 1
    assert backend.rows(backend.store.read(name)) == [*A, (9, "b", 9.0)]
    assert backend.rows(backend.store.read(name, version=0)) == A + B


def test_replace_where_of_new_batch_keeps_the_others(backend) -> None:
    name = backend.new_name()
    backend.store.overwrite(name, backend.df(A), run_id="r1")
    backend.store.replace_where(name, backend.df(B), column="batch", values=["b"], run_id="r2")
    assert backend.rows(backend.store.read(name)) == A + B


def test_replace_where_quotes_values(backend) -> None:
    name = backend.new_name()
    odd = [(1, "it's", 1.0)]
    backend.store.overwrite(name, backend.df(odd + B), run_id="r1")
    backend.store.replace_where(name, backend.df([(2, "it's", 2.0)]), column="batch", values=["it's"], run_id="r2")
    assert backend.rows(backend.store.read(name)) == [(2, "it's", 2.0), *B]


def test_delete_where_removes_rows_and_returns_version(backend) -> None:
    name = backend.new_name()
    backend.store.overwrite(name, backend.df(A + B), run_id="r1")
    assert backend.store.delete_where(name, column="batch", values=["a"], run_id="r2") == 1
    assert backend.rows(backend.store.read(name)) == B


@pytest.mark.parametrize("method", ["append", "overwrite", "merge", "replace_where"])
@pytest.mark.parametrize(
    ("schema", "row", "needle"),
    [
        ("id long, batch string", (1, "a"), "missing column value"),
        ("id long, batch string, value double, extra string", (1, "a", 1.0, "x"), "unexpected column extra"),
        ("id long, batch string, value string", (1, "a", "1.0"), "column value is string"),
    ],
)
def test_schema_mismatch_is_refused_naming_table_and_column(backend, method, schema, row, needle) -> None:
    name = backend.new_name()
    backend.store.overwrite(name, backend.df(A), run_id="r1")
    bad = backend.df([row], schema)
    kwargs = {"merge": {"keys": ["id"]}, "replace_where": {"column": "batch", "values": ["a"]}}.get(method, {})
    with pytest.raises(SchemaMismatchError) as caught:
        getattr(backend.store, method)(name, bad, run_id="r2", **kwargs)
    assert name in str(caught.value)
    assert needle in str(caught.value)
    assert backend.store.version(name) == 0
    assert backend.rows(backend.store.read(name)) == A


def test_properties_set_on_create_and_changed_later(backend) -> None:
    name = backend.new_name()
    props = TableProperties(description="Iris rows", primary_key=("id",), extra={"feature_version": "1"})
    backend.store.overwrite(name, backend.df(A), run_id="r1", properties=props)
    got = backend.store.properties(name)
    assert got["comment"] == "Iris rows"
    assert got[PRIMARY_KEY_KEY] == "id"
    assert got["feature_version"] == "1"
    newer = TableProperties(description="Iris rows, v2", extra={"feature_version": "2"})
    version = backend.store.set_properties(name, newer, run_id="r2")
    assert version == backend.store.version(name) > 0
    got = backend.store.properties(name)
    assert (got["comment"], got["feature_version"], got[PRIMARY_KEY_KEY]) == ("Iris rows, v2", "2", "id")


def test_overwrite_without_properties_keeps_them(backend) -> None:
    name = backend.new_name()
    props = TableProperties(extra={"feature_version": "3"})
    backend.store.overwrite(name, backend.df(A), run_id="r1", properties=props)
    backend.store.overwrite(name, backend.df(B), run_id="r2")
    assert backend.store.properties(name)["feature_version"] == "3"


def test_set_properties_without_change_commits_nothing(backend) -> None:
    name = backend.new_name()
    props = TableProperties(description="d", extra={"feature_version": "1"})
    backend.store.overwrite(name, backend.df(A), run_id="r1", properties=props)
    before = backend.store.version(name)
    assert backend.store.set_properties(name, props, run_id="r2") == before


def test_history_is_newest_first_with_run_ids_of_dataframe_writes(backend) -> None:
    name = backend.new_name()
    backend.store.overwrite(name, backend.df(A), run_id="run-1")
    backend.store.append(name, backend.df(B), run_id="run-2")
    backend.store.replace_where(name, backend.df([(5, "a", 5.0)]), column="batch", values=["a"], run_id="run-3")
    history = backend.store.history(name)
    assert [c.version for c in history] == [2, 1, 0]
    assert [c.run_id for c in history] == ["run-3", "run-2", "run-1"]
    assert all(c.timestamp is not None for c in history)


def test_history_run_ids_of_merge_and_delete(backend) -> None:
    if backend.kind == "spark_delta":
        pytest.skip("Spark Delta: SQL MERGE/DELETE cannot carry userMetadata without spark.conf.set (serverless)")
    name = backend.new_name()
    backend.store.overwrite(name, backend.df(A), run_id="run-1")
    backend.store.merge(name, backend.df(B), keys=["id"], run_id="run-2")
    backend.store.delete_where(name, column="batch", values=["b"], run_id="run-3")
    assert [c.run_id for c in backend.store.history(name)] == ["run-3", "run-2", "run-1"]


def test_reads_never_include_removed_files(backend) -> None:
    name = backend.new_name()
    for batch in range(3):
        backend.store.overwrite(name, backend.df([(batch, "a", 1.0), (batch + 10, "b", 2.0)]), run_id=f"r{batch}")
    backend.store.delete_where(name, column="batch", values=["b"], run_id="r9")
    assert backend.rows(backend.store.read(name)) == [(2, "a", 1.0)]
    location = Path(backend.store.location(name).removeprefix("file://"))
    assert len(list(location.glob("*.parquet"))) > 1  # the folder still holds removed files


def test_empty_table_keeps_schema_and_accepts_rows(backend) -> None:
    name = backend.new_name()
    assert backend.store.overwrite(name, backend.df([]), run_id="r1") == 0
    empty = backend.store.read(name)
    assert empty.columns == ["id", "batch", "value"]
    assert empty.count() == 0
    backend.store.append(name, backend.df(A), run_id="r2")
    assert backend.rows(backend.store.read(name)) == A
    assert backend.store.read(name, version=0).count() == 0


def test_list_tables_and_location(backend) -> None:
    first, second = backend.new_name(), backend.new_name()
    backend.store.append(first, backend.df(A), run_id="r1")
    backend.store.append(second, backend.df(B), run_id="r1")
    catalog, schema, _ = first.split(".")
    listed = backend.store.list_tables(catalog, schema)
    assert {first, second} <= set(listed)
    assert listed == sorted(listed)
    assert backend.store.list_tables(catalog, "no_such_schema") == []
    assert Path(backend.store.location(first).removeprefix("file://")).is_dir()


def test_vacuum_keeps_current_rows_and_protected_versions(backend) -> None:
    name = backend.new_name()
    for rows in (A, B, [(5, "c", 5.0)]):
        backend.store.overwrite(name, backend.df(rows), run_id="r")
    result = backend.store.vacuum(name, retain_hours=0, keep_versions=[0])
    assert result.name == name and result.kept_versions == (0,)
    assert backend.rows(backend.store.read(name, version=0)) == A
    assert backend.rows(backend.store.read(name)) == [(5, "c", 5.0)]


def test_optimize_keeps_rows_and_commits_once(backend) -> None:
    name = backend.new_name()
    for row in A + B:
        backend.store.append(name, backend.df([row]), run_id="r")
    result = backend.store.optimize(name, run_id="r9")
    assert result.version == backend.store.version(name) >= 3
    assert backend.rows(backend.store.read(name)) == A + B


def test_vacuum_of_missing_table_raises_table_not_found(backend) -> None:
    with pytest.raises(TableNotFoundError):
        backend.store.vacuum(backend.new_name(), retain_hours=0)


def test_staged_rows_are_computed_once_and_dropped_on_exit(backend) -> None:
    source, target = backend.new_name(), backend.new_name()
    backend.store.overwrite(source, backend.df(A), run_id="r1")
    catalog, schema, _ = source.split(".")
    before = set(backend.store.list_tables(catalog, schema))
    with backend.store.staged(backend.store.read(source), near=target) as staged:
        backend.store.overwrite(source, backend.df(B), run_id="r2")  # the staged rows no longer follow the source
        assert backend.rows(staged) == A
        backend.store.replace_where(target, staged, column="batch", values=["a"], run_id="r3")
    assert backend.rows(backend.store.read(target)) == A
    assert set(backend.store.list_tables(catalog, schema)) == before | {target}  # nothing staged is left


def test_staged_frame_is_dropped_when_the_block_raises(backend) -> None:
    name = backend.new_name()
    catalog, schema, _ = name.split(".")
    before = set(backend.store.list_tables(catalog, schema))
    with pytest.raises(RuntimeError), backend.store.staged(backend.df(A), near=name) as staged:
        assert backend.rows(staged) == A
        raise RuntimeError("audit failed")
    assert set(backend.store.list_tables(catalog, schema)) == before
    if backend.kind == "local_delta":  # the staging folder went too
        assert not any(Path(backend.store.location(name)).rglob("*.parquet"))
