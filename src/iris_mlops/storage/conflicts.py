"""Optimistic concurrency for local Delta writes: what a write touches, and whether a newer commit collides.

Every write is built on one version (the version this store last read of the table, else the version when the
write started) and committed on top of it with no automatic retry. When another commit got there first, the
commits in between are compared with the write's scope: a blind append never collides; a replace of some
batches collides only with commits that added or removed rows of those batches; an overwrite or a merge
collides with any data change. Without a collision the write is committed again on the newer version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from iris_mlops.errors import ConcurrentWriteError
from iris_mlops.storage.delta_log import DataFile


@dataclass(frozen=True)
class Scope:
    """The rows a write depends on: none (append), rows whose `column` is in `values`, or the whole table."""

    kind: str  # "append" | "replace" | "all"
    column: str | None = None
    values: tuple[str, ...] = ()
    removes: frozenset[str] = field(default_factory=frozenset)

    def touches(self, item: DataFile) -> bool:
        """True when the file may hold rows in scope."""
        if self.kind == "all":
            return True
        if self.kind == "append":
            return False
        if item.minimum is None or item.maximum is None:
            return True
        return any(item.minimum <= v <= item.maximum for v in self.values)

    def check(
        self, name: str, versions: tuple[int, int], before: Sequence[DataFile], after: Sequence[DataFile]
    ) -> None:
        """Raise ConcurrentWriteError when the commits between two snapshots collide with this write."""
        old = {f.path: f for f in before}
        new = {f.path: f for f in after}
        gone = [f for p, f in old.items() if p not in new]
        added = [f for p, f in new.items() if p not in old]
        if any(f.path in self.removes for f in gone):
            what = "removed files this write replaces"
        elif any(self.touches(f) for f in [*gone, *added]):
            what = "changed rows this write depends on" if self.kind == "all" else self._rows_phrase()
        else:
            return
        raise ConcurrentWriteError(
            f"table {name} changed while this write ran: another writer {what} (versions {versions[0] + 1}"
            f"..{versions[1]}); nothing was written, rerun to build on version {versions[1]}"
        )

    def _rows_phrase(self) -> str:
        shown = ", ".join(self.values[:3]) + (" ..." if len(self.values) > 3 else "")
        return f"wrote rows with {self.column} in ({shown})"


@dataclass(frozen=True)
class ReplacePlan:
    """Files a replace removes whole, and files it rewrites without the replaced rows."""

    remove: tuple[DataFile, ...]
    rewrite: tuple[DataFile, ...]


def plan_replace(root: Path, files: Iterable[DataFile], *, column: str, values: Sequence[str]) -> ReplacePlan:
    """Classify the snapshot's files by the values of `column` they hold; untouched files stay as they are."""
    scope = Scope("replace", column=column, values=tuple(values))
    remove: list[DataFile] = []
    rewrite: list[DataFile] = []
    wanted = set(values)
    for item in files:
        if not scope.touches(item):
            continue
        if item.minimum is not None and item.minimum == item.maximum:
            remove.append(item)
            continue
        present = set(pq.read_table(root / item.path, columns=[column]).column(column).unique().to_pylist())
        if present <= wanted:
            remove.append(item)
        elif present & wanted:
            rewrite.append(item)
    return ReplacePlan(tuple(remove), tuple(rewrite))


def rewrite_without(source: Path, target: Path, *, column: str, values: Sequence[str], schema: pa.Schema) -> None:
    """Write `source`'s rows whose `column` is not in `values` to `target`, with the table's Arrow types."""
    table = pq.read_table(source)
    value_set = pa.array(list(values), table.schema.field(column).type)
    kept = table.filter(pc.invert(pc.is_in(table.column(column), value_set=value_set)))
    ordered = kept.select(schema.names)
    pq.write_table(ordered.cast(pa.schema([schema.field(n) for n in schema.names]), safe=False), target)
