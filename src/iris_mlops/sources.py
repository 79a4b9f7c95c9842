"""Read an input into raw string columns: the bundled scikit-learn Iris data, or a CSV, JSON lines or Parquet file.

Every value stays the string it arrived as (except decimal commas, which become points so that European exports
read as numbers), so that a non-number survives to be quarantined by silver. Files are read as a stream: one
pass hashes the bytes (the batch id) and checks the encoding, a second writes Parquet parts of about two million
rows into a staging folder, with each record's 1-based position. Every problem with the file itself raises an
InputError that names the file, before Spark or any table is touched.
"""

from __future__ import annotations

import atexit
import codecs
import hashlib
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from iris_mlops.errors import InputError
from iris_mlops.source_layout import SAMPLE_BYTES, canonical_column, detect_csv
from iris_mlops.source_parts import POSITION, RAW_SCHEMA, REQUIRED, SPECIES, PartWriter, read_parts

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["POSITION", "REQUIRED", "SPECIES", "RawSource", "canonical_column", "read_embedded", "read_source"]

EMBEDDED_NAME = "sklearn:load_iris"
CHUNK = 1 << 20
PARQUET_SUFFIXES = (".parquet", ".pq")
_OPEN_FOLDERS: set[Path] = set()


@atexit.register
def _remove_open_folders() -> None:
    for folder in list(_OPEN_FOLDERS):
        shutil.rmtree(folder, ignore_errors=True)
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")


class RawSource:
    """One input as raw strings in Parquet parts: the business columns plus each record's 1-based position."""

    def __init__(self, name: str, batch_id: str, parts: Sequence[Path], rows: int, folder: Path) -> None:
        self.name = name
        self.batch_id = batch_id
        self.parts = list(parts)
        self.rows = rows
        self.folder = folder
        # Spark reads the parts lazily, after this object may be gone: they live until close() or the process ends.
        _OPEN_FOLDERS.add(folder)

    @property
    def table(self) -> pa.Table:
        """Every row as one Arrow table: for small inputs and tests (this loads the whole input)."""
        return read_parts(self.parts)

    def to_spark(self, spark: SparkSession) -> DataFrame:
        """The rows as a Spark DataFrame of strings plus `source_position` (long), read from the parts."""
        from pyspark.sql.types import LongType, StringType, StructField, StructType

        schema = StructType(
            [*(StructField(c, StringType(), True) for c in REQUIRED), StructField(POSITION, LongType(), False)]
        )
        return spark.read.schema(schema).parquet(*(str(p) for p in self.parts))

    def close(self) -> None:
        """Delete the staged parts (once Spark has written what it read from them)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        _OPEN_FOLDERS.discard(self.folder)


def read_source(
    path: Path | None,
    *,
    staging_dir: Path | None = None,
    csv_sep: str | None = None,
    csv_decimal: str | None = None,
    label_optional: bool = False,
) -> RawSource:
    """Read `path` (CSV, JSON lines or Parquet), or the bundled Iris data when None, into staged Parquet parts.

    `staging_dir` is where the parts go (default: a temporary folder; on Databricks pass a volume path that the
    cluster can read). `csv_sep` and `csv_decimal` force the separator and decimal mark that are otherwise
    detected from the first lines (`;` and `5,1` are recognised). `label_optional`: records to score may come
    without a species column (read as nulls).
    """
    if path is None:
        return read_embedded(staging_dir=staging_dir)
    checked = _check_file(Path(path))
    kind = _kind(checked)
    digest = _digest(checked, text=kind != "parquet")
    folder = _new_folder(staging_dir)
    writer = PartWriter(folder)
    try:
        _stream(checked, kind, writer, csv_sep=csv_sep, csv_decimal=csv_decimal, label_optional=label_optional)
        parts = writer.close()
        if writer.rows == 0:
            problem = "has a header but no data rows" if kind == "csv" else "has no data rows"
            raise InputError(f"{checked}: {problem}")
    except BaseException:
        writer.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return RawSource(str(checked), digest, parts, writer.rows, folder)


def _stream(path: Path, kind: str, writer: PartWriter, *, csv_sep: str | None, csv_decimal: str | None,
            label_optional: bool) -> None:
    from iris_mlops.source_readers import stream_csv, stream_json, stream_parquet

    if kind == "parquet":
        stream_parquet(path, writer, label_optional=label_optional)
        return
    head = _head(path)
    if kind == "json":
        stream_json(path, writer, is_array=head.lstrip().startswith("["), label_optional=label_optional)
        return
    layout = detect_csv(path, head, sep=csv_sep, decimal=csv_decimal, label_optional=label_optional)
    stream_csv(path, layout, writer)


def read_embedded(*, staging_dir: Path | None = None) -> RawSource:
    """The 150 Iris rows bundled with scikit-learn (no network), as the strings a CSV export would hold."""
    from sklearn.datasets import load_iris

    bunch = load_iris()
    rows = [
        [repr(float(v)) for v in values] + [str(bunch.target_names[t])]
        for values, t in zip(bunch.data, bunch.target, strict=True)
    ]
    text = "\n".join(",".join(r) for r in [list(REQUIRED), *rows]) + "\n"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    folder = _new_folder(staging_dir)
    writer = PartWriter(folder)
    writer.write({c: [r[i] for r in rows] for i, c in enumerate(REQUIRED)})
    return RawSource(EMBEDDED_NAME, digest, writer.close(), writer.rows, folder)


def _new_folder(staging_dir: Path | None) -> Path:
    if staging_dir is None:
        return Path(tempfile.mkdtemp(prefix="iris-mlops-source-"))
    Path(staging_dir).mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="source-", dir=staging_dir))


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


def _digest(path: Path, *, text: bool) -> str:
    """The batch id (a hash of the file's bytes: same content, same batch); text files are checked to be UTF-8."""
    sha = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")() if text else None
    lines, first = 0, True
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            sha.update(chunk)
            if decoder is not None:
                _check_text(path, chunk, decoder, lines, first=first)
                lines += chunk.count(b"\n")
            first = False
        if decoder is not None:
            _check_text(path, b"", decoder, lines, first=False, final=True)
    return sha.hexdigest()[:16]


def _check_text(
    path: Path, chunk: bytes, decoder: codecs.IncrementalDecoder, lines: int, *, first: bool, final: bool = False
) -> None:
    """Anything but UTF-8 (a BOM is allowed) is refused with the offending line."""
    if first and chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{path}: unreadable encoding (UTF-16); save the file as UTF-8")
    if b"\x00" in chunk:
        raise InputError(f"{path}: unreadable encoding (contains NUL bytes, not a text file)")
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError as exc:
        # exc.object is the decoder's pending bytes (never a newline) plus this chunk
        data = bytes(exc.object)
        bad = data[exc.start]
        line = lines + data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{path}: unreadable encoding (byte 0x{bad:02x} on line {line} is not UTF-8); save the file as UTF-8"
        ) from None


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


def _head(path: Path) -> str:
    """The first 64 KB as text, without a last line that may be cut."""
    with path.open("rb") as handle:
        data = handle.read(SAMPLE_BYTES + 1)
    text = data[:SAMPLE_BYTES].decode("utf-8-sig", errors="ignore")
    if len(data) > SAMPLE_BYTES and "\n" in text:
        text = text.rsplit("\n", 1)[0]
    return text


RAW_COLUMNS = RAW_SCHEMA.names
