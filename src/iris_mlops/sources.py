"""Read an input into raw string columns: the bundled scikit-learn Iris data, or a CSV, JSON lines or Parquet file.

Every value stays the string it arrived as, so that a non-number survives to be quarantined by silver. Every
problem with the file itself raises an InputError that names the file, before Spark or any table is touched.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from iris_mlops.errors import InputError
from iris_mlops.schemas import MEASUREMENTS, SOURCE_POSITION, SPECIES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

REQUIRED = (*MEASUREMENTS, SPECIES)
POSITION = SOURCE_POSITION
EMBEDDED_NAME = "sklearn:load_iris"
CHUNK = 1 << 20
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
# Column names found in the wild, reduced to lower-case letters: sepal_length, sepal.length, Sepal.Length,
# "sepal length (cm)" and SepalLengthCm all become "sepallength".
ALIASES = {
    **{m.replace("_", ""): m for m in MEASUREMENTS},
    "species": SPECIES,
    "class": SPECIES,
    "variety": SPECIES,
    "irisclass": SPECIES,
    "irisspecies": SPECIES,
}


@dataclass(frozen=True)
class RawSource:
    """One input as raw strings: the business columns plus the 1-based position of each record."""

    name: str
    batch_id: str
    table: pa.Table

    @property
    def rows(self) -> int:
        return int(self.table.num_rows)

    def to_spark(self, spark: SparkSession) -> DataFrame:
        """The rows as a Spark DataFrame of strings plus `source_position` (long)."""
        from pyspark.sql.types import LongType, StringType, StructField, StructType

        schema = StructType(
            [*(StructField(c, StringType(), True) for c in REQUIRED), StructField(POSITION, LongType())]
        )
        return spark.createDataFrame(self.table, schema=schema)


def canonical_column(name: str) -> str | None:
    """The canonical column a header names (`Sepal.Length` -> `sepal_length`), or None."""
    key = re.sub(r"[^a-z]", "", name.lower())
    return ALIASES.get(key) or ALIASES.get(key.removesuffix("cm"))


def read_source(path: Path | None) -> RawSource:
    """Read `path` (CSV, JSON lines or Parquet), or the bundled Iris data when None."""
    if path is None:
        return read_embedded()
    checked = _check_file(Path(path))
    digest = _digest(checked)
    kind = _kind(checked)
    if kind == "parquet":
        table = _read_parquet(checked)
    else:
        text = _decode(checked)
        table = _read_json(checked, text) if kind == "json" else _read_csv(checked, text)
    return RawSource(name=str(checked), batch_id=digest, table=table)


def read_embedded() -> RawSource:
    """The 150 Iris rows bundled with scikit-learn (no network), as the strings a CSV export would hold."""
    from sklearn.datasets import load_iris

    bunch = load_iris()
    rows = [
        [repr(float(v)) for v in values] + [str(bunch.target_names[t])]
        for values, t in zip(bunch.data, bunch.target, strict=True)
    ]
    text = "\n".join(",".join(r) for r in [list(REQUIRED), *rows]) + "\n"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return RawSource(name=EMBEDDED_NAME, batch_id=digest, table=_table(list(REQUIRED), rows, Path(EMBEDDED_NAME)))


# -- file checks ------------------------------------------------------------------------------------------------
def _check_file(path: Path) -> Path:
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a file")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        with path.open("rb") as handle:
            head = handle.read(CHUNK)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not head.strip():
        raise InputError(f"{path}: the file is empty")
    return path.resolve()


def _digest(path: Path) -> str:
    """The batch id: a hash of the file's bytes, so the same content always gives the same batch."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            sha.update(chunk)
    return sha.hexdigest()[:16]


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in JSON_SUFFIXES:
        return "json"
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == b"PAR1":
        return "parquet"
    return "json" if head.lstrip()[:1] in (b"{", b"[") else "csv"


def _decode(path: Path) -> str:
    """The file as text; anything but UTF-8 (a BOM is allowed) is refused with the offending position."""
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{path}: unreadable encoding (UTF-16); save the file as UTF-8")
    if b"\x00" in data:
        raise InputError(f"{path}: unreadable encoding (contains NUL bytes, not a text file)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{path}: unreadable encoding (byte 0x{data[exc.start]:02x} on line {line} is not UTF-8); "
            "save the file as UTF-8"
        ) from None


# -- layouts ----------------------------------------------------------------------------------------------------
def _read_csv(path: Path, text: str) -> pa.Table:
    records = (r for r in csv.reader(io.StringIO(text), dialect=_dialect(text)) if any(f.strip() for f in r))
    first = next(records, None)
    if first is None:  # pragma: no cover - an all-blank file is refused as empty before
        raise InputError(f"{path}: the file is empty")
    if any(canonical_column(name) for name in first):
        header, rows = first, list(records)
        if not rows:
            raise InputError(f"{path}: has a header but no data rows")
        return _table(header, rows, path)
    if len(first) == len(REQUIRED) and _looks_numeric(first[: len(MEASUREMENTS)]):
        # The UCI iris.data layout: no header, four measurements then the class (Iris-setosa, …).
        return _table(list(REQUIRED), [first, *records], path)
    raise InputError(
        f"{path}: no header naming the Iris columns ({', '.join(REQUIRED)}) and not the 5-column headerless "
        f"UCI layout (first line has {len(first)} field(s))"
    )


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first_line = text.lstrip().split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _looks_numeric(values: Sequence[str]) -> bool:
    def number(value: str) -> bool:
        try:
            float(value)
        except ValueError:
            return False
        return True

    return any(number(v) for v in values)


def _read_json(path: Path, text: str) -> pa.Table:
    objects = list(_json_objects(path, text))
    if not objects:
        raise InputError(f"{path}: has no data rows")
    names = list(dict.fromkeys(key for obj in objects for key in obj))
    header = names
    rows = [[_as_text(obj.get(key)) for key in names] for obj in objects]
    return _table(header, rows, path)


def _json_objects(path: Path, text: str) -> Iterator[dict[str, Any]]:
    if text.lstrip().startswith("["):  # a JSON array of objects is accepted too
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON ({exc.msg} on line {exc.lineno})") from None
        yield from _objects(path, enumerate(items, start=1), what="item")
        return
    parsed = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            parsed.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line {number} is not valid JSON ({exc.msg})") from None
    yield from _objects(path, parsed, what="line")


def _objects(path: Path, items: Iterable[tuple[int, Any]], *, what: str) -> Iterator[dict[str, Any]]:
    for number, item in items:
        if not isinstance(item, dict):
            raise InputError(f"{path}: {what} {number} is not a JSON object")
        yield item


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value)


def _read_parquet(path: Path) -> pa.Table:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    mapping = _column_mapping(path, table.column_names)
    if table.num_rows == 0:
        raise InputError(f"{path}: has no data rows")
    columns = {}
    for canonical, original in mapping.items():
        column = table.column(original)
        try:
            columns[canonical] = column.cast(pa.string())
        except (pa.ArrowException, NotImplementedError):  # nested types: keep their text form
            columns[canonical] = pa.array([_as_text(v) for v in column.to_pylist()], pa.string())
    columns[POSITION] = pa.array(range(1, table.num_rows + 1), pa.int64())
    return pa.table(columns)


# -- shared -----------------------------------------------------------------------------------------------------
def _column_mapping(path: Path, names: Sequence[str]) -> dict[str, str]:
    """Canonical column -> the source's column; refuses missing and ambiguous columns."""
    mapping: dict[str, str] = {}
    for name in names:
        canonical = canonical_column(str(name))
        if canonical is None:
            continue
        if canonical in mapping:
            raise InputError(f"{path}: columns {mapping[canonical]!r} and {name!r} both mean {canonical}")
        mapping[canonical] = str(name)
    missing = [c for c in REQUIRED if c not in mapping]
    if missing:
        found = ", ".join(str(n) for n in names) or "none"
        raise InputError(f"{path}: missing required column(s) {', '.join(missing)} (found: {found})")
    return {c: mapping[c] for c in REQUIRED}


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], path: Path) -> pa.Table:
    """Rows (ragged rows padded with nulls, extra fields ignored) as string columns plus positions."""
    mapping = _column_mapping(path, header)
    index = {name: i for i, name in enumerate(header)}
    columns = {}
    for canonical, original in mapping.items():
        i = index[original]
        columns[canonical] = pa.array([row[i] if i < len(row) else None for row in rows], pa.string())
    columns[POSITION] = pa.array(range(1, len(rows) + 1), pa.int64())
    return pa.table(columns)
