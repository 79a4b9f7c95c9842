"""Streaming readers: CSV (pyarrow's streaming reader, the csv module for ragged files), JSON lines, Parquet.

Each reads blocks and hands canonical string columns to a PartWriter, so memory stays flat. Layout problems
(no Iris header, missing or ambiguous columns, no data rows) raise InputError naming the file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from iris_mlops.errors import InputError
from iris_mlops.source_layout import CsvLayout, column_mapping, required_columns
from iris_mlops.source_parts import REQUIRED, PartWriter

BLOCK_BYTES = 1 << 20  # 8 MB blocks: ~300 MB of read-ahead at 10 M rows; 1 MB: ~40 MB, as fast
PY_BLOCK_ROWS = 100_000


class RaggedRowsError(Exception):
    """The fast reader met a row with another field count: the file is read again, row by row."""


# -- CSV ------------------------------------------------------------------------------------------------------
def stream_csv(path: Path, layout: CsvLayout, writer: PartWriter) -> None:
    """Read a CSV in blocks with pyarrow; ragged rows (padded, extra fields ignored) fall back to the csv module."""
    try:
        _stream_csv_arrow(path, layout, writer)
    except RaggedRowsError:
        for part in writer.close():
            part.unlink(missing_ok=True)
        writer.__init__(writer.folder, rows_per_part=writer.rows_per_part)  # type: ignore[misc]
        _stream_csv_python(path, layout, writer)


def _stream_csv_arrow(path: Path, layout: CsvLayout, writer: PartWriter) -> None:
    import pyarrow.csv as pacsv

    ragged_rows: list[Any] = []

    def ragged(row: Any) -> str:  # pyarrow ignores exceptions raised here: note the row, stop after the block
        ragged_rows.append(row)
        return "skip"

    names = None if layout.has_header else list(layout.header)
    read = pacsv.ReadOptions(block_size=BLOCK_BYTES, skip_rows=layout.skip_lines, column_names=names)
    parse = pacsv.ParseOptions(delimiter=layout.delimiter, invalid_row_handler=ragged)
    wanted = list(dict.fromkeys(layout.mapping.values()))
    convert = pacsv.ConvertOptions(
        include_columns=wanted, column_types=dict.fromkeys(wanted, pa.string()), strings_can_be_null=False
    )
    try:
        reader = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
        for batch in reader:
            if ragged_rows:
                raise RaggedRowsError
            writer.write({c: batch.column(source) for c, source in layout.mapping.items()},
                         decimal_comma=layout.decimal_comma)
        if ragged_rows:
            raise RaggedRowsError
    except pa.ArrowInvalid as exc:
        raise InputError(f"{path}: cannot be read as CSV ({str(exc).splitlines()[0]})") from None


def _stream_csv_python(path: Path, layout: CsvLayout, writer: PartWriter) -> None:
    index = {name: i for i, name in enumerate(layout.header)}
    names = list(layout.mapping)  # the canonical columns this file has, in REQUIRED order
    positions = [index[layout.mapping[c]] for c in names]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = csv.reader(handle, delimiter=layout.delimiter)
        for _ in range(layout.skip_lines + (1 if layout.has_header else 0)):
            next(records, None)
        block: list[list[str | None]] = [[] for _ in names]
        for row in records:
            for column, i in zip(block, positions, strict=True):
                column.append(row[i] if i < len(row) else None)
            if len(block[0]) >= PY_BLOCK_ROWS:
                writer.write(dict(zip(names, block, strict=True)), decimal_comma=layout.decimal_comma)
                block = [[] for _ in names]
        writer.write(dict(zip(names, block, strict=True)), decimal_comma=layout.decimal_comma)


# -- JSON -----------------------------------------------------------------------------------------------------
@dataclass
class _JsonColumns:
    """Keys seen so far and what they mean, so that a missing column is reported over the whole file."""

    path: Path
    seen: dict[str, str | None]

    def row(self, obj: dict[str, Any]) -> dict[str, str | None]:
        from iris_mlops.source_layout import canonical_column

        out: dict[str, str | None] = {}
        for key, value in obj.items():
            if key not in self.seen:
                self.seen[key] = canonical_column(str(key))
            canonical = self.seen[key]
            if canonical is None:
                continue
            if canonical in out:
                others = [k for k in obj if self.seen.get(k) == canonical]
                raise InputError(f"{self.path}: columns {others[0]!r} and {others[1]!r} both mean {canonical}")
            out[canonical] = _as_text(value)
        return out


def stream_json(path: Path, writer: PartWriter, *, is_array: bool, label_optional: bool = False) -> None:
    """JSON lines in blocks of rows; a JSON array (one document) is parsed whole."""
    columns = _JsonColumns(path, {})
    block: list[dict[str, str | None]] = []
    for obj in (_array_objects(path) if is_array else _line_objects(path)):
        block.append(columns.row(obj))
        if len(block) >= PY_BLOCK_ROWS:
            _write_json_block(writer, block)
            block = []
    _write_json_block(writer, block)
    found = {c for c in columns.seen.values() if c}
    missing = [c for c in required_columns(label_optional=label_optional) if c not in found]
    if writer.rows and missing:
        shown = ", ".join(columns.seen) or "none"
        raise InputError(f"{path}: missing required column(s) {', '.join(missing)} (found: {shown})")


def _write_json_block(writer: PartWriter, block: Sequence[dict[str, str | None]]) -> None:
    if block:
        writer.write({c: [r.get(c) for r in block] for c in REQUIRED})


def _line_objects(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {number} is not valid JSON ({exc.msg})") from None
            if not isinstance(item, dict):
                raise InputError(f"{path}: line {number} is not a JSON object")
            yield item


def _array_objects(path: Path) -> Iterator[dict[str, Any]]:
    try:
        items = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg} on line {exc.lineno})") from None
    for number, item in enumerate(items if isinstance(items, list) else [items], start=1):
        if not isinstance(item, dict):
            raise InputError(f"{path}: item {number} is not a JSON object")
        yield item


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value)


# -- Parquet --------------------------------------------------------------------------------------------------
def stream_parquet(path: Path, writer: PartWriter, *, label_optional: bool = False) -> None:
    """Row groups in batches, each column cast to text (nested values as JSON text)."""
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    mapping = column_mapping(path, source.schema_arrow.names, label_optional=label_optional)
    if source.metadata.num_rows == 0:
        raise InputError(f"{path}: has no data rows")
    for batch in source.iter_batches(batch_size=PY_BLOCK_ROWS, columns=list(dict.fromkeys(mapping.values()))):
        writer.write({c: _text_column(batch.column(column)) for c, column in mapping.items()})


def _text_column(column: pa.Array) -> pa.Array:
    try:
        return column.cast(pa.string())
    except (pa.ArrowException, NotImplementedError):  # nested types: keep their text form
        return pa.array([_as_text(v) for v in column.to_pylist()], pa.string())
