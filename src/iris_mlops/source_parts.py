"""Raw rows written as Parquet parts as they are read: flat memory whatever the input size."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from iris_mlops.schemas import MEASUREMENTS, SOURCE_POSITION, SPECIES

REQUIRED = (*MEASUREMENTS, SPECIES)
POSITION = SOURCE_POSITION
RAW_SCHEMA = pa.schema([*(pa.field(c, pa.string()) for c in REQUIRED), pa.field(POSITION, pa.int64(), False)])
ROWS_PER_PART = 2_000_000  # ~60 MB of Parquet per part: few files, and two cores each get work
ROW_GROUP_ROWS = 256 * 1024  # blocks of a few thousand rows are gathered into row groups of this size


class PartWriter:
    """Appends canonical string columns to numbered Parquet parts, numbering rows from 1 as they come."""

    def __init__(self, folder: Path, *, rows_per_part: int | None = None) -> None:
        self.folder = folder
        self.rows_per_part = rows_per_part or ROWS_PER_PART
        self.rows = 0
        self.parts: list[Path] = []
        self._writer: pq.ParquetWriter | None = None
        self._part_rows = 0
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0

    def write(self, columns: Mapping[str, Any], *, decimal_comma: bool = False) -> None:
        """Write one block: canonical column -> string array (or list); all-blank rows are dropped.

        A column the block does not carry (the species of unlabelled records) is written as nulls.
        """
        given = {c: _as_string_array(v) for c, v in columns.items()}
        length = len(next(iter(given.values()))) if given else 0
        arrays = [given[c] if c in given else pa.nulls(length, pa.string()) for c in REQUIRED]
        arrays = _drop_blank_rows(arrays)
        count = len(arrays[0])
        if not count:
            return
        if decimal_comma:  # "5,1" -> "5.1": European exports read as numbers
            for index, name in enumerate(REQUIRED):
                if name in MEASUREMENTS:
                    arrays[index] = pc.replace_substring(arrays[index], ",", ".")
        positions = pa.array(np.arange(self.rows + 1, self.rows + count + 1, dtype=np.int64))
        self._pending.append(pa.record_batch([*arrays, positions], schema=RAW_SCHEMA))
        self._pending_rows += count
        self.rows += count
        if self._pending_rows >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        """Write the gathered blocks as one row group."""
        if not self._pending:
            return
        writer = self._target()
        writer.write_table(pa.Table.from_batches(self._pending), row_group_size=self._pending_rows)
        self._part_rows += self._pending_rows
        self._pending, self._pending_rows = [], 0

    def close(self) -> list[Path]:
        """Finish the last part; returns every part written."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        return list(self.parts)

    def _target(self) -> pq.ParquetWriter:
        if self._writer is None or self._part_rows >= self.rows_per_part:
            if self._writer is not None:
                self._writer.close()
            path = self.folder / f"part-{len(self.parts):05d}.parquet"
            self.parts.append(path)
            self._writer = pq.ParquetWriter(path, RAW_SCHEMA)
            self._part_rows = 0
        return self._writer


def _as_string_array(values: Any) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == pa.string() else values.cast(pa.string())
    return pa.array(values, pa.string())


def _drop_blank_rows(arrays: Sequence[pa.Array]) -> list[pa.Array]:
    """Rows whose every field is empty or blank are not records (a trailing ',,,,' line)."""
    filled = None
    for array in arrays:
        has = pc.fill_null(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(array)), 0), False)
        filled = has if filled is None else pc.or_(filled, has)
    if filled is None or pc.all(filled).as_py():
        return list(arrays)
    return [a.filter(filled) for a in arrays]


def read_parts(parts: Sequence[Path]) -> pa.Table:
    """All parts as one table (small inputs and tests only: this loads everything)."""
    if not parts:
        return RAW_SCHEMA.empty_table()
    return pa.concat_tables([pq.read_table(p, schema=RAW_SCHEMA) for p in parts])
