"""Task `eda-benchmark`: the ten-model benchmark and the EDA report, written under reports/ and logged to MLflow."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from iris_mlops.progress import step
from iris_mlops.tasks.command import TaskResult, task
from iris_mlops.tasks.context import TaskContext
from iris_mlops.timing import Timings

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


@dataclass
class EdaBenchmarkResult(TaskResult):
    mlflow_run_id: str
    reports_dir: str
    benchmark: list[dict[str, Any]] | None = None
    benchmark_files: list[str] | None = None
    eda_report: str | None = None
    eda_charts: list[str] | None = None
    timings: dict[str, float] = field(default_factory=dict)


@task(
    "eda-benchmark",
    help="Benchmark ten default models by repeated CV and write the EDA report (HTML).",
    uses_mlflow=True,
)
def run_eda_benchmark(ctx: TaskContext, *, only: OnlyOption = None) -> EdaBenchmarkResult:
    """Benchmark leaderboard and EDA report under $IRIS_MLOPS_HOME/reports/, both logged to one MLflow run."""
    from mlflow import MlflowClient

    from iris_mlops.ml.data import load_training_frame
    from iris_mlops.ml.split import split_frame
    from iris_mlops.ml.tracking import configure_mlflow
    from iris_mlops.ml.train import lineage_tags

    settings, timings = ctx.settings, Timings()
    with timings.phase("mlflow_setup"):
        target = configure_mlflow(settings)
    with timings.phase("spark_start"):
        store = ctx.store  # starts Spark locally
    with timings.phase("read_tables"):
        data = load_training_frame(store, settings.table("features"))
        train, _ = split_frame(data.frame, test_fraction=settings.split.test_fraction, seed=settings.split.seed)
    client = MlflowClient()
    tags = {**lineage_tags(data), **ctx.mlflow_tags}
    parent = client.create_run(target.experiment_id, run_name=f"eda-benchmark-{ctx.run_id}", tags=tags).info.run_id
    result = EdaBenchmarkResult(mlflow_run_id=parent, reports_dir=str(settings.reports_dir), timings=timings.phases)
    try:
        if only in (None, Part.benchmark):
            result.benchmark, result.benchmark_files = _benchmark(
                ctx, client, target.experiment_id, parent, data, train, timings
            )
        if only in (None, Part.eda):
            result.eda_report, result.eda_charts = _eda(ctx, client, parent, data, train, timings)
        client.set_terminated(parent, "FINISHED")
    except BaseException:
        client.set_terminated(parent, "FAILED")
        raise
    ctx.echo(f"MLflow run {parent}; UI: {target.ui_command()}")
    return result


def _benchmark(
    ctx: TaskContext,
    client: MlflowClient,
    experiment_id: str,
    parent: str,
    data: TrainingData,
    train: pd.DataFrame,
    timings: Timings,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The benchmark half: leaderboard records and the files written."""
    from iris_mlops.benchmark.flow import benchmark, log_models, write_leaderboard
    from iris_mlops.eda.charts_quality import benchmark_scores

    cfg = ctx.settings.benchmark
    ctx.echo(f"benchmark: {len(cfg.models)} models, {cfg.repeats}×{cfg.folds}-fold stratified CV on {len(train)} rows")
    folds = len(cfg.models) * cfg.folds * cfg.repeats
    with timings.phase("benchmark_fit"), step("benchmark folds", total=folds) as shown:
        scores, records = benchmark(train, cfg, on_progress=shown)
    with timings.phase("chart_rendering"):
        chart = benchmark_scores(records)
    meta = {
        "folds": cfg.folds,
        "repeats": cfg.repeats,
        "seed": cfg.seed,
        "features_table": data.table,
        "features_table_version": data.version,
        "feature_version": data.feature_version,
        "n_rows": len(train),
    }
    with timings.phase("mlflow_logging"):
        paths = write_leaderboard(records, ctx.settings.reports_dir, meta=meta, png=chart.png)
        log_models(client, experiment_id, parent, scores, base_tags=ctx.mlflow_tags)
        for path in paths:
            client.log_artifact(parent, str(path), "benchmark")
    for row in records:
        ctx.echo(
            f"{row['rank']:>2}. {row['label']:<32} f1_macro {row['f1_macro_mean']:.4f} ± {row['f1_macro_std']:.4f}"
        )
    return records, [str(p) for p in paths]


def _eda(
    ctx: TaskContext,
    client: MlflowClient,
    parent: str,
    data: TrainingData,
    train: pd.DataFrame,
    timings: Timings,
) -> tuple[str, list[str]]:
    """The EDA half: the report's path and its chart keys."""
    from iris_mlops.benchmark.flow import read_leaderboard
    from iris_mlops.eda.flow import make_report
    from iris_mlops.tasks.preflight import require_table

    silver_name = ctx.settings.table("silver")
    require_table(ctx, "silver")  # the Delta log answers locally, before Spark starts
    with timings.phase("read_tables"):
        silver_version = ctx.store.version(silver_name)
        silver = ctx.store.read(silver_name, version=silver_version).toPandas()
    facts = {
        "feature table": f"{data.table} version {data.version}",
        "feature version": data.feature_version,
        "silver table": f"{silver_name} version {silver_version}",
        "rows": str(len(data.frame)),
        "training rows (importances)": str(len(train)),
        "run id": ctx.run_id,
    }
    with timings.phase("chart_rendering"), step("EDA charts") as shown:
        report = make_report(
            data.frame,
            train,
            silver,
            folder=ctx.settings.reports_dir,
            seed=ctx.settings.seed,
            facts=facts,
            benchmark=read_leaderboard(ctx.settings.reports_dir),
            on_progress=shown,
        )
    with timings.phase("mlflow_logging"):
        client.log_artifact(parent, str(report.path), "eda")
        with tempfile.TemporaryDirectory(prefix="iris-mlops-eda-") as folder:
            for chart in report.charts:
                (Path(folder) / f"{chart.key}.png").write_bytes(chart.png)
            client.log_artifacts(parent, folder, "eda/charts")
        for species, table in report.tables.items():
            client.log_text(parent, table.to_csv(), f"eda/summary_{species}.csv")
    ctx.echo(f"EDA report with {len(report.charts)} charts: {report.path}")
    return str(report.path), [c.key for c in report.charts]
