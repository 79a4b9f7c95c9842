"""Task `automl`: six model families searched by CV on the training split; the winner goes through the gate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iris_mlops.progress import step
from iris_mlops.tasks.command import TaskResult, task
from iris_mlops.tasks.context import TaskContext
from iris_mlops.timing import Timings


@dataclass
class AutomlResult(TaskResult):
    mlflow_parent_run_id: str
    mlflow_winner_run_id: str
    leaderboard: list[dict[str, Any]]
    partial: bool
    skipped_trials: list[str]
    winner: str
    holdout_metrics: dict[str, float]
    n_train: int
    n_test: int
    gate: dict[str, Any]
    search_seconds: float
    features_table_version: int
    feature_version: str
    ui_command: str
    timings: dict[str, float] = field(default_factory=dict)


@task(
    "automl",
    help="Search six model families by cross-validation, register the winner and run the gate.",
    uses_mlflow=True,
)
def run_automl_task(ctx: TaskContext) -> AutomlResult:
    """AutoML on the current feature table version: leaderboard, winner, held-out score, gate decision."""
    from iris_mlops.automl.flow import run_automl
    from iris_mlops.automl.runner import plan
    from iris_mlops.ml.data import load_training_frame
    from iris_mlops.ml.tracking import configure_mlflow
    from iris_mlops.tasks.preflight import require_table
    from iris_mlops.tasks.training import recover_training

    settings, timings = ctx.settings, Timings()
    require_table(ctx, "features")  # before MLflow and Spark start
    with timings.phase("mlflow_setup"):
        target = configure_mlflow(settings)  # fails fast, before Spark starts, when the store is unreachable
        recover_training(ctx, target)  # a killed train/automl run: stale runs failed, half-gated versions completed
    with timings.phase("spark_start"):
        store = ctx.store  # starts Spark locally
    with timings.phase("read_tables"):
        data = load_training_frame(store, settings.table("features"))
    cfg = settings.automl
    ctx.echo(
        f"searching {len(cfg.family_order)} families ({cfg.search}, up to {cfg.trials_per_family} trials each, "
        f"{cfg.folds}-fold CV) on {data.table} version {data.version}"
    )
    with step("AutoML trials", total=len(plan(cfg))) as shown:
        result = run_automl(data, settings, target, run_id=ctx.run_id, echo=ctx.echo, tags=ctx.mlflow_tags,
                            timings=timings, on_progress=shown)
    ctx.echo(f"MLflow UI: {target.ui_command()}")
    return AutomlResult(**result, ui_command=target.ui_command())
