"""One training run: split, fit, evaluate on the held-out rows, and log everything to MLflow."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from iris_mlops.features.definitions import FEATURE_VERSION, describe, feature_names
from iris_mlops.ml.metrics import PRIMARY_METRIC

if TYPE_CHECKING:
    import pandas as pd

    from iris_mlops.config import RandomForestConfig
    from iris_mlops.ml.data import TrainingData


@dataclass(frozen=True)
class TrainingResult:
    """What a training run produced: where it is logged, its metrics and the rows it was evaluated on."""

    run_id: str
    model_uri: str
    metrics: dict[str, float]
    n_train: int
    n_test: int
    test_frame: pd.DataFrame = field(repr=False)
    model: Any = field(repr=False)

    @property
    def score(self) -> float:
        """The primary metric (macro F1) on the held-out rows."""
        return self.metrics[PRIMARY_METRIC]


def make_random_forest(config: RandomForestConfig) -> Any:
    """The default classifier, seeded from config."""
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        n_estimators=config.n_estimators,
        max_depth=config.max_depth,
        min_samples_leaf=config.min_samples_leaf,
        random_state=config.seed,
        n_jobs=1,
    )


def train_model(
    data: TrainingData,
    *,
    classifier: Any,
    labels: Sequence[str],
    test_fraction: float,
    split_seed: int,
    tags: Mapping[str, str] | None = None,
    run_name: str | None = None,
) -> TrainingResult:
    """Fit `build_pipeline(classifier)` on the training split and log the run to the current experiment."""
    import mlflow

    from iris_mlops.ml.pipeline import build_pipeline
    from iris_mlops.ml.split import split_frame

    train, test = split_frame(data.frame, test_fraction=test_fraction, seed=split_seed)
    raw = list(data.features.columns)
    model = build_pipeline(classifier).fit(train[raw], train["species"])
    predicted = model.predict(test[raw])
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.set_tags({**lineage_tags(data), **(tags or {})})
        mlflow.log_params(run_params(classifier, test_fraction=test_fraction, split_seed=split_seed,
                                     n_train=len(train), n_test=len(test)))
        metrics = log_evaluation(model, test, predicted, labels=labels)
        metrics["train_accuracy"] = float((model.predict(train[raw]) == train["species"]).mean())
        mlflow.log_metric("train_accuracy", metrics["train_accuracy"])
        log_dataset(data)
        info = _log_model(model, test[raw])
    return TrainingResult(run.info.run_id, info.model_uri, metrics, len(train), len(test), test, model)


def lineage_tags(data: TrainingData) -> dict[str, str]:
    """Input table, its version, the feature version and the silver table it came from (the task adds the commit)."""
    tags = {
        "iris_mlops.features_table": data.table,
        "iris_mlops.features_table_version": str(data.version),
        "iris_mlops.feature_version": data.feature_version,
    }
    for key in ("iris_mlops.source_table", "iris_mlops.source_version"):
        if key in data.properties:
            tags[key] = data.properties[key]
    return tags


def run_params(classifier: Any, *, test_fraction: float, split_seed: int, n_train: int, n_test: int) -> dict[str, Any]:
    """The classifier's hyper-parameters plus the split and feature settings."""
    params = {f"classifier.{k}": v for k, v in classifier.get_params(deep=False).items() if _loggable(v)}
    params |= {"classifier": type(classifier).__name__, "split.test_fraction": test_fraction,
               "split.seed": split_seed, "n_train": n_train, "n_test": n_test,
               "feature_version": FEATURE_VERSION, "n_engineered_features": len(feature_names())}
    return params


def _loggable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def log_evaluation(model: Any, test: pd.DataFrame, predicted: Any, *, labels: Sequence[str]) -> dict[str, float]:
    """Held-out metrics, the per-class report, the confusion matrix and importances; returns the metrics."""
    import mlflow

    from iris_mlops.ml import metrics as m

    truth = test["species"]
    metrics = m.classification_metrics(truth, predicted, labels=labels)
    mlflow.log_metrics(metrics)
    mlflow.log_dict(m.classification_report(truth, predicted, labels=labels), "classification_report.json")
    mlflow.log_dict({"feature_version": FEATURE_VERSION, "features": describe()}, "features.json")
    mlflow.log_figure(m.confusion_matrix_figure(truth, predicted, labels=labels), "confusion_matrix.png")
    importances = m.feature_importances(model)
    if importances:
        mlflow.log_figure(m.importances_figure(*importances), "feature_importances.png")
        mlflow.log_dict(dict(zip(*importances, strict=True)), "feature_importances.json")
    return metrics


def log_dataset(data: TrainingData) -> None:
    """Dataset lineage (`mlflow.log_input`) naming the Delta table and the version read.

    The version also goes into the dataset name and an input tag: MLflow drops a Delta version 0
    from the source (it tests ``version or ...``).
    """
    import mlflow
    from mlflow.data.delta_dataset_source import DeltaDatasetSource
    from mlflow.data.pandas_dataset import from_pandas

    qualified = data.table.count(".") == 2 and not data.location.startswith(("/", "file:"))
    source = DeltaDatasetSource(
        path=None if qualified else data.location,
        delta_table_name=data.table if qualified else None,
        delta_table_version=data.version,
    )
    with warnings.catch_warnings():  # MLflow hints that source_position is an integer column: it is never missing
        warnings.simplefilter("ignore", UserWarning)
        dataset = from_pandas(data.frame, source=source, name=f"{data.table}@v{data.version}", targets="species")
        mlflow.log_input(dataset, context="training", tags={"table_version": str(data.version),
                                                           "feature_version": data.feature_version})


def _log_model(model: Any, test_raw: pd.DataFrame) -> Any:
    from iris_mlops.ml.packaging import log_pipeline_model

    example = test_raw.head(5).reset_index(drop=True)
    return log_pipeline_model(model, input_example=example, predictions=model.predict(example))
