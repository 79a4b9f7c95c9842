"""Tasks `batch-inference` and `stream-inference`: score records with a registered model into the predictions table.

Read -> validate -> score -> write, all lower logic in `iris_mlops.inference`. Writes are idempotent: the
predictions table is merged on (sample_id, model_name, model_version, mode), so scoring the same records with
the same model version again replaces their rows; quarantined rows replace their batch in the inference
quarantine table. Bad input (model, alias, version, feature version, columns, empty input) stops before any write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import pandas as pd  # pandas_udf resolves the arm function's type hints from this module's globals
import typer

from iris_mlops.errors import ConfigError, InputError, TableNotFoundError
from iris_mlops.tasks.command import TaskResult, task
from iris_mlops.tasks.context import TaskContext

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from iris_mlops.inference.model import LoadedModel

# typer reads these annotations at runtime: keep Optional[...] (PEP 604 unions break on Python 3.10's typer).
TableOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--table", help="Score every row of this table (NAME or catalog.schema.name) instead of silver."),
]
SourceFileOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--source", help="Score a file (CSV, JSON lines or Parquet: any layout bronze reads; label optional)"),
]
ModelAliasOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--model-alias", help="Registry alias of the model (default: inference.model_alias, champion)."),
]
ModelVersionOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--model-version", help="Registry version of the model, instead of an alias."),
]


@dataclass
class BatchInferenceResult(TaskResult):
    """What one batch inference run scored and wrote."""

    input: str
    batches: tuple[str, ...]
    rows_scored: int
    rows_quarantined: int
    predictions_table: str
    predictions_version: int | None
    quarantine_version: int | None
    model_name: str
    model_version: str
    model_alias: str | None
    feature_version: str
    run_id: str


@dataclass(frozen=True)
class ScoringInput:
    """Validated records to score, the rows refused (None: the input was validated upstream), and their batches."""

    description: str
    scorable: DataFrame
    quarantine: DataFrame | None
    batches: tuple[str, ...]


@task(
    "batch-inference",
    help="Score new silver batches (or --table / --source) with the champion (or --model-alias / --model-version) "
    "into the predictions table; idempotent per model version.",
    uses_mlflow=True,
)
def run_batch_inference(
    ctx: TaskContext,
    *,
    table: TableOption = None,
    source: SourceFileOption = None,
    model_alias: ModelAliasOption = None,
    model_version: ModelVersionOption = None,
) -> BatchInferenceResult:
    """Score new silver batches (default), a table or a file with the chosen model; write the predictions."""
    if table and source:
        raise ConfigError("give --table or --source, not both")
    model = load_model(ctx, model_alias=model_alias, model_version=model_version)
    ctx.echo(f"model {model.name} version {model.version}" + (f" (@{model.alias})" if model.alias else ""))
    if source is not None:
        scoring_input = source_input(ctx, source)
    elif table is not None:
        scoring_input = table_input(ctx, table)
    else:
        scoring_input = new_silver_batches(ctx, model)
    if not scoring_input.batches:
        ctx.echo(f"nothing to do: every {scoring_input.description} batch is already scored by version "
                 f"{model.version}")
        return _result(ctx, model, scoring_input, 0, 0, None, None)
    ctx.echo(f"scoring {scoring_input.description}: {len(scoring_input.batches)} batch(es)")
    challenger = load_challenger(ctx, model) if model_alias is None and model_version is None else None
    versions = write_scored(ctx, model, scoring_input, mode="batch", scored_at=datetime.now(timezone.utc),
                            challenger=challenger)
    scored, refused = count_written(ctx, [model, *([challenger] if challenger else [])], scoring_input.batches,
                                    mode="batch")
    ctx.echo(f"{ctx.settings.table('predictions')} version {versions[0]}: {scored} rows scored, {refused} quarantined")
    return _result(ctx, model, scoring_input, scored, refused, *versions)


def load_model(ctx: TaskContext, *, model_alias: str | None, model_version: str | None) -> LoadedModel:
    """The model to score with (default: the configured alias, `champion`), checked against FEATURE_VERSION."""
    from iris_mlops.features.definitions import FEATURE_VERSION
    from iris_mlops.inference.model import resolve_model
    from iris_mlops.ml.registry import client
    from iris_mlops.ml.tracking import configure_mlflow

    if model_alias and model_version:
        raise ConfigError("give --model-alias or --model-version, not both")
    target = configure_mlflow(ctx.settings)
    alias = None if model_version else (model_alias or ctx.settings.inference.model_alias)
    return resolve_model(client(), model_name=target.model_name, alias=alias, version=model_version,
                         expected_feature_version=FEATURE_VERSION)


def source_input(ctx: TaskContext, source: Path) -> ScoringInput:
    """A file in any layout bronze reads. Bad rows are quarantined, not scored."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.schemas import BATCH_ID, INGESTED_AT
    from iris_mlops.sources import read_source

    raw = read_source(source, label_optional=True)  # file problems raise here, before Spark or any table
    ctx.echo(f"read {raw.rows} rows from {raw.name} (batch {raw.batch_id})")
    frame = raw.to_spark(ctx.spark).withColumns(
        {BATCH_ID: F.lit(raw.batch_id), INGESTED_AT: F.lit(datetime.now(timezone.utc)).cast("timestamp")}
    )
    scorable, quarantine = validate_records(ctx, frame)
    return ScoringInput(f"file {raw.name}", scorable, quarantine, (raw.batch_id,))


def table_input(ctx: TaskContext, name: str) -> ScoringInput:
    """Every row of a table holding the four measurements (a species column is used as the label when present)."""
    from iris_mlops.inference.inputs import keyed_rows

    qualified = ctx.settings.qualify(name)
    if not ctx.store.exists(qualified):
        raise InputError(f"table {qualified} does not exist: check the name with `iris-mlops tables list`")
    version = ctx.store.version(qualified)
    df = ctx.store.read(qualified, version=version)
    missing = [c for c in _measurements() if c not in df.columns]
    if missing:
        raise InputError(f"table {qualified} lacks the measurement column(s) {', '.join(missing)}")
    if df.isEmpty():
        raise InputError(f"table {qualified} version {version} is empty: nothing to score")
    keyed = keyed_rows(df, batch_id=f"{qualified}@v{version}", ingested_at=datetime.now(timezone.utc))
    scorable, quarantine = validate_records(ctx, keyed)
    return ScoringInput(f"table {qualified} version {version}", scorable, quarantine, _batch_ids(keyed))


def new_silver_batches(ctx: TaskContext, model: LoadedModel) -> ScoringInput:
    """Silver batches the model version has not scored yet (silver rows are valid: no quarantine)."""
    from iris_mlops.inference.inputs import unscored_batches
    from iris_mlops.inference.scoring import INPUT_COLUMNS
    from iris_mlops.schemas import BATCH_ID

    silver = ctx.settings.table("silver")
    if not ctx.store.exists(silver):
        raise TableNotFoundError(f"silver table {silver} does not exist: run `iris-mlops silver` first")
    silver_df = ctx.store.read(silver, version=ctx.store.version(silver))
    predictions = ctx.settings.table("predictions")
    scored = ctx.store.read(predictions) if ctx.store.exists(predictions) else None
    todo = unscored_batches(silver_df, scored, model_name=model.name, model_version=model.version, mode="batch")
    batches = tuple(sorted(row[BATCH_ID] for row in todo.collect()))
    rows = silver_df.filter(silver_df[BATCH_ID].isin(list(batches))).select(*INPUT_COLUMNS)
    return ScoringInput(f"silver table {silver}", rows, None, batches)


def load_challenger(ctx: TaskContext, champion: LoadedModel) -> LoadedModel | None:
    """The `challenger` when the A/B test is on (a challenger share, or shadow mode), else None."""
    ab = ctx.settings.ab
    if ab.mode == "split" and ab.challenger_share == 0:
        return None
    challenger = load_model(ctx, model_alias="challenger", model_version=None)
    if challenger.version == champion.version:
        ctx.echo(f"A/B: challenger and champion are both version {champion.version}; scoring with it once")
        return None
    ctx.echo(f"A/B ({ab.mode}, challenger share {ab.challenger_share}): challenger version {challenger.version}")
    return challenger


def score_arms(
    ctx: TaskContext, champion: LoadedModel, challenger: LoadedModel | None, rows: DataFrame, *, mode: str,
    scored_at: datetime,
) -> DataFrame:
    """Predictions of the champion, or of both A/B arms: split by `serving.ab.assign_arm` on sample_id, or shadow."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.features.transforms import sample_id_column
    from iris_mlops.inference.scoring import score

    def run(model: LoadedModel, frame: DataFrame, arm: str, served: bool) -> DataFrame:
        return score(frame, model=model.pipeline, model_name=model.name, model_version=model.version,
                     model_alias=model.alias, feature_version=model.feature_version, run_id=ctx.run_id,
                     scored_at=scored_at, mode=mode, ab_arm=arm, served=served)

    if challenger is None:
        return run(champion, rows, "champion", True)
    if ctx.settings.ab.mode == "shadow":  # both score every record; only the champion's answer counts as served
        return run(champion, rows, "champion", True).unionByName(run(challenger, rows, "challenger", False))
    armed = rows.withColumn("_arm", _arm_udf(ctx.settings.ab.challenger_share, ctx.settings.ab.salt)(
        sample_id_column()))
    return run(champion, armed.filter(F.col("_arm") == "champion").drop("_arm"), "champion", True).unionByName(
        run(challenger, armed.filter(F.col("_arm") == "challenger").drop("_arm"), "challenger", True))


def _arm_udf(share: float, salt: str) -> Any:
    """sample_id -> arm with the serving split's own function, so batch, stream and online agree on every key."""
    from pyspark.sql.functions import pandas_udf

    from iris_mlops.serving.ab import assign_arm

    def arms(keys: pd.Series) -> pd.Series:
        return keys.map(lambda key: assign_arm(key, challenger_share=share, salt=salt))

    return pandas_udf(arms, "string")  # type: ignore[call-overload]


def write_scored(
    ctx: TaskContext, model: LoadedModel, scoring_input: ScoringInput, *, mode: str, scored_at: datetime,
    challenger: LoadedModel | None = None,
) -> tuple[int, int | None]:
    """Score on the executors, merge the predictions, replace the batches' quarantined rows; the versions written."""
    predictions = score_arms(ctx, model, challenger, scoring_input.scorable, mode=mode, scored_at=scored_at)
    predictions_version = write_predictions(ctx, predictions)
    quarantine_version = None
    if scoring_input.quarantine is not None:
        quarantine_version = ctx.store.replace_where(
            ctx.settings.table("prediction_quarantine"), scoring_input.quarantine, column="batch_id",
            values=list(scoring_input.batches), run_id=ctx.run_id,
        )
    return predictions_version, quarantine_version


def write_predictions(ctx: TaskContext, predictions: DataFrame) -> int:
    """Merge on the predictions key (idempotent); a new table gets its description, key and properties."""
    from iris_mlops.schemas import PREDICTIONS_KEY
    from iris_mlops.storage import TableProperties

    table = ctx.settings.table("predictions")
    creating = not ctx.store.exists(table)
    version = ctx.store.merge(table, predictions, keys=PREDICTIONS_KEY, run_id=ctx.run_id)
    if creating:
        # Change data feed lets Lakehouse Monitoring refresh incrementally; delta-rs commits here carry no CDC files.
        extra = {"delta.enableChangeDataFeed": "true"} if ctx.settings.store == "spark_delta" else {}
        properties = TableProperties(
            description="Iris predictions: one row per scored record and model version (batch, stream, online).",
            primary_key=PREDICTIONS_KEY, extra=extra,
        )
        version = ctx.store.set_properties(table, properties, run_id=ctx.run_id)
    return version


def count_written(
    ctx: TaskContext, models: list[LoadedModel], batches: tuple[str, ...], *, mode: str
) -> tuple[int, int]:
    """(predictions rows, quarantined rows) the tables now hold for these batches and these model versions."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.schemas import BATCH_ID, MODE, MODEL_NAME, MODEL_VERSION

    in_batches = F.col(BATCH_ID).isin(list(batches))
    versions = [m.version for m in models]
    mine = (F.col(MODEL_NAME) == models[0].name) & F.col(MODEL_VERSION).isin(versions) & (F.col(MODE) == mode)
    scored = ctx.store.read(ctx.settings.table("predictions")).filter(in_batches & mine).count()
    quarantine = ctx.settings.table("prediction_quarantine")
    refused = ctx.store.read(quarantine).filter(in_batches).count() if ctx.store.exists(quarantine) else 0
    return scored, refused


def validate_records(ctx: TaskContext, raw: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Raw records -> (scorable, quarantined) under the silver layer's configured ranges and species."""
    from iris_mlops.inference.inputs import validate_input

    config = ctx.settings.silver
    return validate_input(raw, ranges={m: (r.low, r.high) for m, r in config.plausible_ranges.items()},
                          species=config.species, run_id=ctx.run_id)


def _batch_ids(df: DataFrame) -> tuple[str, ...]:
    from iris_mlops.schemas import BATCH_ID

    return tuple(sorted(row[BATCH_ID] for row in df.select(BATCH_ID).distinct().collect()))


def _measurements() -> tuple[str, ...]:
    from iris_mlops.config import MEASUREMENTS

    return MEASUREMENTS


def _result(
    ctx: TaskContext, model: LoadedModel, scoring_input: ScoringInput, scored: int, refused: int,
    predictions_version: int | None, quarantine_version: int | None,
) -> BatchInferenceResult:
    return BatchInferenceResult(
        input=scoring_input.description, batches=scoring_input.batches, rows_scored=scored, rows_quarantined=refused,
        predictions_table=ctx.settings.table("predictions"), predictions_version=predictions_version,
        quarantine_version=quarantine_version, model_name=model.name, model_version=model.version,
        model_alias=model.alias, feature_version=model.feature_version, run_id=ctx.run_id,
    )
