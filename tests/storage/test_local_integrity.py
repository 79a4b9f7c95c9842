"""LocalDeltaStore beyond the contract: corruption refused, durable commits, conflicts, file-level replaces."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from iris_mlops.errors import ConcurrentWriteError, CorruptTableError
from iris_mlops.storage import delta_log, staging
from iris_mlops.storage.local_delta import LocalDeltaStore

NAME = "iris_test.integrity.t"
SCHEMA = "id long, batch string, value double"
A = [(1, "a", 1.0), (2, "a", 2.0)]
B = [(3, "b", 3.0), (4, "b", 4.0)]


@pytest.fixture()
def store(spark, tmp_path: Path) -> LocalDeltaStore:
    return LocalDeltaStore(spark, tmp_path / "warehouse")


def _df(spark, rows):
    return spark.createDataFrame(rows, SCHEMA).coalesce(1)  # one file per write, so file counts are exact


def _rows(df) -> list[tuple]:
    return sorted(tuple(r) for r in df.collect())


def _root(store: LocalDeltaStore) -> Path:
    return Path(store.location(NAME))


def _data_files(store: LocalDeltaStore) -> set[str]:
    return {p.name for p in _root(store).glob("*.parquet")}


def _two_versions(store: LocalDeltaStore, spark) -> None:
    store.append(NAME, _df(spark, A), run_id="r1")
    store.append(NAME, _df(spark, B), run_id="r2")


# -- corruption -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("content", [b"", b"not json\n", b'{"commitInfo": {"timesta'])
def test_read_refuses_a_damaged_latest_commit_naming_table_and_version(store, spark, content) -> None:
    _two_versions(store, spark)
    (_root(store) / "_delta_log" / f"{1:020d}.json").write_bytes(content)
    for call in (lambda: store.read(NAME), lambda: store.version(NAME), lambda: store.history(NAME)):
        with pytest.raises(CorruptTableError, match=rf"table {NAME} is corrupt at version 1"):
            call()


def test_writes_refuse_a_corrupt_table_and_leave_it_as_it_is(store, spark) -> None:
    _two_versions(store, spark)
    (_root(store) / "_delta_log" / f"{1:020d}.json").write_bytes(b"")
    before = _data_files(store)
    with pytest.raises(CorruptTableError):
        store.replace_where(NAME, _df(spark, A), column="batch", values=["a"], run_id="r3")
    assert _data_files(store) == before
    assert not list((_root(store) / "_delta_log").glob(f"{2:020d}.json"))


def test_read_refuses_a_missing_data_file(store, spark) -> None:
    _two_versions(store, spark)
    next(iter(_root(store).glob("*.parquet"))).unlink()
    with pytest.raises(CorruptTableError, match=r"version 1: data file .*\.parquet is missing"):
        store.read(NAME)


def test_read_refuses_a_garbage_parquet_file_of_the_same_size(store, spark) -> None:
    _two_versions(store, spark)
    victim = next(iter(_root(store).glob("*.parquet")))
    victim.write_bytes(b"x" * victim.stat().st_size)
    with pytest.raises(CorruptTableError, match="is not a Parquet file"):
        store.read(NAME)


def test_read_refuses_a_truncated_data_file(store, spark) -> None:
    _two_versions(store, spark)
    victim = next(iter(_root(store).glob("*.parquet")))
    victim.write_bytes(victim.read_bytes()[:20])
    with pytest.raises(CorruptTableError, match="has 20 bytes"):
        store.read(NAME)


def test_commits_and_added_files_are_fsynced(store, spark, monkeypatch) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(delta_log.os, "fsync", spy)
    store.append(NAME, _df(spark, A), run_id="r1")
    root = _root(store)
    assert str(root / "_delta_log" / f"{0:020d}.json") in synced
    assert str(root / "_delta_log") in synced
    assert str(root) in synced


# -- optimistic concurrency -----------------------------------------------------------------------------
def test_overwrite_built_on_a_stale_read_is_refused(store, spark, tmp_path) -> None:
    other = LocalDeltaStore(spark, tmp_path / "warehouse")
    store.append(NAME, _df(spark, A), run_id="r1")
    stale = store.read(NAME)
    other.append(NAME, _df(spark, B), run_id="r2")
    before = _data_files(store)
    with pytest.raises(ConcurrentWriteError, match=rf"table {NAME} changed while this write ran.*rerun"):
        store.overwrite(NAME, stale.filter("id > 1"), run_id="r3")
    assert _rows(other.read(NAME)) == sorted(A + B)
    assert _data_files(store) == before  # the parts it had moved in are gone again
    assert not any((_root(store) / staging.STAGING).iterdir())


def test_replace_of_another_batch_on_a_stale_read_lands_on_top(store, spark, tmp_path) -> None:
    other = LocalDeltaStore(spark, tmp_path / "warehouse")
    store.append(NAME, _df(spark, A), run_id="r1")
    store.read(NAME)
    other.replace_where(NAME, _df(spark, B), column="batch", values=["b"], run_id="r2")
    version = store.replace_where(NAME, _df(spark, [(9, "a", 9.0)]), column="batch", values=["a"], run_id="r3")
    assert version == 2
    assert _rows(store.read(NAME)) == [(3, "b", 3.0), (4, "b", 4.0), (9, "a", 9.0)]


def test_replace_of_the_same_batch_on_a_stale_read_is_refused(store, spark, tmp_path) -> None:
    other = LocalDeltaStore(spark, tmp_path / "warehouse")
    store.append(NAME, _df(spark, A), run_id="r1")
    store.read(NAME)
    other.replace_where(NAME, _df(spark, [(5, "a", 5.0)]), column="batch", values=["a"], run_id="r2")
    with pytest.raises(ConcurrentWriteError, match="changed while this write ran"):
        store.replace_where(NAME, _df(spark, [(9, "a", 9.0)]), column="batch", values=["a"], run_id="r3")
    assert _rows(store.read(NAME)) == [(5, "a", 5.0)]


# -- file-level replaces and file sizes -----------------------------------------------------------------
def test_replacing_a_batch_leaves_other_batches_files_untouched(store, spark) -> None:
    _two_versions(store, spark)
    files_b = {f for f in _data_files(store) if store.spark.read.parquet(str(_root(store) / f)).first()[1] == "b"}
    store.replace_where(NAME, _df(spark, [(9, "a", 9.0)]), column="batch", values=["a"], run_id="r3")
    current = {Path(u).name for u in _current_uris(store)}
    assert files_b <= current and len(current) == 2


def test_replacing_a_batch_in_a_shared_file_rewrites_only_that_file(store, spark) -> None:
    store.append(NAME, _df(spark, A + B).coalesce(1), run_id="r1")
    store.append(NAME, _df(spark, [(7, "c", 7.0)]), run_id="r2")
    c_file = next(Path(u).name for u in _current_uris(store) if "c" in str(_rows(spark.read.parquet(u))))
    store.delete_where(NAME, column="batch", values=["a"], run_id="r3")
    current = {Path(u).name for u in _current_uris(store)}
    assert c_file in current and len(current) == 2
    assert _rows(store.read(NAME)) == [*B, (7, "c", 7.0)]


def test_many_small_parts_land_as_one_file(store, spark, monkeypatch) -> None:
    monkeypatch.setattr(staging, "SMALL_FRAME_BYTES", -1)  # Spark writes one part per partition
    store.append(NAME, _df(spark, [(i, "a", float(i)) for i in range(200)]).repartition(20), run_id="r1")
    assert len(_current_uris(store)) == 1
    assert store.read(NAME).count() == 200


def _current_uris(store: LocalDeltaStore) -> list[str]:
    return store._open(NAME).file_uris()


# -- leftovers ------------------------------------------------------------------------------------------
def test_next_write_removes_a_dead_writers_staging_and_uncommitted_parts(store, spark) -> None:
    store.append(NAME, _df(spark, A), run_id="r1")
    root = _root(store)
    dead = root / staging.STAGING / f"{socket.gethostname()}-999999-deadbeef0000"
    dead.mkdir()
    (dead / "half-written.parquet").write_bytes(b"PAR1")
    (root / "part-orphan.parquet").write_bytes(b"PAR1")
    (dead / staging.MANIFEST).write_text('{"since": 0, "files": ["part-orphan.parquet"]}')
    store.append(NAME, _df(spark, B), run_id="r2")
    assert not dead.exists()
    assert not (root / "part-orphan.parquet").exists()
    assert _rows(store.read(NAME)) == sorted(A + B)


def test_a_live_writers_staging_is_left_alone(store, spark) -> None:
    store.append(NAME, _df(spark, A), run_id="r1")
    live = _root(store) / staging.STAGING / f"{socket.gethostname()}-{os.getpid()}-livelivelive"
    live.mkdir()
    store.append(NAME, _df(spark, B), run_id="r2")
    assert live.is_dir()


def test_committed_parts_named_by_a_dead_manifest_are_kept(store, spark) -> None:
    store.append(NAME, _df(spark, A), run_id="r1")
    root = _root(store)
    committed = sorted(_data_files(store))[0]
    dead = root / staging.STAGING / f"{socket.gethostname()}-999999-deadbeef0001"
    dead.mkdir()
    (dead / staging.MANIFEST).write_text(f'{{"since": -1, "files": ["{committed}"]}}')
    store.append(NAME, _df(spark, B), run_id="r2")
    assert (root / committed).exists()


# -- maintenance (local specifics) ----------------------------------------------------------------------
def test_vacuum_deletes_old_files_but_keeps_protected_versions(store, spark) -> None:
    for rows in (A, B, [(5, "c", 5.0)], [(6, "d", 6.0)]):
        store.overwrite(NAME, _df(spark, rows), run_id="r")
    result = store.vacuum(NAME, retain_hours=0, keep_versions=[1])
    assert result.files_removed == 2  # versions 0 and 2
    assert _rows(store.read(NAME, version=1)) == B
    assert _rows(store.read(NAME)) == [(6, "d", 6.0)]
    with pytest.raises(CorruptTableError, match="is missing"):
        store.read(NAME, version=0)


def test_optimize_compacts_small_files_without_changing_rows(store, spark) -> None:
    for i in range(5):
        store.append(NAME, _df(spark, [(i, "a", float(i))]), run_id="r")
    result = store.optimize(NAME, run_id="r9")
    assert (result.files_removed, result.files_added) == (5, 1)
    assert len(_current_uris(store)) == 1
    assert _rows(store.read(NAME)) == [(i, "a", float(i)) for i in range(5)]


def test_a_full_disk_during_a_write_is_one_storage_error_and_leaves_nothing(store, spark, monkeypatch) -> None:
    from iris_mlops.errors import StorageError

    store.append(NAME, _df(spark, A), run_id="r1")
    before = _data_files(store)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(_root(store)))

    monkeypatch.setattr(staging, "move_in", full)
    with pytest.raises(StorageError, match=rf"cannot write table {NAME}: No space left on device .*nothing was"):
        store.append(NAME, _df(spark, B), run_id="r2")
    assert StorageError.exit_code == 2
    assert _data_files(store) == before and store.version(NAME) == 0
    assert not any((_root(store) / staging.STAGING).iterdir())


# -- small frames -----------------------------------------------------------------------------------------
def _typed(spark):
    """Two rows of the column types the tables hold: integers, strings, a string array, a timestamp, nulls."""
    from datetime import datetime, timezone

    import pyarrow as pa

    at = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)
    rows = pa.table({"id": pa.array([1, 2], pa.int64()), "n": pa.array([7, None], pa.int32()),
                     "label": ["a", None], "tags": [["x", "y"], []],
                     "at": pa.array([at, None], pa.timestamp("us", tz="UTC")), "score": [0.5, None]})
    return spark.createDataFrame(rows)  # a local relation: Spark's size estimate is its few bytes


@pytest.mark.parametrize("small_limit", [staging.SMALL_FRAME_BYTES, -1], ids=["arrow", "spark"])
def test_small_and_large_frames_land_with_the_same_rows_and_types(store, spark, monkeypatch, small_limit) -> None:
    """Under the size estimate's limit the rows are collected and written by pyarrow, over it by Spark."""
    df = _typed(spark)
    assert staging.estimated_bytes(df) < staging.SMALL_FRAME_BYTES
    monkeypatch.setattr(staging, "SMALL_FRAME_BYTES", small_limit)
    spark_writes: list[Path] = []
    real = staging._spark_write

    def spark_write(frame, folder: Path) -> None:
        spark_writes.append(folder)
        real(frame, folder)

    monkeypatch.setattr(staging, "_spark_write", spark_write)
    store.overwrite(NAME, df, run_id="r1")
    store.append(NAME, df, run_id="r2")
    assert len(spark_writes) == (0 if small_limit > 0 else 2)
    back = store.read(NAME)
    assert back.schema == df.schema
    assert sorted(back.collect(), key=str) == sorted(df.collect() * 2, key=str)


@pytest.mark.parametrize("small_limit", [staging.SMALL_FRAME_BYTES, -1], ids=["arrow", "parquet"])
def test_materialized_rows_keep_their_types(spark, monkeypatch, tmp_path: Path, small_limit) -> None:
    """Staged rows, kept as Arrow or as Parquet, read back with the same schema and values (timestamps too)."""
    monkeypatch.setattr(staging, "SMALL_FRAME_BYTES", small_limit)
    df = _typed(spark)
    staged = staging.materialize(spark, df, tmp_path)
    assert staged.schema == df.schema
    assert sorted(staged.collect(), key=str) == sorted(df.collect(), key=str)
    assert any(tmp_path.rglob("*.parquet")) == (small_limit < 0)


def test_an_empty_small_frame_adds_no_file(store, spark) -> None:
    store.append(NAME, _df(spark, A), run_id="r1")
    before = _data_files(store)
    store.append(NAME, _df(spark, A).limit(0), run_id="r2")
    assert _data_files(store) == before and _rows(store.read(NAME)) == A


def test_a_small_frame_may_hold_nulls_where_the_first_write_had_none(store, spark) -> None:
    """A column created from a literal is non-null in the table's schema; nullability is never compared."""
    from pyspark.sql import functions as F  # noqa: N812

    first = _df(spark, A).withColumn("alias", F.lit("champion"))
    store.append(NAME, first.localCheckpoint(), run_id="r1")
    later = _typed(spark).selectExpr("id", "label AS batch", "score AS value", "CAST(NULL AS STRING) AS alias")
    store.append(NAME, later, run_id="r2")
    assert sorted(r["alias"] for r in store.read(NAME).collect() if r["alias"]) == ["champion", "champion"]
    assert store.read(NAME).count() == 4


def test_a_frame_without_a_jvm_plan_counts_as_large() -> None:
    """Spark Connect frames have no `_jdf`: no estimate, so Spark's own writer is used, never a collect."""

    class ConnectFrame:
        pass

    assert staging.estimated_bytes(ConnectFrame()) > staging.SMALL_FRAME_BYTES  # type: ignore[arg-type]


def test_merge_computes_the_incoming_rows_once(store, spark) -> None:
    """The incoming frame is read for its keys and for its rows: staged, its plan runs once."""
    from pyspark.sql import functions as F  # noqa: N812

    store.append(NAME, _df(spark, A), run_id="r1")
    calls = spark.sparkContext.accumulator(0)

    def counted(key):  # no type hints: pyspark would read them as an Arrow UDF's
        calls.add(1)
        return key

    incoming = _df(spark, [(2, "a", 5.0), (9, "c", 9.0)]).withColumn("id", F.udf(counted, "long")("id"))
    store.merge(NAME, incoming, keys=["id"], run_id="r2")
    assert calls.value == 2  # once per incoming row (it was 6: the keys and the rows each computed it)
    assert _rows(store.read(NAME)) == [(1, "a", 1.0), (2, "a", 5.0), (9, "c", 9.0)]
