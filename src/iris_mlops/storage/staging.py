"""Staging for local Delta writes: Parquet parts are written under `_staging/<owner>/`, sized, then moved in.

An owner folder is named after the host and process that writes it. Before moving parts beside the table's
other files, the owner records their final names in `moved.json`; the folder goes once the commit landed.
A later write of the table removes the folders of processes that are gone, and with them the parts they moved
in but never committed, so a crash at any point leaves nothing behind for long.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from iris_mlops.storage.delta_log import commit_files, fsync_paths

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

STAGING = "_staging"
MANIFEST = "moved.json"
TARGET_FILE_BYTES = 128 << 20  # Delta's usual target; smaller parts are merged before commit
STALE_SECONDS = 24 * 3600
MERGE_BATCH_ROWS = 256 * 1024
MERGE_MIN_PARTS = 8  # another host's folder is only judged by age
# Frames Spark estimates below this are collected and written by Arrow. For files the estimate is their size on
# disk: compressed Parquet of Iris-like rows is ~30x smaller than the rows, so 256 KB can be 100k rows. At 32 MB,
# 1 M bronze rows (3 MB on disk) were collected through Python: silver took 23 s instead of 18 s.
SMALL_FRAME_BYTES = 256 << 10


@dataclass(frozen=True)
class StagedFile:
    """A part moved in beside the table's files: its name, size, row count and string-column ranges."""

    name: str
    size: int
    rows: int
    minimum: dict[str, str]
    maximum: dict[str, str]

    def stats(self) -> str:
        """Delta `stats` JSON: the row count plus min/max of string columns (batch ids prune replaces)."""
        return json.dumps({"numRecords": self.rows, "minValues": self.minimum, "maxValues": self.maximum})


def new_owner(root: Path) -> Path:
    """A fresh staging folder for this process."""
    owner = root / STAGING / f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    owner.mkdir(parents=True)
    return owner


def write_frame(df: DataFrame, folder: Path, schema: pa.Schema) -> list[Path]:
    """Write `df` as Parquet parts in `folder` and return them.

    A frame Spark estimates under SMALL_FRAME_BYTES is collected as Arrow and written as one part by pyarrow:
    a Spark write job (tasks, output committer, renames) costs about 0.2 s however few its rows, the collect a
    few hundredths. Larger frames are written by Spark's executors, never collected.
    """
    if estimated_bytes(df) > SMALL_FRAME_BYTES:
        _spark_write(df, folder)
        return parts_in(folder)
    folder.mkdir(parents=True)
    table = df.toArrow()
    if table.num_rows:
        pq.write_table(_as_schema(table, schema), folder / "part-00000.parquet")
    return parts_in(folder)


def materialize(spark: SparkSession, df: DataFrame, folder: Path) -> DataFrame:
    """`df` computed once: small frames collected as Arrow (a local relation), larger ones written under `folder`.

    The frame returned reads those rows, so each later action starts from them rather than from `df`'s plan.
    """
    if estimated_bytes(df) <= SMALL_FRAME_BYTES:
        return spark.createDataFrame(df.toArrow(), schema=df.schema)
    _spark_write(df, folder / "frame")
    return spark.read.schema(df.schema).parquet(str(folder / "frame"))


def _spark_write(df: DataFrame, folder: Path) -> None:
    df.write.mode("error").parquet(str(folder))


def estimated_bytes(df: DataFrame) -> int:
    """Spark's estimate of the frame's size (the optimizer's statistics: file sizes, not a count)."""
    jdf = getattr(df, "_jdf", None)  # a Spark Connect frame has no JVM plan here: treated as large
    if jdf is None:
        return 1 << 62
    return int(jdf.queryExecution().optimizedPlan().stats().sizeInBytes())  # a Scala BigInt: a Python int


def _as_schema(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The collected rows with the table's own column types (Spark's Arrow types name list items differently).

    Nullability is not imposed, as the store never compares it: a column created from a literal is non-null in
    the table's schema, and a later write may hold nulls there.
    """
    if sorted(table.schema.names) != sorted(schema.names):
        return table  # the schema check before the write reports the difference
    return table.select(schema.names).cast(pa.schema([f.with_nullable(True) for f in schema]))


def parts_in(folder: Path) -> list[Path]:
    """Parquet parts a writer left in `folder`, in name order."""
    return sorted(p for p in folder.glob("*.parquet") if p.stat().st_size > 0)


def drop_empty(parts: Sequence[Path]) -> list[Path]:
    """The parts that hold rows (Spark writes a row-less part for an empty frame); the others are deleted."""
    kept = []
    for part in parts:
        if pq.read_metadata(part).num_rows:
            kept.append(part)
        else:
            part.unlink()
    return kept


def merge_small_parts(parts: Sequence[Path], folder: Path, *, target_bytes: int = TARGET_FILE_BYTES) -> list[Path]:
    """Merge many small parts (over MERGE_MIN_PARTS under a quarter of `target_bytes`) into files of up to it.

    A Spark write makes one part per task: a few parts are left as they are (merging costs a read and a write),
    hundreds of small ones (a frame of many partitions) become a few files.
    """
    small = [p for p in parts if p.stat().st_size < target_bytes // 4]
    if len(small) <= MERGE_MIN_PARTS:
        return list(parts)
    merged = [p for p in parts if p not in small]
    groups: list[list[Path]] = [[]]
    size = 0
    for part in small:
        part_size = part.stat().st_size
        if groups[-1] and size + part_size > target_bytes:
            groups.append([])
            size = 0
        groups[-1].append(part)
        size += part_size
    for group in (g for g in groups if g):
        merged.append(group[0] if len(group) == 1 else _concat(group, folder / f"merged-{uuid.uuid4().hex}.parquet"))
    return merged


def _concat(group: Sequence[Path], target: Path) -> Path:
    """One file from several, copied in batches so that memory stays flat."""
    schema = pq.read_schema(group[0])
    with pq.ParquetWriter(target, schema) as writer:
        for part in group:
            for batch in pq.ParquetFile(part).iter_batches(batch_size=MERGE_BATCH_ROWS):
                writer.write_table(pa.Table.from_batches([batch]).cast(schema))
            part.unlink()
    return target


def move_in(root: Path, owner: Path, parts: Sequence[Path]) -> list[StagedFile]:
    """Record the final names, fsync and move the parts in beside the table's files."""
    targets = [f"part-{uuid.uuid4().hex}.parquet" for _ in parts]
    manifest = owner / MANIFEST
    manifest.write_text(json.dumps({"since": max(commit_files(root), default=-1), "files": targets}))
    fsync_paths([*parts, manifest, owner])
    staged = []
    for part, target in zip(parts, targets, strict=True):
        meta = pq.read_metadata(part)
        low, high = _string_ranges(meta)
        os.replace(part, root / target)
        staged.append(StagedFile(target, (root / target).stat().st_size, meta.num_rows, low, high))
    fsync_paths([root])
    return staged


def _string_ranges(meta: pq.FileMetaData) -> tuple[dict[str, str], dict[str, str]]:
    """Min/max of each top-level string column over all row groups, where every row group has them."""
    low: dict[str, str] = {}
    high: dict[str, str] = {}
    schema = meta.schema.to_arrow_schema()
    for index, field in enumerate(schema):
        if not pa.types.is_string(field.type) and not pa.types.is_large_string(field.type):
            continue
        values = [_range(meta.row_group(g).column(index)) for g in range(meta.num_row_groups)]
        if values and all(v is not None for v in values):
            low[field.name] = min(v[0] for v in values if v)
            high[field.name] = max(v[1] for v in values if v)
    return low, high


def _range(column: Any) -> tuple[str, str] | None:
    stats = column.statistics
    if stats is None or not stats.has_min_max:
        return None
    lo, hi = stats.min, stats.max
    return (lo.decode() if isinstance(lo, bytes) else lo, hi.decode() if isinstance(hi, bytes) else hi)


def done(owner: Path) -> None:
    """The commit landed: the owner folder is no longer needed."""
    shutil.rmtree(owner, ignore_errors=True)


def abandon(root: Path, owner: Path) -> None:
    """The write failed: delete the parts it moved in (no commit names them) and its folder."""
    _uncommitted(root, owner)
    shutil.rmtree(owner, ignore_errors=True)


def clean_leftovers(root: Path) -> list[str]:
    """Remove staging folders of dead writers and the parts they moved in without committing them."""
    folder = root / STAGING
    if not folder.is_dir():
        return []
    removed = []
    for owner in folder.iterdir():
        if not owner.is_dir() or _alive(owner):
            continue
        removed += _uncommitted(root, owner)
        shutil.rmtree(owner, ignore_errors=True)
        removed.append(f"{STAGING}/{owner.name}")
    return removed


def _alive(owner: Path) -> bool:
    host, _, rest = owner.name.rpartition("-")[0].rpartition("-")
    if host != socket.gethostname():
        return time.time() - owner.stat().st_mtime < STALE_SECONDS
    try:
        os.kill(int(rest), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _uncommitted(root: Path, owner: Path) -> list[str]:
    """Delete the manifest's files that no commit made after it names."""
    manifest = owner / MANIFEST
    if not manifest.is_file():
        return []
    try:
        record = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return []
    later = [p for v, p in commit_files(root).items() if v > int(record.get("since", -1))]
    text = "".join(p.read_text(errors="replace") for p in later)
    removed = []
    for name in record.get("files", []):
        if name not in text and (root / name).exists():
            (root / name).unlink()
            removed.append(name)
    return removed
