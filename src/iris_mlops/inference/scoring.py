"""Scoring on the executors: an iterator pandas UDF over the fitted pipeline, one predictions row per input row.

The pipeline takes the four raw measurements and computes the engineered features itself
(`iris_mlops.ml.pipeline`), so only those four columns cross to Python and only the prediction and the
three probabilities come back; the key and label stay in the JVM (the mechanism `mlflow.pyfunc.spark_udf`
uses, but returning `predict_proba`). The fitted model travels inside the UDF as cloudpickled bytes:
classic Spark broadcasts a command that large once per job (pyspark does it above the broadcast threshold),
Spark Connect ships it once with the plan, and each Python worker unpickles it once and keeps it
(`_WORKER_MODELS`) for every later batch and task.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from iris_mlops.config import MEASUREMENTS
from iris_mlops.schemas import (
    AB_ARM,
    BATCH_ID,
    FEATURE_VERSION_COLUMN,
    MODE,
    MODEL_ALIAS,
    MODEL_NAME,
    MODEL_VERSION,
    PREDICTED_SPECIES,
    PREDICTIONS_SCHEMA,
    PROBABILITY_COLUMNS,
    PROBABILITY_PREFIX,
    SAMPLE_ID,
    SCORED_AT,
    SCORING_RUN_ID,
    SERVED,
    SOURCE_POSITION,
    SPECIES,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

# The columns `score` needs: the record key, the raw measurements and the label when known (may be null).
INPUT_COLUMNS = (BATCH_ID, SOURCE_POSITION, *MEASUREMENTS, SPECIES)
_WORKER_MODELS: dict[str, Any] = {}  # per Python worker process: model digest -> unpickled pipeline


def predict_columns(pipeline: Any, measurements: pd.DataFrame) -> pd.DataFrame:
    """`predicted_species` and one probability column per species for rows of the four measurements.

    The prediction is the most probable class (first on ties), as scikit-learn's classifiers predict.
    A species the model never saw gets probability 0.
    """
    proba = np.asarray(pipeline.predict_proba(measurements), dtype="float64")
    classes = [str(c) for c in pipeline.classes_]
    out = {PREDICTED_SPECIES: np.asarray(classes, dtype=object)[proba.argmax(axis=1)]}
    for column in PROBABILITY_COLUMNS:
        name = column.removeprefix(PROBABILITY_PREFIX)
        out[column] = proba[:, classes.index(name)] if name in classes else np.zeros(len(proba))
    return pd.DataFrame(out, index=measurements.index)


def predict_frame(pipeline: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """A new frame: `frame` plus the prediction and probability columns (the pandas twin of `score`)."""
    return pd.concat([frame, predict_columns(pipeline, frame.loc[:, list(MEASUREMENTS)])], axis=1)


def score(
    df: DataFrame,
    *,
    model: Any,
    model_name: str,
    model_version: str,
    model_alias: str | None,
    feature_version: str,
    run_id: str,
    scored_at: datetime,
    mode: str,
    ab_arm: str = "champion",
    served: bool = True,
) -> DataFrame:
    """Rows with `INPUT_COLUMNS` -> predictions rows (`PREDICTIONS_SCHEMA`), scored by `model` on the executors.

    `ab_arm`/`served` are the A/B seam: the split (serving/ab.py `assign_arm`) chooses which rows each arm's
    model scores; until it is wired in every record is scored by the champion arm and served.
    """
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.features.transforms import sample_id_column
    from iris_mlops.layers import conform

    predicted = _predict_udf(model)(*[F.col(m) for m in MEASUREMENTS]).alias("_predicted")
    scored = df.select(*INPUT_COLUMNS, predicted).select(*INPUT_COLUMNS, "_predicted.*")
    literals = {
        MODEL_NAME: F.lit(model_name), MODEL_VERSION: F.lit(str(model_version)),
        MODEL_ALIAS: F.lit(model_alias).cast("string"), FEATURE_VERSION_COLUMN: F.lit(feature_version),
        SCORING_RUN_ID: F.lit(run_id), SCORED_AT: F.lit(scored_at).cast("timestamp"), MODE: F.lit(mode),
        AB_ARM: F.lit(ab_arm), SERVED: F.lit(served),
    }
    return conform(
        scored.select("*", sample_id_column().alias(SAMPLE_ID), *[c.alias(n) for n, c in literals.items()]),
        schema=PREDICTIONS_SCHEMA,
    )


def predicted_schema() -> StructType:
    """What the executors return per row: the predicted species and the three probabilities."""
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    return StructType(
        [StructField(PREDICTED_SPECIES, StringType()), *[StructField(c, DoubleType()) for c in PROBABILITY_COLUMNS]]
    )


def _predict_udf(model: Any) -> Any:
    """The pandas UDF (measurements -> struct of prediction and probabilities) carrying the model as bytes."""
    import cloudpickle
    from pyspark.sql.functions import pandas_udf

    blob = cloudpickle.dumps(model)
    digest = hashlib.sha256(blob).hexdigest()

    def predict(batches: Iterator[tuple[pd.Series, ...]]) -> Iterator[pd.DataFrame]:
        yield from predict_batches(digest, blob, batches)

    # Not deterministic for the optimizer: the struct's fields must not each re-run the model.
    return pandas_udf(predict, returnType=predicted_schema()).asNondeterministic()  # type: ignore[call-overload]


def predict_batches(digest: str, blob: bytes, batches: Iterator[tuple[pd.Series, ...]]) -> Iterator[pd.DataFrame]:
    """Score each Arrow batch; module-level, so the worker's model cache is this module's `_WORKER_MODELS`."""
    pipeline = _WORKER_MODELS.get(digest)
    if pipeline is None:
        import cloudpickle

        pipeline = _WORKER_MODELS.setdefault(digest, cloudpickle.loads(blob))
    for columns in batches:
        yield predict_columns(pipeline, pd.DataFrame(dict(zip(MEASUREMENTS, columns, strict=True))))
