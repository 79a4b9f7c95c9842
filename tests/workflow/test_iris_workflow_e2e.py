"""End to end: the real `iris_workflow` job of the bundle, run locally through the real console scripts."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from iris_mlops.cli import app
from iris_mlops.config import load_settings

ROOT = Path(__file__).resolve().parents[2]


def _workflow_scripts() -> set[str]:
    job = yaml.safe_load((ROOT / "resources/jobs/iris_workflow.job.yml").read_text())["resources"]["jobs"][
        "iris_workflow"
    ]
    return {task["python_wheel_task"]["entry_point"] for task in job["tasks"]}


MISSING = sorted(_workflow_scripts() - {ep.name for ep in entry_points(group="console_scripts")})


@pytest.mark.e2e
@pytest.mark.skipif(bool(MISSING), reason=f"console scripts not installed yet: {', '.join(MISSING)}")
def test_iris_workflow_runs_every_task_locally(spark: object, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["workflow", "run", "iris_workflow", "--env", "local"])
    assert result.exit_code == 0, result.output
    summary = [line.split() for line in result.stdout.splitlines()]
    statuses = {row[0]: row[1] for row in summary[1:-1]}
    tasks = ["bronze", "silver", "gold", "data-quality", "feature-store", "train", "deploy-serving",
             "batch-inference", "monitor"]
    assert statuses == {**dict.fromkeys(tasks, "SUCCESS"), "notify-failure": "EXCLUDED"}  # runs only on failure
    assert summary[-1][:2] == ["iris_workflow:", "SUCCESS"]
    settings = load_settings("local")
    from iris_mlops.storage import make_store

    store = make_store(settings, spark)  # type: ignore[arg-type]
    for key in ("bronze", "silver", "gold", "features", "predictions", "monitor_runs"):
        assert store.exists(settings.table(key)), settings.table(key)


@pytest.mark.e2e
@pytest.mark.skipif(bool(MISSING), reason=f"console scripts not installed yet: {', '.join(MISSING)}")
def test_iris_workflow_failed_task_stops_its_dependants(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The real job with silver's parameters broken; --from silver keeps it fast (no Spark work before the failure).
    monkeypatch.chdir(ROOT)
    job_file = ROOT / "resources/jobs/iris_workflow.job.yml"
    bundle = tmp_path / "bundle"
    (bundle / "resources/jobs").mkdir(parents=True)
    (bundle / "databricks.yml").write_text((ROOT / "databricks.yml").read_text())
    spec = yaml.safe_load(job_file.read_text())
    silver = spec["resources"]["jobs"]["iris_workflow"]["tasks"][1]
    silver["python_wheel_task"]["parameters"] += ["--no-such-option"]  # silver refuses to start
    (bundle / "resources/jobs/iris_workflow.job.yml").write_text(yaml.safe_dump(spec))
    result = CliRunner().invoke(
        app, ["workflow", "run", "iris_workflow", "--env", "local", "--from", "silver", "--bundle-dir", str(bundle)]
    )
    assert result.exit_code == 1, result.output
    statuses = {row.split()[0]: row.split()[1] for row in result.stdout.splitlines()[1:-1]}
    assert statuses == {
        "bronze": "EXCLUDED",
        "silver": "FAILED",
        "gold": "UPSTREAM_FAILED",
        "data-quality": "UPSTREAM_FAILED",
        "feature-store": "UPSTREAM_FAILED",
        "train": "UPSTREAM_FAILED",
        "deploy-serving": "UPSTREAM_FAILED",
        "batch-inference": "UPSTREAM_FAILED",
        "monitor": "UPSTREAM_FAILED",
        "notify-failure": "FAILED",  # it ran (run_if AT_LEAST_ONE_FAILED), alerted, and failed the run
    }
    assert "No such option: --no-such-option" in result.output


FULL_TASKS = ["bronze", "silver", "gold", "data-quality", "feature-store", "train", "automl", "eda-benchmark",
              "batch-inference", "monitor"]


@pytest.mark.e2e
@pytest.mark.skipif(bool(MISSING), reason=f"console scripts not installed yet: {', '.join(MISSING)}")
def test_mlops_full_runs_the_chain_in_one_spark_session_and_one_mlflow_store(
    spark: object, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iris_mlops.spark import get_spark

    monkeypatch.chdir(ROOT)
    # Small searches: the chain is under test, not the models.
    for key, value in {"AUTOML__TRIALS_PER_FAMILY": "1", "AUTOML__FOLDS": "2", "BENCHMARK__FOLDS": "2",
                       "BENCHMARK__REPEATS": "1", "BENCHMARK__MODELS": "[lda, knn]"}.items():
        monkeypatch.setenv(f"IRIS_MLOPS_{key}", value)
    result = CliRunner().invoke(app, ["workflow", "run", "mlops_full", "--env", "local"])
    assert result.exit_code == 0, result.output
    statuses = {row.split()[0]: row.split()[1] for row in result.stdout.splitlines()[1:-1]}
    assert statuses == {**dict.fromkeys(FULL_TASKS, "SUCCESS"), "notify-failure": "EXCLUDED"}  # runs only on failure
    assert get_spark() is spark  # every task used the one session this process already had
    settings = load_settings("local")
    assert sorted(p.name for p in settings.home.glob("*.db")) == ["mlflow.db"]
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{settings.home / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(settings.experiment_name)
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) >= 3  # train, automl and eda-benchmark each logged to this one store
    assert len(client.search_model_versions(f"name='{settings.mlflow.model_name}'")) >= 2  # train + automl
    reports = settings.reports_dir
    assert (reports / "eda_report.html").is_file() and (reports / "benchmark_leaderboard.json").is_file()
    assert list((reports / "monitoring").glob("*.html"))  # the monitor checked the new batches against @champion
    from iris_mlops.storage.local_delta import LocalDeltaStore

    predictions = LocalDeltaStore(spark, settings.home / "warehouse").read(settings.table("predictions"))
    assert predictions.count() == 150 and {r.mode for r in predictions.select("mode").distinct().collect()} == {"batch"}
