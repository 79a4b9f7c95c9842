"""The local runner's end-of-run hook: a failed run alerts once (unless the job has its own notify-failure task)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from notify_helpers import assert_valid_teams
from pyspark.sql import SparkSession
from pytest_httpserver import HTTPServer

from iris_mlops.workflow.report import Reporter
from iris_mlops.workflow.runner import execute_job
from iris_mlops.workflow.semantics import RunState


def _bundle(root: Path, tasks: list[dict[str, Any]]) -> Path:
    (root / "resources" / "jobs").mkdir(parents=True)
    bundle = {"bundle": {"name": "demo"}, "include": ["resources/**/*.yml"]}
    (root / "databricks.yml").write_text(yaml.safe_dump(bundle))
    for task in tasks:
        task["python_wheel_task"] = {"package_name": "iris_mlops", "entry_point": f"iris-mlops-{task['task_key']}",
                                     "parameters": ["--run-id", "{{job.run_id}}"]}
        task["depends_on"] = [{"task_key": d} for d in task.get("depends_on", [])]
    job = {"resources": {"jobs": {"demo": {"name": "demo", "tasks": tasks}}}}
    (root / "resources" / "jobs" / "demo.job.yml").write_text(yaml.safe_dump(job))
    return root


def _scripts(codes: dict[str, int], calls: list[str]) -> Callable[[str, str], Callable[[list[str]], int]]:
    def resolve(package: str, name: str) -> Callable[[list[str]], int]:
        key = name.removeprefix("iris-mlops-")

        def script(argv: list[str]) -> int:
            calls.append(key)
            return codes.get(key, 0)

        return script

    return resolve


def _run(root: Path, codes: dict[str, int], calls: list[str]) -> Any:
    return execute_job("demo", env="local", bundle_dir=root, resolver=_scripts(codes, calls),
                       reporter=Reporter(progress=lambda line: None, output=lambda line: None), warm=False)


@pytest.fixture()
def teams(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    httpserver.expect_request("/teams", method="POST").respond_with_data("", status=202)
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", httpserver.url_for("/teams"))
    return httpserver


def test_failed_local_run_sends_one_critical_alert_naming_the_failed_task(
    home: Path, spark: SparkSession, tmp_path: Path, teams: HTTPServer
) -> None:
    root = _bundle(tmp_path / "b", [{"task_key": "a"}, {"task_key": "b", "depends_on": ["a"]}])
    calls: list[str] = []
    result = _run(root, {"a": 1}, calls)
    assert result.state is RunState.FAILED and calls == ["a"]
    card = assert_valid_teams(json.loads(_teams_requests(teams)[0].data))
    text = json.dumps(card.model_dump(by_alias=True))
    assert f"run {result.run_id} of demo failed: a" in text and "critical" in text
    assert len(_teams_requests(teams)) == 1


def test_successful_run_and_a_job_with_its_own_notify_failure_task_send_nothing_from_the_hook(
    home: Path, tmp_path: Path, teams: HTTPServer
) -> None:
    calls: list[str] = []
    assert _run(_bundle(tmp_path / "ok", [{"task_key": "a"}]), {}, calls).state is RunState.SUCCESS
    notify = {"task_key": "notify-failure", "depends_on": ["a"], "run_if": "AT_LEAST_ONE_FAILED"}
    own = _bundle(tmp_path / "own", [{"task_key": "a"}, notify])
    assert _run(own, {"a": 1, "notify-failure": 1}, calls).state is RunState.FAILED
    assert calls == ["a", "a", "notify-failure"]
    assert _teams_requests(teams) == []


def _teams_requests(server: HTTPServer) -> list[Any]:
    """The requests the Teams channel received (a shared server may also log other tests' late requests)."""
    return [request for request, _ in server.log if request.path == "/teams"]
