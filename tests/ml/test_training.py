"""Training runs: reproducible metrics and a complete MLflow record."""

from __future__ import annotations

from pathlib import Path

from iris_mlops.ml.data import TrainingData
from iris_mlops.ml.train import train_model

SPECIES = ("setosa", "versicolor", "virginica")


def _forest(seed: int = 7):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=10, random_state=seed)


def test_train_model_same_seed_same_metrics(iris_data: TrainingData, mlflow_home: Path) -> None:
    first = train_model(iris_data, classifier=_forest(), labels=SPECIES, test_fraction=0.3, split_seed=3)
    second = train_model(iris_data, classifier=_forest(), labels=SPECIES, test_fraction=0.3, split_seed=3)
    assert first.run_id != second.run_id
    assert first.metrics == second.metrics
    assert first.n_test == 45 and first.metrics["f1_macro"] > 0.8


def test_train_model_logs_lineage_metrics_and_artifacts(iris_data: TrainingData, mlflow_home: Path) -> None:
    from mlflow import MlflowClient

    result = train_model(iris_data, classifier=_forest(), labels=SPECIES, test_fraction=0.2, split_seed=42)
    run = MlflowClient().get_run(result.run_id)
    artifacts = {a.path for a in MlflowClient().list_artifacts(result.run_id)}
    assert run.data.tags["iris_mlops.features_table_version"] == "0"
    assert run.data.tags["iris_mlops.feature_version"] == iris_data.feature_version
    assert run.data.params["classifier.n_estimators"] == "10"
    assert {"f1_macro", "accuracy", "precision_weighted", "recall_macro", "f1_setosa"} <= set(run.data.metrics)
    assert {"confusion_matrix.png", "feature_importances.png", "classification_report.json"} <= artifacts
    [dataset] = run.inputs.dataset_inputs
    assert dataset.dataset.name == "local.iris.iris_features@v0"
    assert {t.key: t.value for t in dataset.tags}["table_version"] == "0"
