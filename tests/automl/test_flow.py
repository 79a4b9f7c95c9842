"""The AutoML flow against a local MLflow store: run hierarchy, leaderboard artifacts, registration and gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from iris_mlops.automl.flow import run_automl
from iris_mlops.config import Settings, load_settings
from iris_mlops.errors import ModelError
from iris_mlops.ml.data import TrainingData

TINY = {"folds": 2, "trials_per_family": 1, "seed": 3, "search_spaces": {"random_forest": {"n_estimators": [10]}}}


def _settings(home: Path, **automl: object) -> Settings:
    return load_settings("local", overrides={"automl": {**TINY, **automl}}, environ={"IRIS_MLOPS_HOME": str(home)})


@pytest.fixture(scope="module")
def mlflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite store for the module: creating it (schema migrations) costs seconds."""
    from iris_mlops.ml.tracking import configure_mlflow

    home = tmp_path_factory.mktemp("automl-home")
    configure_mlflow(_settings(home))
    return home


def test_run_automl_logs_runs_registers_and_gates(iris_training: TrainingData, mlflow_home: Path) -> None:
    from mlflow import MlflowClient

    from iris_mlops.ml.tracking import configure_mlflow

    settings = _settings(mlflow_home)
    target = configure_mlflow(settings)
    lines: list[str] = []
    result = run_automl(iris_training, settings, target, run_id="t1", echo=lines.append)

    assert [r["rank"] for r in result["leaderboard"]] == [1, 2, 3, 4, 5, 6]
    assert result["winner"] == result["leaderboard"][0]["family"]
    assert not result["partial"]
    assert result["n_test"] == 30 and result["n_train"] == 120
    assert result["gate"]["promoted"] and result["gate"]["version"] == "1"

    client = MlflowClient()
    parent = client.get_run(result["mlflow_parent_run_id"])
    assert parent.data.tags["automl.winner"] == result["winner"]
    assert parent.data.tags["gate.decision"] == "promoted"
    assert {a.path for a in client.list_artifacts(parent.info.run_id)} >= {
        "leaderboard.json",
        "leaderboard.csv",
        "leaderboard.png",
        "trials.csv",
        "skipped.json",
    }
    children = client.search_runs([target.experiment_id], f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'")
    winner_run = f"winner-{result['winner']}"
    families = [r for r in children if "automl.family" in r.data.tags and r.info.run_name != winner_run]
    assert len(families) == 6
    assert any(r.info.run_name == winner_run for r in children)
    knn = next(r for r in families if r.data.tags["automl.family"] == "knn")
    trials = client.search_runs([target.experiment_id], f"tags.`mlflow.parentRunId` = '{knn.info.run_id}'")
    assert len(trials) == 1
    history = client.get_metric_history(trials[0].info.run_id, "f1_macro_fold")
    assert sorted(m.step for m in history) == [0, 1]
    assert {"f1_macro_mean", "f1_macro_std", "fit_seconds"} <= set(trials[0].data.metrics)
    assert str(client.get_model_version_by_alias(target.model_name, "champion").version) == "1"
    assert any("leaderboard" in line for line in lines)


def test_run_automl_without_any_finished_trial_fails_and_marks_the_run(
    iris_training: TrainingData, mlflow_home: Path
) -> None:
    from mlflow import MlflowClient

    from iris_mlops.ml.tracking import configure_mlflow

    settings = _settings(mlflow_home, time_limit_seconds=1e-9)
    target = configure_mlflow(settings)
    with pytest.raises(ModelError, match="no trial"):
        run_automl(iris_training, settings, target, run_id="t2", echo=lambda _: None)
    runs = MlflowClient().search_runs([target.experiment_id], "tags.`iris_mlops.run_id` = 't2'")
    parent = next(r for r in runs if r.info.run_name == "automl-t2")
    assert parent.info.status == "FAILED"
    assert parent.data.tags["automl.partial"] == "true"


def test_search_reports_progress_trial_by_trial(iris_training: TrainingData, tmp_path: Path) -> None:
    from iris_mlops.automl.flow import search
    from iris_mlops.automl.runner import plan

    settings = _settings(tmp_path)
    calls: list[tuple[int, int]] = []
    search(iris_training, settings, echo=lambda line: None, on_progress=lambda d, t: calls.append((d, t)))
    planned = len(plan(settings.automl))
    assert planned > 1 and calls[-1] == (planned, planned)
    assert [done for done, _ in calls[:-1]] == list(range(1, planned + 1))
