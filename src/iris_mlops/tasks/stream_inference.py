"""Task `stream-inference`: Structured Streaming from a landing folder, each micro-batch validated, scored, written.

Locally the source is Spark's file stream source (`binaryFile`, so every layout bronze reads is accepted and a
file's batch id is the same content hash bronze gives it); on Databricks it is Auto Loader (`cloudFiles`) over a
Unity Catalog volume. The sink is `foreachBatch` through the table store. Exactly once: the checkpoint records
which files each micro-batch holds, and the writes are keyed by record (file hash + position) and model version,
so a micro-batch replayed after a crash replaces its rows instead of adding them.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iris_mlops.errors import ConfigError, IrisMlopsError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.streaming import StreamingQuery

    from iris_mlops.inference.model import LoadedModel
    from iris_mlops.tasks.context import TaskContext


@dataclass(frozen=True)
class StreamResult:
    """What a streaming run did: micro-batches, files, rows scored and quarantined, where it reads and keeps state."""

    landing: str
    checkpoint: str
    available_now: bool
    micro_batches: int
    files: int
    rows_scored: int
    rows_quarantined: int
    predictions_table: str
    model_name: str
    model_version: str
    model_alias: str | None
    run_id: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for --json output."""
        return asdict(self)


@dataclass
class _Progress:
    micro_batches: int = 0
    files: int = 0
    scored: int = 0
    refused: int = 0
    batch_ids: list[int] = field(default_factory=list)
    error: IrisMlopsError | None = None  # a user-facing failure inside a micro-batch, re-raised as one line


def landing_path(ctx: TaskContext, landing: str | None) -> str:
    """--landing, else the configured folder, else `<home>/landing` (a volume folder on Databricks)."""
    settings = ctx.settings
    chosen = landing or settings.inference.landing
    if chosen:
        return str(chosen)
    if settings.store == "spark_delta":
        return f"/Volumes/{settings.catalog}/{settings.schema_name}/landing"
    return str(settings.home / "landing")


def checkpoint_path(ctx: TaskContext, landing: str) -> str:
    """The configured checkpoint, else one per landing location under the home (or the Databricks volume)."""
    settings = ctx.settings
    if settings.inference.checkpoint:
        return settings.inference.checkpoint
    # One checkpoint per landing folder: a checkpoint remembers the files of the folder it was started on.
    suffix = hashlib.sha256(landing.encode("utf-8")).hexdigest()[:12]
    if settings.store == "spark_delta":
        return f"/Volumes/{settings.catalog}/{settings.schema_name}/checkpoints/stream_inference/{suffix}"
    return str(settings.home / "checkpoints" / "stream-inference" / suffix)


def run_stream_inference(
    ctx: TaskContext,
    *,
    landing: str | None = None,
    available_now: bool = True,
    trigger_seconds: float | None = None,
    model_alias: str | None = None,
    model_version: str | None = None,
) -> StreamResult:
    """Score every file landing in the folder: once (`available_now`) or every `trigger_seconds` until stopped."""
    from iris_mlops.tasks.inference import load_model

    if trigger_seconds is not None and trigger_seconds <= 0:
        raise ConfigError(f"--trigger-seconds must be positive, got {trigger_seconds}")
    model = load_model(ctx, model_alias=model_alias, model_version=model_version)
    where = landing_path(ctx, landing)
    if ctx.settings.store == "local_delta":
        Path(where).mkdir(parents=True, exist_ok=True)
    checkpoint = checkpoint_path(ctx, where)
    progress = _Progress()
    query = start_query(ctx, model, where, checkpoint, progress, available_now=available_now,
                        trigger_seconds=trigger_seconds or ctx.settings.inference.trigger_seconds)
    mode = "available files" if available_now else f"every {trigger_seconds or ctx.settings.inference.trigger_seconds}s"
    ctx.echo(f"streaming {where} ({mode}) with model {model.name} version {model.version}; checkpoint {checkpoint}")
    await_query(ctx, query, progress)
    return StreamResult(where, checkpoint, available_now, progress.micro_batches, progress.files, progress.scored,
                        progress.refused, ctx.settings.table("predictions"), model.name, model.version, model.alias,
                        ctx.run_id)


def read_landing(ctx: TaskContext, where: str) -> DataFrame:
    """The landing folder as a stream of files: path, modification time, length, bytes."""
    from pyspark.sql.types import BinaryType, LongType, StringType, StructField, StructType, TimestampType

    schema = StructType([StructField("path", StringType()), StructField("modificationTime", TimestampType()),
                         StructField("length", LongType()), StructField("content", BinaryType())])
    limit = str(ctx.settings.inference.max_files_per_trigger)
    if ctx.settings.store == "spark_delta":  # Auto Loader: scalable listing and file notification on Databricks
        reader = ctx.spark.readStream.format("cloudFiles").option("cloudFiles.format", "binaryFile")
        return reader.option("cloudFiles.maxFilesPerTrigger", limit).schema(schema).load(where)
    return ctx.spark.readStream.format("binaryFile").option("maxFilesPerTrigger", limit).schema(schema).load(where)


def start_query(
    ctx: TaskContext, model: LoadedModel, where: str, checkpoint: str, progress: _Progress, *,
    available_now: bool, trigger_seconds: float,
) -> StreamingQuery:
    """Start the query whose foreachBatch validates, scores and writes each micro-batch."""
    def micro_batch(files: DataFrame, batch_id: int) -> None:
        try:
            process_micro_batch(ctx, model, files, batch_id, progress)
        except IrisMlopsError as exc:  # fails the query (nothing committed for this micro-batch); shown as one line
            progress.error = exc
            raise

    writer = read_landing(ctx, where).writeStream.foreachBatch(micro_batch).option("checkpointLocation", checkpoint)
    writer = writer.queryName(f"iris_stream_inference_{ctx.run_id}".replace("-", "_")[:100])
    if available_now:
        return writer.trigger(availableNow=True).start()
    return writer.trigger(processingTime=f"{trigger_seconds} seconds").start()


def process_micro_batch(ctx: TaskContext, model: LoadedModel, files: DataFrame, batch_id: int,
                        progress: _Progress) -> None:
    """One micro-batch: parse the files, quarantine bad rows, score the rest, merge (a replay replaces its rows)."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.inference.inputs import parse_files
    from iris_mlops.schemas import BATCH_ID
    from iris_mlops.tasks.inference import ScoringInput, validate_records, write_scored

    started = time.monotonic()
    # The batch id of a file is the hash of its bytes, exactly as parse_bytes and bronze compute it.
    hashed = files.select(F.substring(F.sha2(F.col("content"), 256), 1, 16).alias(BATCH_ID)).distinct().collect()
    batches = tuple(sorted(row[BATCH_ID] for row in hashed))
    if not batches:
        return
    scorable, quarantine = validate_records(ctx, parse_files(files))
    result = write_scored(ctx, model, ScoringInput(f"micro-batch {batch_id}", scorable, quarantine, batches),
                          mode="stream", scored_at=datetime.now(timezone.utc))
    progress.micro_batches += 1
    progress.files += len(batches)
    progress.scored += result.rows_scored
    progress.refused += result.rows_quarantined
    progress.batch_ids.append(batch_id)
    ctx.echo(f"micro-batch {batch_id}: {len(batches)} file(s), {result.rows_scored} scored, "
             f"{result.rows_quarantined} quarantined in {time.monotonic() - started:.1f}s")


def await_query(ctx: TaskContext, query: StreamingQuery, progress: _Progress) -> None:
    """Wait for the query to end; Ctrl-C stops a continuous stream cleanly (the checkpoint keeps its place)."""
    try:
        query.awaitTermination()
    except KeyboardInterrupt:
        ctx.echo("stopping the stream (interrupted); it resumes from its checkpoint next time")
        query.stop()
    except Exception:
        if progress.error is not None:
            raise progress.error from None
        raise
