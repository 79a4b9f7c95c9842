"""Scoring input: raw records validated like silver (bad rows to quarantine with every reason), files parsed.

Inference accepts records without a label: a missing species is not a reason to quarantine (it is a reason in
silver, which keeps labelled rows only); an unknown species still is, so a bad label never reaches monitoring.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from iris_mlops.config import MEASUREMENTS
from iris_mlops.schemas import (
    BATCH_ID,
    BUSINESS_COLUMNS,
    INGESTED_AT,
    QUARANTINE_SCHEMA,
    REASONS,
    RUN_ID,
    SOURCE,
    SOURCE_POSITION,
    SPECIES,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

FILE_ERROR = "file_error"
LABEL_MISSING = f"null:{SPECIES}"
UNREADABLE = "unreadable_file"


def validate_input(
    raw: DataFrame, *, ranges: Mapping[str, tuple[float, float]], species: Sequence[str], run_id: str
) -> tuple[DataFrame, DataFrame]:
    """Raw records -> (scorable rows: key, measurements as doubles, label or null; quarantined rows).

    `raw` holds `batch_id`, `source_position`, `ingested_at`, the business columns (any type: they are read as
    text, as bronze keeps them) and optionally `file_error` (a whole file that could not be read).
    """
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.layers import conform
    from iris_mlops.layers.silver import TYPED, passes_checks, validate_rows

    text = raw.withColumns({c: F.col(c).cast("string") for c in BUSINESS_COLUMNS})
    checked = validate_rows(text, ranges=ranges, species=species)
    reasons = F.filter(F.col(REASONS), lambda reason: reason != F.lit(LABEL_MISSING))
    if FILE_ERROR in raw.columns:
        reasons = F.when(F.col(FILE_ERROR).isNotNull(), F.array(F.col(FILE_ERROR))).otherwise(reasons)
    checked = checked.withColumns({REASONS: reasons, RUN_ID: F.lit(run_id)})
    # Split on the checks, not on the size of `reasons`: the array is then built for quarantined rows only.
    passes = passes_checks(ranges, species, label_required=False)
    if FILE_ERROR in raw.columns:
        passes = passes & F.col(FILE_ERROR).isNull()
    label = F.col(f"{TYPED}{SPECIES}")
    scorable = checked.filter(passes).select(
        BATCH_ID,
        F.col(SOURCE_POSITION).cast("long").alias(SOURCE_POSITION),
        *[F.col(f"{TYPED}{m}").alias(m) for m in MEASUREMENTS],
        F.when(label != "", label).alias(SPECIES),
    )
    return scorable, conform(checked.filter(~passes), schema=QUARANTINE_SCHEMA)


def parse_files(files: DataFrame) -> DataFrame:
    """Files as `binaryFile` reads them (path, modificationTime, content) -> raw records, on the executors.

    Every layout bronze reads is accepted (`sources.read_source`); a file it refuses becomes one record whose
    `file_error` says why, so a malformed file is quarantined instead of stopping a stream. Two copies of one
    file (same bytes: same batch id) yield its records once.
    """
    return (
        files.select("path", "modificationTime", "content")
        .mapInPandas(_parse_batches, schema=parsed_schema())
        .dropDuplicates([BATCH_ID, SOURCE_POSITION])
    )


def parsed_schema() -> StructType:
    """Raw records of parsed files: key, source file, arrival time, raw strings, file error."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

    return StructType(
        [
            StructField(BATCH_ID, StringType()),
            StructField(SOURCE_POSITION, LongType()),
            StructField(SOURCE, StringType()),
            StructField(INGESTED_AT, TimestampType()),
            *[StructField(c, StringType()) for c in BUSINESS_COLUMNS],
            StructField(FILE_ERROR, StringType()),
        ]
    )


def _parse_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for batch in batches:
        rows = batch.itertuples()
        frames = [parse_file(str(row.path), bytes(row.content or b""), row.modificationTime) for row in rows]
        if frames:
            yield pd.concat(frames, ignore_index=True)


def parse_file(path: str, data: bytes, arrived: object) -> pd.DataFrame:
    """One file's raw records (pandas), or a single record carrying the reason it cannot be read."""
    import hashlib

    from iris_mlops.errors import InputError

    name = path.removeprefix("file:")
    columns = [BATCH_ID, SOURCE_POSITION, SOURCE, INGESTED_AT, *BUSINESS_COLUMNS, FILE_ERROR]
    digest = hashlib.sha256(data).hexdigest()[:16]  # what read_source computes: the same batch id as bronze
    try:
        frame = _read_bytes(name, data)
    except InputError as exc:
        error = f"{UNREADABLE}: {str(exc).split(': ', 1)[-1]}"
        return pd.DataFrame([[digest, 0, name, arrived, *[None] * len(BUSINESS_COLUMNS), error]], columns=columns)
    frame[BATCH_ID], frame[SOURCE], frame[INGESTED_AT], frame[FILE_ERROR] = digest, name, arrived, None
    return frame.loc[:, columns]


def _read_bytes(name: str, data: bytes) -> pd.DataFrame:
    """The records of a file's bytes, read by `sources.read_source` exactly as bronze reads the file."""
    import tempfile
    from pathlib import Path

    from iris_mlops.sources import read_source

    with tempfile.TemporaryDirectory(prefix="iris-mlops-landed-") as folder:
        copy = Path(folder) / (Path(name).name or "landed")  # keeps the suffix: it tells the layout
        copy.write_bytes(data)
        raw = read_source(copy, staging_dir=Path(folder) / "parts", label_optional=True)
        try:
            return raw.table.to_pandas()
        finally:
            raw.close()


def keyed_rows(df: DataFrame, *, batch_id: str, ingested_at: datetime) -> DataFrame:
    """A table's rows with a record key: its own `batch_id`/`source_position` when it has them (bronze, silver,
    features), else `batch_id` (the table and version) and a position from a deterministic order of the values.
    A missing species column means unlabelled records."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F  # noqa: N812

    label = F.col(SPECIES).cast("string") if SPECIES in df.columns else F.lit(None).cast("string")
    values = [*[F.col(m).cast("string").alias(m) for m in MEASUREMENTS], label.alias(SPECIES)]
    if BATCH_ID in df.columns and SOURCE_POSITION in df.columns:
        key = [F.col(BATCH_ID).cast("string").alias(BATCH_ID),
               F.col(SOURCE_POSITION).cast("long").alias(SOURCE_POSITION)]
    else:
        # Identical records are interchangeable, so ordering by the values gives the same keys on every re-run.
        order = Window.orderBy(*[F.col(m).asc_nulls_last() for m in MEASUREMENTS], label.asc_nulls_last())
        key = [F.lit(batch_id).alias(BATCH_ID), F.row_number().over(order).cast("long").alias(SOURCE_POSITION)]
    return df.select(*key, F.lit(ingested_at).cast("timestamp").alias(INGESTED_AT), *values)


def unscored_batches(
    source: DataFrame, predictions: DataFrame | None, *, model_name: str, model_version: str, mode: str
) -> DataFrame:
    """The distinct `batch_id`s of `source` with no row scored by this model version in this mode."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.schemas import MODE, MODEL_NAME, MODEL_VERSION

    batches = source.select(BATCH_ID).distinct()
    if predictions is None:
        return batches
    done = predictions.filter(
        (F.col(MODEL_NAME) == model_name) & (F.col(MODEL_VERSION) == model_version) & (F.col(MODE) == mode)
    ).select(BATCH_ID)
    return batches.join(done.distinct(), on=BATCH_ID, how="left_anti")
