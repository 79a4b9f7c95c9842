"""Task `train`: feature table -> MLflow run -> registered `challenger` -> gate against `champion`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from iris_mlops.tasks.command import TaskResult, task
from iris_mlops.tasks.context import TaskContext

if TYPE_CHECKING:
    from mlflow.entities.model_registry import ModelVersion

    from iris_mlops.ml.data import TrainingData
    from iris_mlops.ml.tracking import MlflowTarget

STALE_RUN_HOURS = 24.0  # on Databricks a RUNNING run older than a day belongs to a dead job (jobs time out sooner)


ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Train and let the gate decide even when a person pinned the champion or the same "
                                 "data, parameters and code were trained before."),
]


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
    reused_version: str | None = None  # set when an identical training was found and reused
    # What a killed earlier run left and this run completed (empty lists: nothing).
    recovered: dict[str, list[str]] = field(default_factory=dict)


@task(
    "train",
    help="Train the classifier on the feature table, log it to MLflow, register it and run the gate.",
    uses_mlflow=True,
)
def run_train(ctx: TaskContext, *, force: ForceOption = False) -> TrainResult:
    """Train on the current feature table version; the model becomes champion when the gate passes.

    A version trained on the same feature table version, parameters and code is reused, not registered again;
    a champion a person pinned stays (both unless --force).
    """
    from iris_mlops.ml.data import load_training_frame
    from iris_mlops.ml.fingerprint import FINGERPRINT_TAG, find_version_by_fingerprint, fingerprint_of
    from iris_mlops.ml.registry import client, register_and_gate
    from iris_mlops.ml.tracking import configure_mlflow
    from iris_mlops.ml.train import make_random_forest, train_model
    from iris_mlops.tasks.preflight import require_table

    settings = ctx.settings
    require_table(ctx, "features")  # before MLflow and Spark start
    target = configure_mlflow(settings)  # fails fast, before Spark starts, when the store is unreachable
    recovered = recover_training(ctx, target)
    data = load_training_frame(ctx.store, settings.table("features"))
    classifier = make_random_forest(settings.training.random_forest)
    fraction, seed = settings.split.test_fraction, settings.split.seed
    fingerprint = fingerprint_of(data, classifier, test_fraction=fraction, split_seed=seed)
    existing = None if force else find_version_by_fingerprint(client(), target.model_name, fingerprint)
    if existing is not None:
        reused = _reused(ctx, target, data, existing)
        reused.recovered = recovered
        return reused
    ctx.echo(f"training on {data.table} version {data.version} ({len(data.frame)} rows, "
             f"feature version {data.feature_version})")
    result = train_model(data, classifier=classifier, labels=settings.silver.species, test_fraction=fraction,
                         split_seed=seed, tags=ctx.mlflow_tags, run_name=f"train-{ctx.run_id}")
    ctx.echo(f"MLflow run {result.run_id}: f1_macro {result.score:.4f}, accuracy {result.metrics['accuracy']:.4f} "
             f"on {result.n_test} held-out rows")
    outcome = register_and_gate(
        model_uri=result.model_uri, run_id=result.run_id, model_name=target.model_name, test_frame=result.test_frame,
        margin=settings.training.promotion_margin, force=force,
        tags={"feature_version": data.feature_version, "features_table": data.table,
              "features_table_version": str(data.version), "iris_mlops.run_id": ctx.run_id,
              FINGERPRINT_TAG: fingerprint},
    )
    verdict = "promoted to champion" if outcome.promoted else f"not promoted (champion stays {outcome.champion})"
    ctx.echo(f"{target.model_name} version {outcome.version} (alias challenger) {verdict}: {outcome.decision.reason}")
    ctx.echo(f"MLflow UI: {target.ui_command()}")
    return TrainResult(mlflow_run_id=result.run_id, model_uri=result.model_uri, metrics=result.metrics,
                       features_table=data.table, features_table_version=data.version,
                       feature_version=data.feature_version, gate=outcome.as_dict(), tracking_uri=target.tracking_uri,
                       ui_command=target.ui_command(), run_id=ctx.run_id, recovered=recovered)


def _reused(ctx: TaskContext, target: MlflowTarget, data: TrainingData, existing: ModelVersion) -> TrainResult:
    """The result of a training that would repeat version `existing`: nothing trained, nothing registered."""
    from iris_mlops.ml.registry import client

    version = str(existing.version)
    ctx.echo(f"{target.model_name} version {version} was trained on the same {data.table} version {data.version}, "
             "parameters and code: reusing it, nothing registered (`iris-mlops train --force` trains again)")
    metrics = client().get_run(existing.run_id).data.metrics if existing.run_id else {}
    tags = existing.tags or {}
    return TrainResult(mlflow_run_id=str(existing.run_id), model_uri=f"models:/{target.model_name}/{version}",
                       metrics=dict(metrics), features_table=data.table, features_table_version=data.version,
                       feature_version=data.feature_version,
                       gate={"decision": tags.get("gate_decision"), "reason": tags.get("gate_reason"),
                             "version": version},
                       tracking_uri=target.tracking_uri, ui_command=target.ui_command(), run_id=ctx.run_id,
                       reused_version=version)


def recover_training(ctx: TaskContext, target: MlflowTarget) -> dict[str, list[str]]:
    """Complete or undo what a killed train/automl run left in MLflow (stale runs, half-gated versions)."""
    from dataclasses import asdict

    from iris_mlops.ml.recovery import recover_unfinished
    from iris_mlops.ml.registry import client

    # Locally the home lock serialises training, so any RUNNING run is dead; a shared workspace may be training now.
    local = target.tracking_uri.startswith("sqlite")
    recovery = recover_unfinished(client(), experiment_id=target.experiment_id, model_name=target.model_name,
                                  stale_after_hours=0.0 if local else STALE_RUN_HOURS)
    if recovery:
        ctx.echo(f"completed an interrupted earlier run: runs marked FAILED {recovery.failed_runs or '-'}, "
                 f"versions gated {recovery.completed_versions or '-'}, "
                 f"versions labelled interrupted {recovery.interrupted_versions or '-'}")
    return asdict(recovery)
