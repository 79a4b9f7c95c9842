"""`iris-mlops workspace`: the real databricks-sdk client against a local HTTP server answering the REST calls used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from iris_mlops.cli import app
from iris_mlops.commands.workspace import load_dotenv

TOKEN = "dapi-test-token"
ME = {"userName": "ada@example.com", "displayName": "Ada", "id": "42"}


@pytest.fixture()
def workspace(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[HTTPServer]:
    """Credentials pointing at the local server; no profile file or .env of the developer is read."""
    for key in (
        "DATABRICKS_CONFIG_PROFILE",
        "DATABRICKS_CLIENT_ID",
        "DATABRICKS_CLIENT_SECRET",
        "DATABRICKS_AUTH_TYPE",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABRICKS_HOST", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    monkeypatch.chdir(tmp_path)
    yield httpserver


def job(job_id: int, key: str, target: str, creator: str = "ada@example.com") -> dict[str, Any]:
    name = f"[dev ada] iris-mlops-{key}" if target == "dev" else f"iris-mlops-{key}"
    tags = {"iris_mlops_job": key, "iris_mlops_target": target}
    return {"job_id": job_id, "creator_user_name": creator, "settings": {"name": name, "tags": tags}}


def run_state(
    state: str, code: str | None = None, tasks: dict[str, tuple[str, str | None]] | None = None
) -> dict[str, Any]:
    """A Jobs API 2.2 run carrying only `status` (state + termination code), not the deprecated `state`."""

    def status(st: str, cd: str | None) -> dict[str, Any]:
        details = {"termination_details": {"code": cd, "type": "SUCCESS" if cd == "SUCCESS" else "CLIENT_ERROR"}}
        return {"state": st, **(details if cd else {})}

    return {
        "run_id": 77,
        "run_page_url": "https://example/run/77",
        "status": status(state, code),
        "tasks": [
            {"task_key": key, "run_id": 100 + i, "status": status(*value)}
            for i, (key, value) in enumerate((tasks or {}).items())
        ],
    }


def serve_jobs(server: HTTPServer, jobs: list[dict[str, Any]]) -> None:
    server.expect_request("/api/2.2/jobs/list").respond_with_json({"jobs": jobs, "has_more": False})
    server.expect_request("/api/2.0/preview/scim/v2/Me").respond_with_json(ME)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["workspace", *args])


def test_auth_check_shows_user_and_host(workspace: HTTPServer) -> None:
    workspace.expect_request(
        "/api/2.0/preview/scim/v2/Me", headers={"Authorization": f"Bearer {TOKEN}"}
    ).respond_with_json(ME)
    result = invoke("auth-check")
    assert result.exit_code == 0, result.output
    assert "user: ada@example.com (Ada)" in result.output
    assert f"host: {workspace.url_for('/').rstrip('/')}" in result.output and "auth: pat" in result.output


def test_auth_check_bad_credentials_is_one_clear_line(workspace: HTTPServer) -> None:
    workspace.expect_request("/api/2.0/preview/scim/v2/Me").respond_with_json(
        {"error_code": "UNAUTHENTICATED", "message": "Invalid access token."}, status=401
    )
    result = invoke("auth-check")
    assert result.exit_code == 1
    assert "error: authentication failed at" in result.output and "Invalid access token" in result.output
    assert "Traceback" not in result.output


def test_auth_check_reads_dotenv(workspace: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABRICKS_TOKEN")
    (tmp_path / ".env").write_text(f"# local credentials\nexport DATABRICKS_TOKEN='{TOKEN}'\n")
    workspace.expect_request(
        "/api/2.0/preview/scim/v2/Me", headers={"Authorization": f"Bearer {TOKEN}"}
    ).respond_with_json(ME)
    result = invoke("auth-check")
    assert result.exit_code == 0, result.output


def test_load_dotenv_keeps_existing_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRIS_T_A", "from-env")
    monkeypatch.delenv("IRIS_T_B", raising=False)
    (tmp_path / ".env").write_text('IRIS_T_A=from-file\nIRIS_T_B="quoted value"\n')
    load_dotenv(tmp_path / ".env")
    import os

    assert (os.environ["IRIS_T_A"], os.environ["IRIS_T_B"]) == ("from-env", "quoted value")
    monkeypatch.delenv("IRIS_T_B")


def test_run_job_waits_and_shows_task_states(workspace: HTTPServer) -> None:
    serve_jobs(workspace, [job(1, "iris_workflow", "staging"), job(2, "iris_workflow", "dev"), job(3, "bronze", "dev")])
    workspace.expect_request("/api/2.2/jobs/run-now", method="POST", json={"job_id": 2}).respond_with_json(
        {"run_id": 77}
    )
    states = iter(
        [
            run_state("PENDING"),
            run_state("RUNNING", tasks={"bronze": ("RUNNING", None), "silver": ("BLOCKED", None)}),
            run_state(
                "TERMINATED",
                "SUCCESS",
                tasks={"bronze": ("TERMINATED", "SUCCESS"), "silver": ("TERMINATED", "SUCCESS")},
            ),
        ]
    )
    workspace.expect_request("/api/2.2/jobs/runs/get").respond_with_handler(lambda request: _json(next(states)))
    result = invoke("run-job", "iris_workflow", "--target", "dev", "--wait", "--poll-seconds", "0")
    assert result.exit_code == 0, result.output
    assert "started run 77 of iris_workflow (dev, job id 2)" in result.output
    assert "bronze: RUNNING" in result.output and "silver: TERMINATED SUCCESS" in result.output
    assert "run 77: SUCCESS" in result.output


def test_run_job_failed_run_exits_non_zero(workspace: HTTPServer) -> None:
    serve_jobs(workspace, [job(5, "bronze", "prod")])
    workspace.expect_request("/api/2.2/jobs/run-now", method="POST").respond_with_json({"run_id": 77})
    failed = run_state("TERMINATED", "RUN_EXECUTION_ERROR", tasks={"bronze": ("TERMINATED", "RUN_EXECUTION_ERROR")})
    workspace.expect_request("/api/2.2/jobs/runs/get").respond_with_json(failed)
    result = invoke("run-job", "bronze", "-t", "prod", "--wait", "--poll-seconds", "0")
    assert result.exit_code == 1
    assert "bronze: TERMINATED RUN_EXECUTION_ERROR" in result.output and "run 77: RUN_EXECUTION_ERROR" in result.output


PARTIAL_TASKS = {"bronze": ("TERMINATED", "SUCCESS"), "data-quality": ("TERMINATED", "RUN_EXECUTION_ERROR")}


@pytest.mark.parametrize(("flags", "exit_code"), [((), 1), (("--allow-partial",), 0)])
def test_run_job_success_with_failures_fails_unless_allowed(
    workspace: HTTPServer, flags: tuple[str, ...], exit_code: int
) -> None:
    serve_jobs(workspace, [job(5, "iris_workflow", "staging")])
    workspace.expect_request("/api/2.2/jobs/run-now", method="POST").respond_with_json({"run_id": 77})
    partial = run_state("TERMINATED", "SUCCESS_WITH_FAILURES", tasks=PARTIAL_TASKS)
    workspace.expect_request("/api/2.2/jobs/runs/get").respond_with_json(partial)
    result = invoke("run-job", "iris_workflow", "-t", "staging", "--wait", "--poll-seconds", "0", *flags)
    assert result.exit_code == exit_code, result.output
    assert "run 77: SUCCESS_WITH_FAILURES" in result.output
    assert "tasks that did not succeed: data-quality;" in result.output


def test_run_job_reads_status_not_the_deprecated_state(workspace: HTTPServer) -> None:
    serve_jobs(workspace, [job(5, "gold", "prod")])
    workspace.expect_request("/api/2.2/jobs/run-now", method="POST").respond_with_json({"run_id": 77})
    # The deprecated `state` claims success; `status` says the run failed: status wins.
    run = run_state("TERMINATED", "RUN_EXECUTION_ERROR", tasks={"gold": ("TERMINATED", "RUN_EXECUTION_ERROR")})
    run["state"] = {"life_cycle_state": "TERMINATED", "result_state": "SUCCESS", "state_message": ""}
    workspace.expect_request("/api/2.2/jobs/runs/get").respond_with_json(run)
    result = invoke("run-job", "gold", "-t", "prod", "--wait", "--poll-seconds", "0")
    assert result.exit_code == 1 and "run 77: RUN_EXECUTION_ERROR" in result.output


def test_run_job_without_wait_returns_after_start(workspace: HTTPServer) -> None:
    serve_jobs(workspace, [job(5, "bronze", "dev")])
    workspace.expect_request("/api/2.2/jobs/run-now", method="POST").respond_with_json({"run_id": 77})
    workspace.expect_request("/api/2.2/jobs/runs/get").respond_with_json(run_state("PENDING"))
    result = invoke("run-job", "bronze")
    assert result.exit_code == 0 and "https://example/run/77" in result.output


def test_run_job_unknown_job_is_one_clear_line(workspace: HTTPServer) -> None:
    # The display name matches, but no job carries the bundle's tags for this key and target.
    serve_jobs(workspace, [job(1, "iris_workflow", "staging"), {"job_id": 9, "settings": {"name": "iris-mlops-gold"}}])
    result = invoke("run-job", "gold", "--target", "staging")
    assert result.exit_code == 1
    assert "error: no job deployed with tags iris_mlops_job=gold, iris_mlops_target=staging" in result.output


def test_run_job_prefers_the_current_users_dev_copy(workspace: HTTPServer) -> None:
    serve_jobs(workspace, [job(1, "gold", "dev", creator="bob@example.com"), job(2, "gold", "dev")])
    workspace.expect_request("/api/2.2/jobs/run-now", method="POST", json={"job_id": 2}).respond_with_json(
        {"run_id": 77}
    )
    workspace.expect_request("/api/2.2/jobs/runs/get").respond_with_json(run_state("PENDING"))
    result = invoke("run-job", "gold")
    assert result.exit_code == 0, result.output
    assert "job id 2" in result.output


def _json(payload: dict[str, Any]) -> Any:
    import json

    from werkzeug import Response

    return Response(json.dumps(payload), content_type="application/json")
