"""One row of the predictions table per record and model that scored it, built from an online request."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from iris_mlops.serving.ab import Arm
from iris_mlops.serving.model import Scores, ServedModel
from iris_mlops.serving.protocol import ParsedRequest

ONLINE = "online"


@dataclass(frozen=True)
class PredictionRecord:
    """A predictions-table row; its fields are PREDICTIONS_SCHEMA's columns, in order (a test holds them equal)."""

    sample_id: str
    batch_id: str | None
    sepal_length: float
    sepal_width: float
    petal_length: float
    petal_width: float
    species: str | None
    predicted_species: str
    probability_setosa: float | None
    probability_versicolor: float | None
    probability_virginica: float | None
    model_name: str
    model_version: str
    model_alias: str | None
    feature_version: str | None
    scoring_run_id: str
    scored_at: datetime
    mode: str
    ab_arm: Arm
    served: bool

    def as_row(self) -> dict[str, Any]:
        """The record as a plain mapping, column name -> value."""
        return asdict(self)

    def response(self) -> dict[str, Any]:
        """What the caller sees for this row."""
        return {"sample_id": self.sample_id, "predicted_species": self.predicted_species,
                "probability_setosa": self.probability_setosa, "probability_versicolor": self.probability_versicolor,
                "probability_virginica": self.probability_virginica, "model_version": self.model_version,
                "ab_arm": self.ab_arm}


@dataclass(frozen=True)
class Origin:
    """What every record of one request shares: the request (batch) id, the server's run id, the time."""

    batch_id: str
    run_id: str
    scored_at: datetime


def build_records(
    request: ParsedRequest, positions: list[int], keys: list[str], scores: Scores, model: ServedModel, *,
    arm: Arm, served: bool, origin: Origin,
) -> list[PredictionRecord]:
    """Records for the rows at `positions` of `request`, scored by `model` (scores aligned with positions)."""
    records = []
    for j, i in enumerate(positions):
        setosa, versicolor, virginica = (None if math.isnan(v) else float(v) for v in scores.probabilities[j])
        sepal_length, sepal_width, petal_length, petal_width = request.rows[i]
        records.append(PredictionRecord(
            sample_id=keys[i], batch_id=origin.batch_id, sepal_length=sepal_length, sepal_width=sepal_width,
            petal_length=petal_length, petal_width=petal_width, species=request.labels[i],
            predicted_species=scores.predicted[j], probability_setosa=setosa, probability_versicolor=versicolor,
            probability_virginica=virginica, model_name=model.name, model_version=model.version,
            model_alias=model.alias, feature_version=model.feature_version, scoring_run_id=origin.run_id,
            scored_at=origin.scored_at, mode=ONLINE, ab_arm=arm, served=served,
        ))
    return records
