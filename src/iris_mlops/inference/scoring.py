"""Scoring on the executors: a `mapInPandas` over the fitted pipeline, one predictions row per input row.

The pipeline takes the four raw measurements and computes the engineered features itself
(`iris_mlops.ml.pipeline`), so the input needs nothing else. The fitted model travels inside the
function as cloudpickled bytes: classic Spark broadcasts a command that large once per job (pyspark
does it above `spark.broadcast` threshold), Spark Connect ships it once with the plan, and each Python
worker unpickles it once and keeps it (`_WORKER_MODELS`) for every later Arrow batch and task.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from iris_mlops.config import MEASUREMENTS
from iris_mlops.schemas import (
    AB_ARM,
    BATCH_ID,
    FEATURE_VERSION,
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


def predict_frame(pipeline: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` plus `predicted_species` and one probability column per species (a new frame).

    The prediction is the most probable class (first on ties), as scikit-learn's classifiers predict.
    A species the model never saw gets probability 0.
    """
    proba = np.asarray(pipeline.predict_proba(frame.loc[:, list(MEASUREMENTS)]), dtype="float64")
    classes = [str(c) for c in pipeline.classes_]
    out = frame.copy()
    out[PREDICTED_SPECIES] = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    for column in PROBABILITY_COLUMNS:
        name = column.removeprefix(PROBABILITY_PREFIX)
        out[column] = proba[:, classes.index(name)] if name in classes else 0.0
    return out


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

    scored = df.select(*INPUT_COLUMNS).mapInPandas(_predictor(model), schema=scored_schema())
    literals = {
        MODEL_NAME: F.lit(model_name), MODEL_VERSION: F.lit(str(model_version)),
        MODEL_ALIAS: F.lit(model_alias).cast("string"), FEATURE_VERSION: F.lit(feature_version),
        SCORING_RUN_ID: F.lit(run_id), SCORED_AT: F.lit(scored_at).cast("timestamp"), MODE: F.lit(mode),
        AB_ARM: F.lit(ab_arm), SERVED: F.lit(served),
    }
    return conform(
        scored.select("*", sample_id_column().alias(SAMPLE_ID), *[c.alias(n) for n, c in literals.items()]),
        schema=PREDICTIONS_SCHEMA,
    )


def scored_schema() -> StructType:
    """What the executors return: the input columns, the predicted species and the three probabilities."""
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    return StructType(
        [
            StructField(BATCH_ID, StringType()),
            StructField(SOURCE_POSITION, LongType()),
            *[StructField(m, DoubleType()) for m in MEASUREMENTS],
            StructField(SPECIES, StringType()),
            StructField(PREDICTED_SPECIES, StringType()),
            *[StructField(c, DoubleType()) for c in PROBABILITY_COLUMNS],
        ]
    )


def _predictor(model: Any) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """The mapInPandas function: module-level, so it pickles by reference and shares this module's cache."""
    import cloudpickle

    blob = cloudpickle.dumps(model)
    return partial(_predict_batches, hashlib.sha256(blob).hexdigest(), blob)


def _predict_batches(digest: str, blob: bytes, batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Score each Arrow batch; the model is unpickled once per worker process, then reused."""
    pipeline = _WORKER_MODELS.get(digest)
    if pipeline is None:
        import cloudpickle

        pipeline = _WORKER_MODELS.setdefault(digest, cloudpickle.loads(blob))
    for batch in batches:
        if len(batch):
            yield predict_frame(pipeline, batch)
