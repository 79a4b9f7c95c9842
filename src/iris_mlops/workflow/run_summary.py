"""Gather what a local run did (tasks, tables, quarantine, quality, model) into a RunSummary and write its page."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iris_mlops.storage.metadata import open_metadata
from iris_mlops.summary import Link, ModelSummary, QualityRow, RunSummary, TableVersion, TaskRun, write_summary

if TYPE_CHECKING:
    from iris_mlops.config import Settings
    from iris_mlops.storage import TableStore
    from iris_mlops.storage.metadata import TableMetadata
    from iris_mlops.workflow.model import Job
    from iris_mlops.workflow.runner import RunResult

# Table key -> the table keys it is built from (the medallion's lineage).
LINEAGE: dict[str, tuple[str, ...]] = {
    "bronze": (), "silver": ("bronze",), "quarantine": ("bronze",), "gold": ("silver",), "features": ("silver",),
}
TRAINING_TASKS = ("train", "automl")


def runs_folder(settings: Settings) -> Path:
    """Where run summaries go: <reports>/runs (`iris-mlops report` reads the same folder)."""
    return settings.reports_dir / "runs"


def task_runs(result: RunResult, job: Job) -> tuple[TaskRun, ...]:
    """The job graph with each task's status and time."""
    depends = {t.key: t.depends_on for t in job.tasks}
    return tuple(
        TaskRun(t.key, t.status.value, t.duration if t.attempts else None, tuple(depends.get(t.key, ())), t.note)
        for t in result.tasks
    )


def table_versions(settings: Settings, metadata: TableMetadata) -> tuple[TableVersion, ...]:
    """Every medallion table that exists: its current version, row count and upstream tables."""
    tables = []
    for key, upstream in LINEAGE.items():
        name = settings.table(key)
        if not metadata.exists(name):
            continue
        version = metadata.version(name)
        short = getattr(settings.tables, key)
        tables.append(TableVersion(short, version, metadata.row_count(name, version=version),
                                   tuple(getattr(settings.tables, u) for u in upstream), metadata.location(name)))
    return tuple(tables)


def quarantine_reasons(settings: Settings, store: TableStore) -> dict[str, int]:
    """Rows in quarantine per reason (a row with two reasons counts under both)."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.schemas import REASONS

    name = settings.table("quarantine")
    if not store.exists(name):
        return {}
    counts = store.read(name).select(F.explode(REASONS).alias("reason")).groupBy("reason").count().collect()
    return {str(row["reason"]): int(row["count"]) for row in counts}


def quality_results(settings: Settings, store: TableStore, run_id: str) -> tuple[QualityRow, ...]:
    """This run's expectation results from dq_results, in plain words."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.summary.inputs import quality_rows

    name = settings.table("dq_results")
    if not store.exists(name):
        return ()
    rows = [row.asDict() for row in store.read(name).where(F.col("run_id") == run_id).collect()]
    # A table validated twice in one run (its layer's gate, then data-quality) shows its latest result once.
    latest: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: str(r.get("validated_at"))):
        latest[(row["table_name"], row["table_version"], row["expectation_type"], row["kwargs"])] = row
    return quality_rows(latest.values())


def model_summary(settings: Settings, run_id: str) -> ModelSummary | None:
    """The model version this run registered and the gate's decision, from its MLflow run's tags."""
    from mlflow import MlflowClient

    from iris_mlops.ml.registry import CHAMPION, alias_version
    from iris_mlops.ml.tracking import configure_mlflow

    target = configure_mlflow(settings)
    client = MlflowClient()
    runs = client.search_runs([target.experiment_id], filter_string=f"tags.`iris_mlops.run_id` = '{run_id}'",
                              order_by=["attributes.start_time DESC"])
    gated = [r for r in runs if "gate.model_version" in r.data.tags]
    if not gated:
        return None
    tags, metrics = gated[0].data.tags, gated[0].data.metrics
    champion = alias_version(client, target.model_name, CHAMPION)
    table, version = tags.get("iris_mlops.features_table"), tags.get("iris_mlops.features_table_version")
    return ModelSummary(
        name=target.model_name, version=tags["gate.model_version"],
        champion=str(champion.version) if champion else None, promoted=tags.get("gate.decision") == "promoted",
        pinned=tags.get("gate.pinned") == "true", reason=tags.get("gate.reason", ""),
        score=metrics.get("gate_challenger_f1_macro", metrics.get("f1_macro")),
        algorithm=tags.get("automl.family") or gated[0].data.params.get("classifier"),
        mlflow_run_id=gated[0].info.run_id,
        trained_on=f"{table.split('.')[-1]}@v{version}" if table and version else None,
    )


def report_links(settings: Settings, run_id: str, folder: Path) -> tuple[Link, ...]:
    """Links (relative to the summary's folder) to this run's quality reports and the EDA report."""
    reports = settings.reports_dir
    links = [Link(f"Data quality report ({p.stem.removeprefix(run_id + '-')})", os.path.relpath(p, folder))
             for p in sorted((reports / "quality").glob(f"{run_id}-*.html"))]
    eda = reports / "eda_report.html"
    if eda.is_file():
        links.append(Link("EDA report (latest)", os.path.relpath(eda, folder)))
    return tuple(links)


def mlflow_command(settings: Settings) -> str:
    """The command that opens the MLflow UI on this home's runs."""
    from iris_mlops.ml.tracking import default_uris

    tracking, _ = default_uris(settings)
    return f"mlflow ui --backend-store-uri {tracking}" if tracking.startswith("sqlite:") else f"MLflow at {tracking}"


def collect_summary(
    result: RunResult, job: Job, *, settings: Settings, started_at: datetime, store: TableStore | None
) -> RunSummary:
    """Everything the summary page shows; `store` None (no Spark) leaves tables and quality out."""
    ran = {t.key for t in result.tasks if t.attempts}
    summary_kwargs: dict[str, Any] = {}
    if store is not None:
        summary_kwargs |= {"tables": table_versions(settings, open_metadata(settings, store)),
                           "quarantine_reasons": quarantine_reasons(settings, store),
                           "quality": quality_results(settings, store, result.run_id)}
    if ran & set(TRAINING_TASKS) and _mlflow_store_exists(settings):
        summary_kwargs["model"] = model_summary(settings, result.run_id)
    return RunSummary(
        run_id=result.run_id, job=result.job, env=settings.env, state=result.state.value,
        started_at=started_at.isoformat(timespec="seconds"), duration_seconds=result.duration,
        tasks=task_runs(result, job), links=report_links(settings, result.run_id, runs_folder(settings)),
        mlflow_command=mlflow_command(settings), **summary_kwargs,
    )


def write_run_summary(result: RunResult, job: Job, *, settings: Settings, started_at: datetime) -> Path:
    """Collect the run's summary and write its page; tables are read only through a Spark the tasks started."""
    summary = collect_summary(result, job, settings=settings, started_at=started_at, store=_running_store(settings))
    return write_summary(runs_folder(settings), summary)


def _running_store(settings: Settings) -> TableStore | None:
    """The store on the Spark session the run's tasks started, or None: a summary never starts Spark itself."""
    try:
        from pyspark import SparkContext
    except ImportError:
        return None
    if SparkContext._active_spark_context is None:
        return None
    from iris_mlops.spark import get_spark
    from iris_mlops.storage import make_store

    return make_store(settings, get_spark())


def _mlflow_store_exists(settings: Settings) -> bool:
    """False for a local SQLite store no task created: reading it would create it (seconds of migrations)."""
    from iris_mlops.ml.tracking import default_uris

    tracking, _ = default_uris(settings)
    if not tracking.startswith("sqlite:///"):
        return True
    return Path(tracking.removeprefix("sqlite:///")).is_file()
