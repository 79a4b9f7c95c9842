"""`automl` and `eda-benchmark` end to end through their console-script entry points, on a temporary home."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from iris_mlops.entrypoints import run_task

SMALL = {
    "IRIS_MLOPS_AUTOML__FOLDS": "2",
    "IRIS_MLOPS_AUTOML__TRIALS_PER_FAMILY": "1",
    "IRIS_MLOPS_BENCHMARK__FOLDS": "2",
    "IRIS_MLOPS_BENCHMARK__REPEATS": "1",
}


@pytest.mark.e2e
def test_automl_then_eda_benchmark_on_a_fresh_home(
    home: Path, spark: SparkSession, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in SMALL.items():
        monkeypatch.setenv(key, value)
    for name in ("bronze", "silver", "feature-store"):
        assert run_task(name, []) == 0
    capsys.readouterr()

    assert run_task("automl", ["--json", "--run-id", "a1", "--git-commit", "c0ffee"]) == 0
    captured = capsys.readouterr()
    automl = json.loads(captured.out)
    assert len(automl["leaderboard"]) == 6 and automl["leaderboard"][0]["family"] == automl["winner"]
    assert automl["gate"]["promoted"] and not automl["partial"]
    assert "leaderboard" not in captured.err  # --json keeps the console quiet
    import mlflow

    runs = mlflow.search_runs(search_all_experiments=True, filter_string="tags.`iris_mlops.run_id` = 'a1'")
    assert len(runs) >= 1 + 6 + 6 + 1  # parent, families, their trials, the winner
    assert set(runs["tags.git_commit"]) == {"c0ffee"}  # every MLflow run the task opened

    assert run_task("eda-benchmark", ["--only", "benchmark", "--json"]) == 0
    bench = json.loads(capsys.readouterr().out)
    assert len(bench["benchmark"]) == 10 and "eda_report" not in bench
    assert all(Path(p).is_file() for p in bench["benchmark_files"])

    assert run_task("eda-benchmark", ["--only", "eda", "--json"]) == 0
    eda = json.loads(capsys.readouterr().out)
    assert Path(eda["eda_report"]) == home.resolve() / "reports" / "eda_report.html"
    assert len(eda["eda_charts"]) >= 15 and "benchmark_scores" in eda["eda_charts"]


@pytest.mark.e2e
def test_automl_without_a_feature_table_fails_in_one_line(
    home: Path, spark: SparkSession, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_task("automl", []) == 1
    err = capsys.readouterr().err
    assert "iris_features does not exist" in err and "iris-mlops feature-store" in err and "Traceback" not in err


def test_eda_benchmark_refuses_an_unknown_part() -> None:
    from typer.testing import CliRunner

    from iris_mlops.cli import app

    result = CliRunner().invoke(app, ["eda-benchmark", "--only", "plots"])
    assert result.exit_code == 2
    assert "plots" in result.output
