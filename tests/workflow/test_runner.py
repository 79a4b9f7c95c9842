"""The local runner's Databricks semantics, on small synthetic jobs whose tasks are fake console scripts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from iris_mlops.errors import ConfigError
from iris_mlops.workflow.model import WheelTask
from iris_mlops.workflow.report import Reporter
from iris_mlops.workflow.runner import RunResult, console_script, execute_job
from iris_mlops.workflow.semantics import RunState, Status, evaluate_run_if


def write_bundle(root: Path, tasks: list[dict[str, Any]], **job: Any) -> Path:
    """A minimal bundle with one job `demo` whose tasks call the fake scripts `iris-mlops-<task_key>`."""
    (root / "resources" / "jobs").mkdir(parents=True)
    (root / "databricks.yml").write_text(
        yaml.safe_dump(
            {
                "bundle": {"name": "demo"},
                "include": ["resources/**/*.yml"],
                "variables": {
                    "catalog": {"default": "from_default"},
                    "schema": {"default": "s"},
                    "label": {"default": "x"},
                },
            }
        )
    )
    for task in tasks:
        task.setdefault(
            "python_wheel_task",
            {
                "package_name": "iris_mlops",
                "entry_point": f"iris-mlops-{task['task_key']}",
                "parameters": ["--catalog", "${var.catalog}", "--run-id", "{{job.run_id}}", "--label", "${var.label}"],
            },
        )
        task["depends_on"] = [{"task_key": d} for d in task.get("depends_on", [])]
    spec = {"name": "demo", "tasks": tasks, **job}
    (root / "resources" / "jobs" / "demo.job.yml").write_text(yaml.safe_dump({"resources": {"jobs": {"demo": spec}}}))
    return root


class FakeScripts:
    """Console scripts that record their calls and exit with planned codes (the last code repeats)."""

    def __init__(self, codes: dict[str, list[int]] | None = None) -> None:
        self.codes = codes or {}
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, package: str, name: str) -> Callable[[list[str]], int]:
        key = name.removeprefix("iris-mlops-")

        def script(argv: list[str]) -> int:
            self.calls.append((key, argv))
            planned = self.codes.get(key, [0])
            return planned[min(len([c for c in self.calls if c[0] == key]) - 1, len(planned) - 1)]

        return script

    @property
    def order(self) -> list[str]:
        return [key for key, _ in self.calls]


def run(
    root: Path,
    scripts: FakeScripts,
    *,
    only: tuple[str, ...] = (),
    from_task: str | None = None,
    sleeps: list[float] | None = None,
    lines: list[str] | None = None,
) -> RunResult:
    """Run the demo job (one task at a time, so call orders are exact)."""
    reporter = Reporter(progress=(lines.append if lines is not None else lambda _: None), output=lambda _: None)
    return execute_job(
        "demo",
        env="local",
        only=only,
        from_task=from_task,
        bundle_dir=root,
        resolver=scripts,
        sleep=(sleeps.append if sleeps is not None else lambda _: None),
        reporter=reporter,
    )


def statuses(result: RunResult) -> dict[str, str]:
    return {task.key: task.status.value for task in result.tasks}


def test_runner_runs_tasks_in_dependency_order(tmp_path: Path, home: Path) -> None:
    root = write_bundle(
        tmp_path,
        [
            {"task_key": "c", "depends_on": ["b"]},
            {"task_key": "b", "depends_on": ["a"]},
            {"task_key": "a"},
        ],
    )
    scripts = FakeScripts()
    result = run(root, scripts)
    assert scripts.order == ["a", "b", "c"]
    assert result.state is RunState.SUCCESS and result.exit_code == 0


def _logging_scripts(log: list[str]) -> Any:
    """Scripts that log their start and end."""

    def resolver(package: str, name: str) -> Callable[[list[str]], int]:
        key = name.removeprefix("iris-mlops-")

        def script(argv: list[str]) -> int:
            log.append(f"{key}+")
            log.append(f"{key}-")
            return 0

        return script

    return resolver


def test_runner_runs_one_task_at_a_time_in_bundle_order_among_ready_tasks(tmp_path: Path, home: Path) -> None:
    root = write_bundle(tmp_path, [{"task_key": "a"}, {"task_key": "c", "depends_on": ["b"]}, {"task_key": "b"},
                                   {"task_key": "d"}])
    log: list[str] = []
    reporter = Reporter(progress=lambda _: None, output=lambda _: None)
    execute_job("demo", env="local", bundle_dir=root, resolver=_logging_scripts(log), reporter=reporter)
    # c waits for b: b and d run in bundle order, c as soon as b is done
    assert log == ["a+", "a-", "b+", "b-", "c+", "c-", "d+", "d-"]


def test_runner_failure_in_one_branch_lets_the_other_branch_finish(tmp_path: Path, home: Path) -> None:
    root = write_bundle(
        tmp_path,
        [
            {"task_key": "a"},
            {"task_key": "b", "depends_on": ["a"]},
            {"task_key": "c", "depends_on": ["a"]},
            {"task_key": "d", "depends_on": ["c"]},
        ],
    )
    scripts = FakeScripts({"b": [4]})
    result = run(root, scripts)
    assert statuses(result) == {"a": "SUCCESS", "b": "FAILED", "c": "SUCCESS", "d": "SUCCESS"}
    assert sorted(scripts.order) == ["a", "b", "c", "d"] and result.state is RunState.FAILED


def test_runner_resolves_variables_from_config_and_run_id(tmp_path: Path, home: Path) -> None:
    root = write_bundle(tmp_path, [{"task_key": "a"}, {"task_key": "b", "depends_on": ["a"]}])
    scripts = FakeScripts()
    result = run(root, scripts)
    argv_a, argv_b = scripts.calls[0][1], scripts.calls[1][1]
    # conf/local.yml names catalog `local`: it overrides the variable's default; `label` keeps its default.
    assert argv_a[:2] == ["--catalog", "local"] and argv_a[-2:] == ["--label", "x"]
    assert argv_a[3] == argv_b[3] == result.run_id and result.run_id.startswith("local-")


def test_runner_failure_stops_only_dependants(tmp_path: Path, home: Path) -> None:
    root = write_bundle(
        tmp_path,
        [
            {"task_key": "a"},
            {"task_key": "b", "depends_on": ["a"]},
            {"task_key": "c", "depends_on": ["b"]},
            {"task_key": "d", "depends_on": ["a"]},
        ],
    )
    scripts = FakeScripts({"b": [3]})
    result = run(root, scripts)
    assert statuses(result) == {"a": "SUCCESS", "b": "FAILED", "c": "UPSTREAM_FAILED", "d": "SUCCESS"}
    assert scripts.order == ["a", "b", "d"]
    assert result.state is RunState.FAILED and result.exit_code == 1


@pytest.mark.parametrize(
    ("condition", "deps", "expected"),
    [
        ("ALL_SUCCESS", [Status.SUCCESS, Status.EXCLUDED], None),
        ("ALL_SUCCESS", [Status.SUCCESS, Status.FAILED], Status.UPSTREAM_FAILED),
        ("AT_LEAST_ONE_SUCCESS", [Status.SUCCESS, Status.FAILED], None),
        ("AT_LEAST_ONE_SUCCESS", [Status.FAILED, Status.UPSTREAM_FAILED], Status.UPSTREAM_FAILED),
        ("NONE_FAILED", [Status.SUCCESS, Status.EXCLUDED], None),
        ("NONE_FAILED", [Status.SUCCESS, Status.UPSTREAM_FAILED], Status.UPSTREAM_FAILED),
        ("ALL_DONE", [Status.FAILED, Status.UPSTREAM_FAILED], None),
        ("AT_LEAST_ONE_FAILED", [Status.SUCCESS, Status.UPSTREAM_FAILED], None),
        ("AT_LEAST_ONE_FAILED", [Status.SUCCESS, Status.SUCCESS], Status.EXCLUDED),
        ("ALL_FAILED", [Status.FAILED, Status.FAILED], None),
        ("ALL_FAILED", [Status.FAILED, Status.SUCCESS], Status.EXCLUDED),
        ("ALL_SUCCESS", [Status.EXCLUDED, Status.EXCLUDED], Status.EXCLUDED),
        ("ALL_DONE", [Status.EXCLUDED], Status.EXCLUDED),
        ("ALL_SUCCESS", [], None),
    ],
)
def test_evaluate_run_if_follows_databricks_conditions(
    condition: str, deps: list[Status], expected: Status | None
) -> None:
    assert evaluate_run_if(condition, deps) is expected


def test_runner_run_if_handlers_run_on_failure_and_leaf_decides(tmp_path: Path, home: Path) -> None:
    root = write_bundle(
        tmp_path,
        [
            {"task_key": "a"},
            {"task_key": "b", "depends_on": ["a"]},
            {"task_key": "cleanup", "depends_on": ["b"], "run_if": "ALL_DONE"},
            {"task_key": "alert", "depends_on": ["b"], "run_if": "AT_LEAST_ONE_FAILED"},
        ],
    )
    result = run(root, FakeScripts({"a": [1]}))
    # b is UPSTREAM_FAILED, which counts as failed: both handlers run, and both leaves succeed.
    assert statuses(result) == {"a": "FAILED", "b": "UPSTREAM_FAILED", "cleanup": "SUCCESS", "alert": "SUCCESS"}
    assert result.state is RunState.SUCCESS_WITH_FAILURES and result.exit_code == 0


def test_runner_excluded_handler_counts_as_success(tmp_path: Path, home: Path) -> None:
    root = write_bundle(
        tmp_path,
        [
            {"task_key": "a"},
            {"task_key": "alert", "depends_on": ["a"], "run_if": "AT_LEAST_ONE_FAILED"},
            {"task_key": "after", "depends_on": ["alert"]},
        ],
    )
    scripts = FakeScripts()
    result = run(root, scripts)
    assert statuses(result) == {"a": "SUCCESS", "alert": "EXCLUDED", "after": "EXCLUDED"}
    assert scripts.order == ["a"] and result.state is RunState.SUCCESS


def test_runner_retries_then_succeeds_waiting_the_interval(tmp_path: Path, home: Path) -> None:
    root = write_bundle(tmp_path, [{"task_key": "a", "max_retries": 2, "min_retry_interval_millis": 5000}])
    sleeps: list[float] = []
    result = run(root, FakeScripts({"a": [1, 1, 0]}), sleeps=sleeps)
    task = result.tasks[0]
    assert (task.status, task.attempts, task.max_attempts) == (Status.SUCCESS, 3, 3)
    assert len(sleeps) == 2 and all(4.0 < s <= 5.0 for s in sleeps)


def test_runner_gives_up_after_max_retries(tmp_path: Path, home: Path) -> None:
    root = write_bundle(tmp_path, [{"task_key": "a", "max_retries": 1}, {"task_key": "b", "depends_on": ["a"]}])
    scripts = FakeScripts({"a": [1]})
    result = run(root, scripts)
    assert scripts.order == ["a", "a"] and statuses(result)["b"] == "UPSTREAM_FAILED"
    assert result.tasks[0].attempts == 2 and result.exit_code == 1


def test_runner_only_shows_other_tasks_excluded(tmp_path: Path, home: Path) -> None:
    root = write_bundle(tmp_path, [{"task_key": "a"}, {"task_key": "b", "depends_on": ["a"]}, {"task_key": "c"}])
    scripts = FakeScripts()
    result = run(root, scripts, only=("b",))
    assert scripts.order == ["b"]
    assert statuses(result) == {"a": "EXCLUDED", "b": "SUCCESS", "c": "EXCLUDED"}
    assert result.tasks[0].note == "not selected (--only/--from)"


def test_runner_from_runs_task_and_downstream(tmp_path: Path, home: Path) -> None:
    root = write_bundle(
        tmp_path,
        [
            {"task_key": "a"},
            {"task_key": "b", "depends_on": ["a"]},
            {"task_key": "c", "depends_on": ["b"]},
            {"task_key": "d", "depends_on": ["a"]},
        ],
    )
    scripts = FakeScripts()
    result = run(root, scripts, from_task="b")
    assert scripts.order == ["b", "c"]
    assert statuses(result) == {"a": "EXCLUDED", "b": "SUCCESS", "c": "SUCCESS", "d": "EXCLUDED"}


def test_runner_refuses_unknown_task_and_both_selectors(tmp_path: Path, home: Path) -> None:
    root = write_bundle(tmp_path, [{"task_key": "a"}])
    with pytest.raises(ConfigError, match="has no task 'zz'"):
        run(root, FakeScripts(), only=("zz",))
    with pytest.raises(ConfigError, match="not both"):
        run(root, FakeScripts(), only=("a",), from_task="a")


def test_runner_refuses_unknown_job_cycle_and_unknown_reference(tmp_path: Path, home: Path) -> None:
    root = write_bundle(
        tmp_path / "cycle", [{"task_key": "a", "depends_on": ["b"]}, {"task_key": "b", "depends_on": ["a"]}]
    )
    with pytest.raises(ConfigError, match="cycle"):
        run(root, FakeScripts())
    with pytest.raises(ConfigError, match="no job 'nope'"):
        execute_job("nope", env="local", bundle_dir=root)
    bad = write_bundle(
        tmp_path / "bad",
        [
            {
                "task_key": "a",
                "python_wheel_task": {
                    "package_name": "iris_mlops",
                    "entry_point": "iris-mlops-a",
                    "parameters": ["{{job.bogus}}"],
                },
            }
        ],
    )
    scripts = FakeScripts()
    with pytest.raises(ConfigError, match=r"unknown dynamic value \{\{job.bogus\}\}"):
        run(bad, scripts)
    assert scripts.calls == []  # refused before any task ran


def test_runner_turns_exceptions_into_failures(tmp_path: Path, home: Path) -> None:
    root = write_bundle(tmp_path, [{"task_key": "a"}, {"task_key": "b", "depends_on": ["a"], "run_if": "ALL_FAILED"}])

    def resolver(package: str, name: str) -> Callable[[list[str]], int]:
        def boom(argv: list[str]) -> int:
            raise RuntimeError("boom")

        return boom if name.endswith("-a") else (lambda argv: 0)

    reporter = Reporter(progress=lambda _: None, output=lambda _: None)
    result = execute_job("demo", env="local", bundle_dir=root, resolver=resolver, reporter=reporter)
    assert statuses(result) == {"a": "FAILED", "b": "SUCCESS"}


def test_runner_prints_summary_table(tmp_path: Path, home: Path) -> None:
    root = write_bundle(tmp_path, [{"task_key": "a"}, {"task_key": "b", "depends_on": ["a"]}])
    out: list[str] = []
    reporter = Reporter(progress=lambda _: None, output=out.append)
    execute_job("demo", env="local", bundle_dir=root, resolver=FakeScripts({"a": [2]}), reporter=reporter)
    assert out[0].split() == ["task", "status", "duration", "attempt", "note"]
    assert out[1].split()[:2] == ["a", "FAILED"] and out[1].endswith("exit code 2")
    assert out[2].split()[:2] == ["b", "UPSTREAM_FAILED"]
    assert out[-1].startswith("demo: FAILED in ")


def test_console_script_finds_installed_entry_point() -> None:
    func = console_script("iris-mlops", "iris-mlops-bronze")
    assert callable(func)
    with pytest.raises(ConfigError, match="no console script 'iris-mlops-nope'"):
        console_script("iris_mlops", "iris-mlops-nope")


class RecordingWarmUp:
    def __init__(self) -> None:
        self.tasks: list[str] = []
        self.finished = False

    def start(self, settings: object, tasks: list[WheelTask]) -> RecordingWarmUp:
        self.tasks = [t.key for t in tasks]
        return self

    def finish(self) -> None:
        self.finished = True


def test_the_runner_warms_the_selected_tasks_and_finishes_after_a_failure(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iris_mlops.workflow import runner

    recorder = RecordingWarmUp()
    monkeypatch.setattr(runner, "start_warm_up", recorder.start)
    root = write_bundle(tmp_path, [{"task_key": "a"}, {"task_key": "b", "depends_on": ["a"]}])
    result = run(root, FakeScripts({"b": [1]}), only=("b",))
    assert result.exit_code == 1
    assert recorder.tasks == ["b"] and recorder.finished


def _git(root: Path, *args: str) -> str:
    import subprocess

    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


@pytest.mark.slow  # git in subprocesses
def test_runner_passes_the_checked_out_commit_as_bundle_git_commit(tmp_path: Path, home: Path) -> None:
    params = ["--git-commit", "${bundle.git.commit}"]
    task = {"task_key": "a", "python_wheel_task": {"package_name": "iris_mlops", "entry_point": "iris-mlops-a",
                                                   "parameters": params}}
    root = write_bundle(tmp_path / "b", [task])
    scripts = FakeScripts()
    run(root, scripts)  # not a git checkout: the commit is unknown, passed as ""
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "bundle")
    run(root, scripts)
    head = _git(root, "rev-parse", "HEAD")
    assert [argv for _, argv in scripts.calls] == [["--git-commit", ""], ["--git-commit", head]]
