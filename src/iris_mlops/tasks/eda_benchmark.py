"""Task `eda-benchmark`: the ten-model benchmark and the EDA report, written under reports/ and logged to MLflow."""

from __future__ import annotations

import json
import tempfile
import time
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from iris_mlops.tasks.context import TaskContext, task_context
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, RunIdOption, SchemaOption
from iris_mlops.tasks.registry import task

if TYPE_CHECKING:
    import pandas as pd
    from mlflow import MlflowClient

    from iris_mlops.ml.data import TrainingData


class Part(str, Enum):
    eda = "eda"
    benchmark = "benchmark"


OnlyOption = Annotated[
    Optional[Part],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option("--only", help="Run one half: eda or benchmark (default: both, benchmark first)."),
]


@task(
    "eda-benchmark",
    help="Benchmark ten default models by repeated CV and write the EDA report (HTML).",
    uses_mlflow=True,
)
def eda_benchmark(
    only: OnlyOption = None,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    run_id: RunIdOption = None,
    as_json: JsonOption = False,
) -> None:
    """Benchmark leaderboard and EDA report under $IRIS_MLOPS_HOME/reports/, both logged to one MLflow run."""
    with task_context("eda-benchmark", env=env, catalog=catalog, schema=schema, run_id=run_id, quiet=as_json) as ctx:
        result = run_eda_benchmark(ctx, only=only.value if only else None)
        if as_json:
            typer.echo(json.dumps(result, default=str, sort_keys=True))


def _phase(timings: dict[str, float], name: str, started: float) -> float:
    now = time.perf_counter()
    timings[name] = timings.get(name, 0.0) + now - started
    return now


def run_eda_benchmark(ctx: TaskContext, *, only: str | None) -> dict[str, Any]:
    """Both halves (or one) for an open task context; returns paths, leaderboard and timings."""
    from mlflow import MlflowClient

    from iris_mlops.ml.data import load_training_frame
    from iris_mlops.ml.split import split_frame
    from iris_mlops.ml.tracking import configure_mlflow
    from iris_mlops.ml.train import lineage_tags

    timings: dict[str, float] = {}
    started = time.perf_counter()
    settings = ctx.settings
    target = configure_mlflow(settings)
    started = _phase(timings, "mlflow_setup", started)
    store = ctx.store  # starts Spark locally
    started = _phase(timings, "spark_start", started)
    data = load_training_frame(store, settings.table("features"))
    train, _ = split_frame(data.frame, test_fraction=settings.split.test_fraction, seed=settings.split.seed)
    started = _phase(timings, "read_tables", started)
    client = MlflowClient()
    tags = {**lineage_tags(data), "iris_mlops.run_id": ctx.run_id, "iris_mlops.task": "eda-benchmark"}
    parent = client.create_run(target.experiment_id, run_name=f"eda-benchmark-{ctx.run_id}", tags=tags).info.run_id
    result: dict[str, Any] = {"mlflow_run_id": parent, "reports_dir": str(settings.reports_dir)}
    try:
        if only in (None, "benchmark"):
            result |= _benchmark(ctx, client, target.experiment_id, parent, data, train, timings)
        if only in (None, "eda"):
            result |= _eda(ctx, client, parent, data, train, timings)
        client.set_terminated(parent, "FINISHED")
    except BaseException:
        client.set_terminated(parent, "FAILED")
        raise
    ctx.echo(f"MLflow run {parent}; UI: {target.ui_command()}")
    return {**result, "timings": timings}


def _benchmark(
    ctx: TaskContext,
    client: MlflowClient,
    experiment_id: str,
    parent: str,
    data: TrainingData,
    train: pd.DataFrame,
    timings: dict[str, float],
) -> dict[str, Any]:
    from iris_mlops.benchmark.flow import benchmark, log_models, write_leaderboard
    from iris_mlops.eda.charts_quality import benchmark_scores

    cfg = ctx.settings.benchmark
    ctx.echo(f"benchmark: {len(cfg.models)} models, {cfg.repeats}×{cfg.folds}-fold stratified CV on {len(train)} rows")
    started = time.perf_counter()
    scores, records = benchmark(train, cfg)
    started = _phase(timings, "benchmark_fit", started)
    chart = benchmark_scores(records)
    started = _phase(timings, "chart_rendering", started)
    meta = {
        "folds": cfg.folds,
        "repeats": cfg.repeats,
        "seed": cfg.seed,
        "features_table": data.table,
        "features_table_version": data.version,
        "feature_version": data.feature_version,
        "n_rows": len(train),
    }
    paths = write_leaderboard(records, ctx.settings.reports_dir, meta=meta, png=chart.png)
    log_models(client, experiment_id, parent, scores)
    for path in paths:
        client.log_artifact(parent, str(path), "benchmark")
    _phase(timings, "mlflow_logging", started)
    for row in records:
        ctx.echo(
            f"{row['rank']:>2}. {row['label']:<32} f1_macro {row['f1_macro_mean']:.4f} ± {row['f1_macro_std']:.4f}"
        )
    return {"benchmark": records, "benchmark_files": [str(p) for p in paths]}


def _eda(
    ctx: TaskContext,
    client: MlflowClient,
    parent: str,
    data: TrainingData,
    train: pd.DataFrame,
    timings: dict[str, float],
) -> dict[str, Any]:
    from iris_mlops.benchmark.flow import read_leaderboard
    from iris_mlops.eda.flow import make_report
    from iris_mlops.errors import TableNotFoundError

    started = time.perf_counter()
    silver_name = ctx.settings.table("silver")
    if not ctx.store.exists(silver_name):
        raise TableNotFoundError(f"silver table {silver_name} does not exist: run `iris-mlops silver` first")
    silver_version = ctx.store.version(silver_name)
    silver = ctx.store.read(silver_name, version=silver_version).toPandas()
    started = _phase(timings, "read_tables", started)
    facts = {
        "feature table": f"{data.table} version {data.version}",
        "feature version": data.feature_version,
        "silver table": f"{silver_name} version {silver_version}",
        "rows": str(len(data.frame)),
        "training rows (importances)": str(len(train)),
        "run id": ctx.run_id,
    }
    report = make_report(
        data.frame,
        train,
        silver,
        folder=ctx.settings.reports_dir,
        seed=ctx.settings.seed,
        facts=facts,
        benchmark=read_leaderboard(ctx.settings.reports_dir),
    )
    started = _phase(timings, "chart_rendering", started)
    client.log_artifact(parent, str(report.path), "eda")
    with tempfile.TemporaryDirectory(prefix="iris-mlops-eda-") as folder:
        for chart in report.charts:
            (Path(folder) / f"{chart.key}.png").write_bytes(chart.png)
        client.log_artifacts(parent, folder, "eda/charts")
    for species, table in report.tables.items():
        client.log_text(parent, table.to_csv(), f"eda/summary_{species}.csv")
    _phase(timings, "mlflow_logging", started)
    ctx.echo(f"EDA report with {len(report.charts)} charts: {report.path}")
    return {"eda_report": str(report.path), "eda_charts": [c.key for c in report.charts]}
