"""Integrity and durability around delta-rs' local Delta log.

delta-rs 1.6 neither fsyncs data files nor commit files on a local disk (measured with strace: no
fsync/fdatasync between writing a commit's temporary file and linking it to its final name), and it reads
a 0-byte commit as an empty commit, so a power cut can turn the latest commit into an older table without a
word. Readers here refuse such tables; writers fsync what they add and the commit right after it lands.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from iris_mlops.errors import CorruptTableError

if TYPE_CHECKING:
    from deltalake import DeltaTable

LOG = "_delta_log"
COMMIT = re.compile(r"^(\d{20})\.json$")
PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class DataFile:
    """One file of a snapshot, with the string column ranges its statistics record."""

    path: str
    size: int
    minimum: Any = None
    maximum: Any = None


def commit_files(root: Path) -> dict[int, Path]:
    """Version -> commit file, for every JSON commit in the log."""
    folder = root / LOG
    found: dict[int, Path] = {}
    if not folder.is_dir():
        return found
    for entry in os.scandir(folder):
        match = COMMIT.match(entry.name)
        if match:
            found[int(match.group(1))] = Path(entry.path)
    return found


def check_log(name: str, root: Path, loaded_version: int) -> None:
    """Refuse a table whose log has an empty commit or a commit newer than the version delta-rs loaded."""
    commits = commit_files(root)
    for version, path in sorted(commits.items()):
        if path.stat().st_size == 0:
            raise CorruptTableError(
                f"table {name} is corrupt at version {version}: commit {path.name} is empty "
                "(an interrupted write); restore the file or remove it and every later commit"
            )
    latest = max(commits, default=loaded_version)
    if latest > loaded_version:
        raise CorruptTableError(f"table {name} is corrupt at version {latest}: the commit could not be read")


def corrupt_from(name: str, exc: Exception, root: Path) -> CorruptTableError:
    """A delta-rs load failure on an existing log as one line naming the table and newest version."""
    version = max(commit_files(root), default=0)
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
    return CorruptTableError(f"table {name} is corrupt at version {version}: its log does not parse ({detail})")


def snapshot_files(table: DeltaTable, *, column: str | None = None) -> list[DataFile]:
    """The snapshot's files with sizes (and the min/max of `column` when the statistics have them)."""
    actions = pa.table(table.get_add_actions(flatten=True))
    names = set(actions.column_names)
    low, high = f"min.{column}", f"max.{column}"
    lows = actions.column(low).to_pylist() if column and low in names else [None] * actions.num_rows
    highs = actions.column(high).to_pylist() if column and high in names else [None] * actions.num_rows
    return [
        DataFile(path=str(p), size=int(s), minimum=lo, maximum=hi)
        for p, s, lo, hi in zip(
            actions.column("path").to_pylist(), actions.column("size_bytes").to_pylist(), lows, highs, strict=True
        )
    ]


def check_data_files(name: str, version: int, root: Path, files: Iterable[DataFile]) -> None:
    """Every file of the snapshot exists, has the recorded size and ends like a Parquet file."""
    for item in files:
        path = root / item.path
        problem = _file_problem(path, item.size)
        if problem:
            raise CorruptTableError(
                f"table {name} is corrupt at version {version}: data file {item.path} {problem}; "
                "restore it or time-travel to an earlier version"
            )


def _file_problem(path: Path, size: int) -> str | None:
    try:
        actual = path.stat().st_size
    except FileNotFoundError:
        return "is missing"
    if actual != size:
        return f"has {actual} bytes, the log recorded {size}"
    with path.open("rb") as handle:
        handle.seek(max(actual - 4, 0))
        if handle.read(4) != PARQUET_MAGIC:
            return "is not a Parquet file"
    return None


def fsync_paths(paths: Iterable[Path]) -> None:
    """Flush files (or folders) to disk."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def make_commit_durable(root: Path, version: int) -> None:
    """fsync a commit file that delta-rs just linked into place, and the log folder that names it."""
    path = root / LOG / f"{version:020d}.json"
    if path.exists():
        fsync_paths([path, root / LOG])
