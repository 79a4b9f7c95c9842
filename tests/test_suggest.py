"""'did you mean …' for tables, jobs and tasks; `data-quality` finds `data_quality`."""

from __future__ import annotations

from pathlib import Path

import pytest

from iris_mlops.errors import ConfigError
from iris_mlops.suggest import did_you_mean, same_spelling, unknown_name

ROOT = Path(__file__).resolve().parents[1]


def test_did_you_mean_names_the_closest_names() -> None:
    assert did_you_mean("slver", ["bronze", "silver", "gold"]) == "did you mean 'silver'? "
    assert did_you_mean("zzzz", ["bronze", "silver"]) == ""
    expected = "unknown task 'trian'; did you mean 'train'? tasks: gold, train"
    assert unknown_name("task", "trian", ["train", "gold"]) == expected


def test_same_spelling_ignores_case_dashes_and_underscores() -> None:
    assert same_spelling("data-quality", ["data_quality", "iris_workflow"]) == "data_quality"
    assert same_spelling("Data_Quality", ["data-quality"]) == "data-quality"
    assert same_spelling("quality", ["data_quality"]) is None


def test_a_mistyped_task_name_suggests_the_task() -> None:
    from iris_mlops.tasks.registry import get_task

    with pytest.raises(ConfigError, match="unknown task 'slver'; did you mean 'silver'\\? tasks: bronze"):
        get_task("slver")


def test_a_job_is_found_by_either_spelling_and_a_typo_gets_suggestions() -> None:
    from iris_mlops.workflow.runner import load_job

    job, _ = load_job("data-quality", ROOT)
    assert job.key == "data_quality"
    with pytest.raises(ConfigError, match="no job 'iris_worklow' in the bundle; did you mean 'iris_workflow'\\?"):
        load_job("iris_worklow", ROOT)
    with pytest.raises(ConfigError, match="has no task 'slver'; did you mean 'silver'\\?"):
        load_job("iris_workflow", ROOT)[0].task("slver")
    assert load_job("iris_workflow", ROOT)[0].task("feature_store").key == "feature-store"


def test_workflow_run_with_a_mistyped_job_exits_2_in_one_line(home: Path) -> None:
    from typer.testing import CliRunner

    from iris_mlops.cli import app

    result = CliRunner().invoke(app, ["workflow", "run", "iris_worklow", "--bundle-dir", str(ROOT)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: no job 'iris_worklow' in the bundle; did you mean 'iris_workflow'? jobs: "
        + result.output.split("jobs: ", 1)[1].strip()
    )
    as_json = CliRunner().invoke(app, ["run", "--json", "--job", "nope"])
    assert as_json.exit_code == 2 and as_json.stdout == ""
