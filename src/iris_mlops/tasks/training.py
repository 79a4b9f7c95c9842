"""Task `train`: feature table -> MLflow run -> registered `challenger` -> gate against `champion`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iris_mlops.tasks.command import TaskResult, task
from iris_mlops.tasks.context import TaskContext


@dataclass
class TrainResult(TaskResult):
    mlflow_run_id: str
    model_uri: str
    metrics: dict[str, float]
    features_table: str
    features_table_version: int
    feature_version: str
    gate: dict[str, Any]
    tracking_uri: str
    ui_command: str
    run_id: str


@task(
    "train",
    help="Train the classifier on the feature table, log it to MLflow, register it and run the gate.",
    uses_mlflow=True,
)
def run_train(ctx: TaskContext) -> TrainResult:
    """Train on the current feature table version; the model becomes champion when the gate passes."""
    from iris_mlops.ml.data import load_training_frame
    from iris_mlops.ml.registry import register_and_gate
    from iris_mlops.ml.tracking import configure_mlflow
    from iris_mlops.ml.train import make_random_forest, train_model

    settings = ctx.settings
    target = configure_mlflow(settings)  # fails fast, before Spark starts, when the store is unreachable
    data = load_training_frame(ctx.store, settings.table("features"))
    ctx.echo(f"training on {data.table} version {data.version} ({len(data.frame)} rows, "
             f"feature version {data.feature_version})")
    result = train_model(
        data,
        classifier=make_random_forest(settings.training.random_forest),
        labels=settings.silver.species,
        test_fraction=settings.split.test_fraction,
        split_seed=settings.split.seed,
        tags=ctx.mlflow_tags,
        run_name=f"train-{ctx.run_id}",
    )
    ctx.echo(f"MLflow run {result.run_id}: f1_macro {result.score:.4f}, accuracy {result.metrics['accuracy']:.4f} "
             f"on {result.n_test} held-out rows")
    outcome = register_and_gate(
        model_uri=result.model_uri,
        run_id=result.run_id,
        model_name=target.model_name,
        test_frame=result.test_frame,
        margin=settings.training.promotion_margin,
        tags={"feature_version": data.feature_version, "features_table": data.table,
              "features_table_version": str(data.version), "iris_mlops.run_id": ctx.run_id},
    )
    verdict = "promoted to champion" if outcome.promoted else f"not promoted (champion stays {outcome.champion})"
    ctx.echo(f"{target.model_name} version {outcome.version} (alias challenger) {verdict}: {outcome.decision.reason}")
    ctx.echo(f"MLflow UI: {target.ui_command()}")
    return TrainResult(mlflow_run_id=result.run_id, model_uri=result.model_uri, metrics=result.metrics,
                       features_table=data.table, features_table_version=data.version,
                       feature_version=data.feature_version, gate=outcome.as_dict(), tracking_uri=target.tracking_uri,
                       ui_command=target.ui_command(), run_id=ctx.run_id)
