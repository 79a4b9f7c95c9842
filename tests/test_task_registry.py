"""The one task list (tasks/registry.py) against everything derived from it or kept beside it."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
import tomllib
import yaml
from typer.testing import CliRunner

from iris_mlops import entrypoints
from iris_mlops.cli import app
from iris_mlops.errors import ConfigError
from iris_mlops.tasks.command import SHARED_OPTIONS, TaskResult
from iris_mlops.tasks.registry import TASKS, get_task, task_names

ROOT = Path(__file__).resolve().parents[1]


def _wheel_tasks() -> list[tuple[str, dict[str, object]]]:
    found = []
    for path in sorted((ROOT / "resources/jobs").glob("*.yml")):
        for job in (yaml.safe_load(path.read_text()) or {}).get("resources", {}).get("jobs", {}).values():
            found += [(path.name, t) for t in job.get("tasks", []) if "python_wheel_task" in t]
    return found


def test_registry_names_are_unique_kebab_case() -> None:
    names = task_names()
    assert len(names) == len(set(names)) >= 8
    assert all(n == n.lower() and "_" not in n and " " not in n for n in names)


def test_pyproject_scripts_are_exactly_the_registry_tasks() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    tasks = {k: v for k, v in scripts.items() if k != "iris-mlops"}
    assert tasks == {t.console_script: f"iris_mlops.entrypoints:{t.function_name}" for t in TASKS}
    assert scripts["iris-mlops"] == "iris_mlops.cli:main"


def test_every_job_wheel_task_names_a_registry_task() -> None:
    scripts = {t.console_script: t.name for t in TASKS}
    wheel_tasks = _wheel_tasks()
    assert wheel_tasks
    for file, task in wheel_tasks:
        wheel = task["python_wheel_task"]
        assert isinstance(wheel, dict)
        assert wheel["package_name"] == "iris_mlops", file
        assert wheel["entry_point"] in scripts, f"{file}: {wheel['entry_point']} is not in tasks/registry.py"
        name, key = scripts[wheel["entry_point"]], str(task["task_key"])
        assert key == name or key.startswith(f"{name}-"), f"{file}: task_key {key!r} must be the task name {name!r}"


def test_cli_has_one_subcommand_per_task_with_the_shared_options() -> None:
    runner = CliRunner()
    for task in TASKS:
        result = runner.invoke(app, [task.name, "--help"])
        assert result.exit_code == 0, result.output
        for option in ("--env", "--catalog", "--schema", "--run-id", "--git-commit", "--json"):
            assert option in result.output, f"{task.name} lacks {option}"


def test_entrypoint_functions_are_derived_from_the_registry() -> None:
    for task in TASKS:
        assert callable(getattr(entrypoints, task.function_name))
    with pytest.raises(AttributeError):
        entrypoints.no_such_task  # noqa: B018


def test_get_task_unknown_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown task 'nope'"):
        get_task("nope")


def test_run_functions_take_the_context_and_return_a_result_dataclass() -> None:
    for task in TASKS:
        params = list(inspect.signature(task.run).parameters.values())
        assert params[0].name == "ctx"
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:]), task.name
        assert not set(SHARED_OPTIONS) & {p.name for p in params}, f"{task.name} redeclares a shared option"
        hints = inspect.get_annotations(task.run, eval_str=True)
        assert issubclass(hints["return"], TaskResult), task.name


def test_help_exits_zero_and_a_bad_env_raises_system_exit(capsys: pytest.CaptureFixture[str]) -> None:
    assert entrypoints.bronze(["--help"]) is None
    with pytest.raises(SystemExit) as raised:
        entrypoints.bronze(["--env", "nope"])
    assert raised.value.code == 2
    assert "nope" in capsys.readouterr().err


def test_task_result_json_is_the_dataclass_fields() -> None:
    from iris_mlops.tasks.medallion import GoldResult

    result = GoldResult(table="c.s.iris_gold", version=3, silver_version=2, run_id="r")
    assert json.loads(result.to_json()) == {"table": "c.s.iris_gold", "version": 3, "silver_version": 2, "run_id": "r"}


def test_task_result_json_leaves_out_parts_that_did_not_run() -> None:
    from iris_mlops.tasks.medallion import SilverResult

    idle = json.loads(SilverResult(batches=[], missing_from_bronze=[], run_id="r").to_json())
    assert idle == {"batches": [], "missing_from_bronze": [], "run_id": "r"}
    done = json.loads(SilverResult(batches=["b"], missing_from_bronze=[], run_id="r", silver_version=0).to_json())
    assert done["silver_version"] == 0 and "quarantine_version" not in done


def test_git_commit_option_wins_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from iris_mlops.tasks.context import resolve_git_commit

    monkeypatch.setenv("GIT_COMMIT", "from-env")
    assert resolve_git_commit("abc123") == "abc123"
    assert resolve_git_commit(None) == "from-env"
    assert resolve_git_commit("${bundle.git.commit}") == "from-env"  # unresolved bundle variable
