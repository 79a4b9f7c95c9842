"""Task `automl`: six model families searched by CV on the training split; the winner goes through the gate."""

from __future__ import annotations

import json
from typing import Any

import typer

from iris_mlops.tasks.context import TaskContext, task_context
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, RunIdOption, SchemaOption
from iris_mlops.tasks.registry import task


@task(
    "automl",
    help="Search six model families by cross-validation, register the winner and run the gate.",
    uses_mlflow=True,
)
def automl(
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    run_id: RunIdOption = None,
    as_json: JsonOption = False,
) -> None:
    """AutoML on the current feature table version: leaderboard, winner, held-out score, gate decision."""
    with task_context("automl", env=env, catalog=catalog, schema=schema, run_id=run_id, quiet=as_json) as ctx:
        result = run_automl_task(ctx)
        if as_json:
            typer.echo(json.dumps(result, default=str, sort_keys=True))


def run_automl_task(ctx: TaskContext) -> dict[str, Any]:
    """AutoML for an open task context."""
    import time

    from iris_mlops.automl.flow import run_automl
    from iris_mlops.ml.data import load_training_frame
    from iris_mlops.ml.tracking import configure_mlflow

    settings = ctx.settings
    marks = [time.perf_counter()]
    target = configure_mlflow(settings)  # fails fast, before Spark starts, when the store is unreachable
    marks.append(time.perf_counter())
    store = ctx.store  # starts Spark locally
    marks.append(time.perf_counter())
    data = load_training_frame(store, settings.table("features"))
    marks.append(time.perf_counter())
    phases = {
        "mlflow_setup": marks[1] - marks[0],
        "spark_start": marks[2] - marks[1],
        "read_tables": marks[3] - marks[2],
    }
    cfg = settings.automl
    ctx.echo(
        f"searching {len(cfg.family_order)} families ({cfg.search}, up to {cfg.trials_per_family} trials each, "
        f"{cfg.folds}-fold CV) on {data.table} version {data.version}"
    )
    result = run_automl(data, settings, target, run_id=ctx.run_id, echo=ctx.echo)
    result["timings"] = {**phases, **result["timings"]}
    result["ui_command"] = target.ui_command()
    ctx.echo(f"MLflow UI: {target.ui_command()}")
    return result
