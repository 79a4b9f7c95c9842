"""The models a server holds: loaded once by alias from the registry, then scored on rows of measurements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from iris_mlops.errors import ServingError
from iris_mlops.features.definitions import RAW_MEASUREMENTS

if TYPE_CHECKING:
    from mlflow import MlflowClient

# The probability columns of the predictions table, in this order.
SPECIES_ORDER = ("setosa", "versicolor", "virginica")


@dataclass(frozen=True)
class ServedModel:
    """One fitted model pipeline and where it came from (name, version, the alias it was resolved from)."""

    name: str
    version: str
    alias: str | None
    feature_version: str | None
    estimator: Any  # the scikit-learn pipeline of ml.pipeline: raw measurements in, species out


@dataclass(frozen=True)
class Scores:
    """Predicted species per row and the class probabilities in SPECIES_ORDER (NaN when the model has none)."""

    predicted: tuple[str, ...]
    probabilities: np.ndarray


def score_rows(model: ServedModel, rows: Sequence[Sequence[float]]) -> Scores:
    """Score rows of the four raw measurements (RAW_MEASUREMENTS order) with `model`."""
    frame = pd.DataFrame(list(rows), columns=list(RAW_MEASUREMENTS), dtype="float64")
    estimator = model.estimator
    if not hasattr(estimator, "predict_proba"):
        predicted = tuple(str(p) for p in estimator.predict(frame))
        return Scores(predicted, np.full((len(frame), len(SPECIES_ORDER)), np.nan))
    proba = np.asarray(estimator.predict_proba(frame), dtype="float64")
    classes = [str(c) for c in estimator.classes_]
    probabilities = np.zeros((len(frame), len(SPECIES_ORDER)))
    for j, name in enumerate(classes):
        if name in SPECIES_ORDER:
            probabilities[:, SPECIES_ORDER.index(name)] = proba[:, j]
    predicted = tuple(classes[i] for i in proba.argmax(axis=1))
    return Scores(predicted, probabilities)


def load_served_model(registry: MlflowClient, *, model_name: str, alias: str) -> ServedModel:
    """Resolve `model_name@alias` once and load that version's pipeline; ServingError when it does not resolve."""
    import mlflow

    from iris_mlops.ml.registry import alias_version
    from iris_mlops.ml.tracking import first_line

    found = alias_version(registry, model_name, alias)
    if found is None:
        raise ServingError(f"model {model_name} has no version with alias {alias!r}: "
                           "check `iris-mlops models list` or train one with `iris-mlops train`")
    version = str(found.version)
    try:
        estimator = mlflow.sklearn.load_model(f"models:/{model_name}/{version}")
    except Exception as exc:  # a broken or unreachable artifact: name the model, one line
        raise ServingError(f"cannot load {model_name} version {version} (@{alias}): {first_line(exc)}") from None
    return ServedModel(model_name, version, alias, (found.tags or {}).get("feature_version"), estimator)
