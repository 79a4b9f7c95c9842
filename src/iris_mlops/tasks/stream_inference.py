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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from iris_mlops.errors import ConfigError, IrisMlopsError
from iris_mlops.tasks.command import TaskResult, task
from iris_mlops.tasks.context import TaskContext
from iris_mlops.tasks.inference import ModelAliasOption, ModelVersionOption

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.streaming import StreamingQuery

    from iris_mlops.config import Settings
    from iris_mlops.inference.model import LoadedModel

LandingOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--landing", help="Folder (or volume path) the files land in; default: <home>/landing."),
]
AvailableNowOption = Annotated[
    bool,
    typer.Option("--available-now", help="Process the files there now, then stop (jobs; the only serverless trigger)."),
]
TriggerOption = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option("--trigger-seconds", help="Without --available-now: one micro-batch every N seconds (default 10)."),
]


@dataclass
class StreamResult(TaskResult):
    """What a streaming run did: micro-batches, files, rows scored and quarantined, where it reads and keeps state."""

    landing: str
    checkpoint: str
    available_now: bool
    micro_batches: int
    files: int  # distinct files by content (a file's batch id is its content hash)
    rows_scored: int
    rows_quarantined: int
    predictions_table: str
    model_name: str
    model_version: str
    model_alias: str | None
    run_id: str


@dataclass
class MicroBatchWriter:
    """The foreachBatch function. Picklable: Spark Connect (serverless) runs it in a process on the server, so
    it rebuilds the store from the micro-batch's own session instead of carrying the driver's."""

    settings: Settings
    run_id: str
    model: LoadedModel
    challenger: LoadedModel | None = None  # the A/B test's other arm, when it is on
    quiet: bool = False
    errors: list[IrisMlopsError] = field(default_factory=list)  # seen by the driver on classic Spark only

    def __call__(self, files: DataFrame, batch_id: int) -> None:
        ctx = TaskContext(name="stream-inference", settings=self.settings, run_id=self.run_id, quiet=self.quiet)
        ctx.__dict__["spark"] = files.sparkSession  # the session this micro-batch belongs to (cached_property)
        try:
            process_micro_batch(ctx, self.model, files, batch_id, challenger=self.challenger)
        except IrisMlopsError as exc:  # fails the query (nothing committed for this micro-batch); shown as one line
            self.errors.append(exc)
            raise


def landing_path(ctx: TaskContext, landing: str | None) -> str:
    """--landing, else the configured folder, else `<home>/landing` (a volume folder on Databricks)."""
    settings = ctx.settings
    chosen = landing or settings.inference.landing
    if chosen:
        return str(chosen)
    if settings.store == "spark_delta":
        return f"/Volumes/{settings.catalog}/{settings.schema_name}/{settings.volume}/landing"
    return str(settings.home / "landing")


def checkpoint_path(ctx: TaskContext, landing: str) -> str:
    """The configured checkpoint, else one per landing location under the home (or the Databricks volume)."""
    settings = ctx.settings
    if settings.inference.checkpoint:
        return settings.inference.checkpoint
    # One checkpoint per landing folder: a checkpoint remembers the files of the folder it was started on.
    suffix = hashlib.sha256(landing.encode("utf-8")).hexdigest()[:12]
    if settings.store == "spark_delta":
        volume = f"/Volumes/{settings.catalog}/{settings.schema_name}/{settings.volume}"
        return f"{volume}/checkpoints/stream_inference/{suffix}"
    return str(settings.home / "checkpoints" / "stream-inference" / suffix)


@task(
    "stream-inference",
    help="Score the files landing in a folder as a stream (validated like silver, written exactly once); "
    "--available-now processes what is there and stops.",
    uses_mlflow=True,
)
def run_stream_inference(
    ctx: TaskContext,
    *,
    landing: LandingOption = None,
    available_now: AvailableNowOption = False,
    trigger_seconds: TriggerOption = None,
    model_alias: ModelAliasOption = None,
    model_version: ModelVersionOption = None,
) -> StreamResult:
    """Score every file landing in the folder: once (`available_now`) or every `trigger_seconds` until stopped."""
    from iris_mlops.tasks.inference import load_challenger, load_model

    if trigger_seconds is not None and trigger_seconds <= 0:
        raise ConfigError(f"--trigger-seconds must be positive, got {trigger_seconds}")
    model = load_model(ctx, model_alias=model_alias, model_version=model_version)
    where = landing_path(ctx, landing)
    if ctx.settings.store == "local_delta":
        Path(where).mkdir(parents=True, exist_ok=True)
    checkpoint = checkpoint_path(ctx, where)
    every = trigger_seconds or ctx.settings.inference.trigger_seconds
    challenger = load_challenger(ctx, model) if model_alias is None and model_version is None else None
    writer = MicroBatchWriter(ctx.settings, ctx.run_id, model, challenger, quiet=ctx.quiet)
    query = start_query(ctx, writer, where, checkpoint, available_now=available_now, trigger_seconds=every)
    ctx.echo(f"streaming {where} ({'available files' if available_now else f'every {every}s'}) with model "
             f"{model.name} version {model.version}; checkpoint {checkpoint}")
    await_query(ctx, query, writer)
    return stream_result(ctx, query, model, where, checkpoint, available_now=available_now)


def stream_result(
    ctx: TaskContext, query: StreamingQuery, model: LoadedModel, where: str, checkpoint: str, *, available_now: bool
) -> StreamResult:
    """Totals of this run: micro-batches from the query's progress, files and rows from the tables (by run id)."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.schemas import BATCH_ID, MODE, MODEL_VERSION, RUN_ID, SCORING_RUN_ID

    micro_batches = sum(1 for p in query.recentProgress if p.get("numInputRows"))  # the last 100 reports
    mine = (F.col(SCORING_RUN_ID) == ctx.run_id) & (F.col(MODE) == "stream") & (F.col(MODEL_VERSION) == model.version)
    scored = _rows(ctx, "predictions", mine)
    refused = _rows(ctx, "prediction_quarantine", F.col(RUN_ID) == ctx.run_id)
    present = [df for df in (scored, refused) if df is not None]
    files = present[0].select(BATCH_ID).unionByName(present[-1].select(BATCH_ID)).distinct().count() if present else 0
    return StreamResult(
        where, checkpoint, available_now, micro_batches, files, scored.count() if scored is not None else 0,
        refused.count() if refused is not None else 0, ctx.settings.table("predictions"), model.name, model.version,
        model.alias, ctx.run_id,
    )


def _rows(ctx: TaskContext, key: str, condition: Any) -> DataFrame | None:
    """The rows of the table configured under `key` matching `condition`; None before the table exists."""
    name = ctx.settings.table(key)
    return ctx.store.read(name).filter(condition) if ctx.store.exists(name) else None


def read_landing(ctx: TaskContext, where: str) -> DataFrame:
    """The landing folder as a stream of files: path, modification time, length, bytes."""
    from pyspark.sql.types import BinaryType, LongType, StringType, StructField, StructType, TimestampType

    schema = StructType([StructField("path", StringType()), StructField("modificationTime", TimestampType()),
                         StructField("length", LongType()), StructField("content", BinaryType())])
    limit = str(ctx.settings.inference.max_files_per_trigger)
    if ctx.settings.store == "spark_delta":  # Auto Loader (scalable listing); binaryFile's schema is fixed
        reader = ctx.spark.readStream.format("cloudFiles").option("cloudFiles.format", "binaryFile")
        return reader.option("cloudFiles.maxFilesPerTrigger", limit).load(where)
    return ctx.spark.readStream.format("binaryFile").option("maxFilesPerTrigger", limit).schema(schema).load(where)


def start_query(
    ctx: TaskContext, writer: MicroBatchWriter, where: str, checkpoint: str, *, available_now: bool,
    trigger_seconds: float,
) -> StreamingQuery:
    """Start the query whose foreachBatch validates, scores and writes each micro-batch."""
    stream = read_landing(ctx, where).writeStream.foreachBatch(writer).option("checkpointLocation", checkpoint)
    stream = stream.queryName(f"iris_stream_inference_{ctx.run_id}".replace("-", "_")[:100])
    if available_now:
        return stream.trigger(availableNow=True).start()
    return stream.trigger(processingTime=f"{trigger_seconds} seconds").start()


def process_micro_batch(
    ctx: TaskContext, model: LoadedModel, files: DataFrame, batch_id: int, *, challenger: LoadedModel | None = None
) -> None:
    """One micro-batch: parse the files, quarantine bad rows, score the rest, merge (a replay replaces its rows)."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.inference.inputs import parse_files
    from iris_mlops.schemas import BATCH_ID
    from iris_mlops.tasks.inference import ScoringInput, validate_records, write_scored

    started = time.monotonic()
    # The batch id of a file is the hash of its bytes, exactly as read_source and bronze compute it.
    hashed = files.select(F.substring(F.sha2(F.col("content"), 256), 1, 16).alias(BATCH_ID)).distinct().collect()
    batches = tuple(sorted(row[BATCH_ID] for row in hashed))
    if not batches:
        return
    scorable, quarantine = validate_records(ctx, parse_files(files))
    version, _ = write_scored(ctx, model, ScoringInput(f"micro-batch {batch_id}", scorable, quarantine, batches),
                              mode="stream", scored_at=datetime.now(timezone.utc), challenger=challenger)
    ctx.echo(f"micro-batch {batch_id}: {len(batches)} file(s) scored into {ctx.settings.table('predictions')} "
             f"version {version} in {time.monotonic() - started:.1f}s")


def await_query(ctx: TaskContext, query: StreamingQuery, writer: MicroBatchWriter) -> None:
    """Wait for the query to end; Ctrl-C stops a continuous stream cleanly (the checkpoint keeps its place)."""
    try:
        query.awaitTermination()
    except KeyboardInterrupt:
        ctx.echo("stopping the stream (interrupted); it resumes from its checkpoint next time")
        query.stop()
    except Exception:
        if writer.errors:
            raise writer.errors[0] from None
        raise
