"""Collecting a run's summary: the job graph from the runner's result, links to this run's reports."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from iris_mlops.config import load_settings
from iris_mlops.workflow.model import Job, WheelTask
from iris_mlops.workflow.run_summary import collect_summary, report_links, runs_folder, task_runs
from iris_mlops.workflow.runner import RunResult, TaskResult
from iris_mlops.workflow.semantics import RunState, Status

JOB = Job("iris_workflow", "iris", (
    WheelTask("bronze", "iris-mlops-bronze", "iris_mlops"),
    WheelTask("silver", "iris-mlops-silver", "iris_mlops", depends_on=("bronze",)),
    WheelTask("gold", "iris-mlops-gold", "iris_mlops", depends_on=("silver",)),
))
RESULT = RunResult("iris_workflow", "local-1", RunState.FAILED, [
    TaskResult("bronze", Status.SUCCESS, attempts=1, duration=5.5),
    TaskResult("silver", Status.FAILED, attempts=2, max_attempts=2, duration=3.0, note="exit code 1"),
    TaskResult("gold", Status.UPSTREAM_FAILED, note="run_if ALL_SUCCESS not met (silver FAILED)"),
], duration=9.1)


def test_task_runs_carry_status_time_and_dependencies() -> None:
    tasks = task_runs(RESULT, JOB)
    assert [(t.key, t.status, t.duration_seconds, t.depends_on) for t in tasks] == [
        ("bronze", "SUCCESS", 5.5, ()), ("silver", "FAILED", 3.0, ("bronze",)),
        ("gold", "UPSTREAM_FAILED", None, ("silver",)),
    ]
    assert tasks[1].note == "exit code 1"


def test_report_links_point_at_this_runs_reports_relative_to_the_summary(home: Path) -> None:
    settings = load_settings("local")
    quality = settings.reports_dir / "quality"
    quality.mkdir(parents=True)
    for name in ("local-1-iris_bronze.html", "local-2-iris_bronze.html"):
        (quality / name).write_text("<html></html>", encoding="utf-8")
    (settings.reports_dir / "eda_report.html").write_text("<html></html>", encoding="utf-8")
    links = report_links(settings, "local-1", runs_folder(settings))
    assert [(link.label, link.href) for link in links] == [
        ("Data quality report (iris_bronze)", "../quality/local-1-iris_bronze.html"),
        ("EDA report (latest)", "../eda_report.html"),
    ]


def test_collect_summary_without_a_store_or_training_needs_neither_spark_nor_mlflow(home: Path) -> None:
    settings = load_settings("local")
    started = datetime(2026, 11, 29, 18, 0, tzinfo=timezone.utc)
    summary = collect_summary(RESULT, JOB, settings=settings, started_at=started, store=None)
    assert (summary.state, summary.failed, summary.started_at) == ("FAILED", True, "2026-11-29T18:00:00+00:00")
    assert summary.model is None and summary.tables == () and len(summary.tasks) == 3
    assert summary.mlflow_command and "mlflow.db" in summary.mlflow_command


def test_table_versions_read_versions_and_row_counts_from_the_delta_log(home: Path, spark) -> None:
    from iris_mlops.storage import make_store
    from iris_mlops.storage.metadata import DeltaLog, open_metadata
    from iris_mlops.workflow.run_summary import table_versions

    settings = load_settings("local")
    store = make_store(settings, spark)
    rows = spark.createDataFrame([("b1", 1), ("b1", 2), ("b2", 3)], "batch_id string, n int")
    store.append(settings.table("bronze"), rows, run_id="r1")
    store.append(settings.table("bronze"), rows.limit(1), run_id="r2")
    store.overwrite(settings.table("gold"), rows.limit(2), run_id="r3")
    metadata = open_metadata(settings, store)
    assert isinstance(metadata, DeltaLog)  # the local store: no Spark job for a row count
    found = {(t.name, t.version, t.rows, t.upstream) for t in table_versions(settings, metadata)}
    assert found == {("iris_bronze", 1, 4, ()), ("iris_gold", 0, 2, ("iris_silver",))}
