"""`iris-mlops alerts send|setup` without Spark: arguments, exit codes, payloads, where the URL is stored."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from notify_helpers import assert_valid_teams
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from iris_mlops.commands import alerts_setup
from iris_mlops.commands.alerts import app, parse_links, parse_since
from iris_mlops.errors import InputError
from iris_mlops.notify.delivery import DeliveryResult

TEAMS_URL = "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SETUP-SECRET-1"


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_alerts_send_posts_a_valid_teams_card_and_prints_the_answer(
    home: Path, runner: CliRunner, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/hook/CI-SECRET-2", method="POST").respond_with_data("", status=202)
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", httpserver.url_for("/hook/CI-SECRET-2"))
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("ALERTS_WEBHOOK_URL", raising=False)
    result = runner.invoke(app, ["send", "--no-record", "--severity", "critical", "--title", "Deploy failed: staging",
                                 "--text", "bundle deploy exited 1", "--link", "Workflow run=https://github.com/o/r/actions/runs/1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "teams: delivered (HTTP 202, 1 attempt(s))"
    card = assert_valid_teams(json.loads(httpserver.log[0][0].data))
    assert [a.url for a in card.actions or []] == ["https://github.com/o/r/actions/runs/1"]
    assert "bundle deploy exited 1" in json.dumps(card.model_dump(by_alias=True))


def test_alerts_send_failure_exits_1_without_the_url(
    home: Path, runner: CliRunner, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/hook/CI-SECRET-2", method="POST").respond_with_data("Bad", status=400)
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", httpserver.url_for("/hook/CI-SECRET-2"))
    result = runner.invoke(app, ["send", "--no-record", "--channel", "teams", "--title", "x"])
    assert result.exit_code == 1
    assert "error: not delivered to teams: rejected: HTTP 400: Bad" in result.stderr
    assert "CI-SECRET-2" not in result.output


@pytest.mark.parametrize("args", [["--severity", "fatal"], ["--link", "no-equals-sign"]])
def test_alerts_send_bad_arguments_exit_2(home: Path, runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, ["send", "--no-record", "--title", "x", *args])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_parse_links_and_since() -> None:
    assert parse_links(["MLflow run=https://x/y?a=b"]) == {"MLflow run": "https://x/y?a=b"}
    now = datetime(2026, 11, 29, 18, 0, tzinfo=timezone.utc)
    assert parse_since("24h", now=now) == datetime(2026, 11, 28, 18, 0, tzinfo=timezone.utc)
    assert parse_since("7d", now=now) == datetime(2026, 11, 22, 18, 0, tzinfo=timezone.utc)
    assert parse_since("2026-11-01") == datetime(2026, 11, 1, tzinfo=timezone.utc)
    with pytest.raises(InputError, match="--since 'yesterday'"):
        parse_since("yesterday")


class FakeDeliver:
    def __init__(self, result: DeliveryResult) -> None:
        self.result = result
        self.payloads: list[dict[str, Any]] = []

    def __call__(self, url: str, payload: dict[str, Any], **kwargs: Any) -> DeliveryResult:
        self.payloads.append(payload)
        return self.result


def test_alerts_setup_local_tests_then_writes_env_file_0600(
    home: Path, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeDeliver(DeliveryResult("delivered", 1, 202))
    monkeypatch.setattr(alerts_setup, "deliver", fake)
    monkeypatch.delenv("TEAMS_WEBHOOK_URL", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("DATABRICKS_HOST=https://adb-1.azuredatabricks.net\nTEAMS_WEBHOOK_URL=old\n")
    env_file.chmod(0o644)
    result = runner.invoke(app, ["setup", "--env-file", str(env_file)], input=f"{TEAMS_URL}\n")
    assert result.exit_code == 0, result.output
    assert_valid_teams(fake.payloads[0])
    assert env_file.read_text() == f"DATABRICKS_HOST=https://adb-1.azuredatabricks.net\nTEAMS_WEBHOOK_URL={TEAMS_URL}\n"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert "SETUP-SECRET-1" not in result.output


def test_alerts_setup_warns_on_an_unusual_host_and_refuses_plain_http(
    home: Path, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts_setup, "deliver", FakeDeliver(DeliveryResult("delivered", 1, 202)))
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", "https://proxy.example.com/teams/SECRET-3")
    result = runner.invoke(app, ["setup", "--env-file", str(tmp_path / ".env")])
    assert result.exit_code == 0
    assert "warning: unusual host proxy.example.com for a teams webhook" in result.stderr
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", "http://proxy.example.com/teams/SECRET-3")
    refused = runner.invoke(app, ["setup", "--env-file", str(tmp_path / ".env2")])
    assert refused.exit_code == 2 and "must start with https://" in refused.stderr
    assert "SECRET-3" not in refused.output and not (tmp_path / ".env2").exists()


def test_alerts_setup_stores_nothing_when_the_test_card_fails(
    home: Path, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts_setup, "deliver", FakeDeliver(DeliveryResult("failed", 1, 400, "rejected: HTTP 400")))
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", TEAMS_URL)
    result = runner.invoke(app, ["setup", "--env-file", str(tmp_path / ".env")])
    assert result.exit_code == 1 and "nothing stored" in result.stderr
    assert not (tmp_path / ".env").exists()


def test_alerts_setup_for_a_target_writes_the_targets_secret_scope(
    home: Path, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored: list[tuple[str, str, str]] = []
    monkeypatch.setattr(alerts_setup, "deliver", FakeDeliver(DeliveryResult("delivered", 1, 202)))
    monkeypatch.setattr(alerts_setup, "store_databricks_secret", lambda s, k, v: stored.append((s, k, v)))
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", TEAMS_URL)
    result = runner.invoke(app, ["setup", "--target", "staging", "--env-file", str(tmp_path / ".env")])
    assert result.exit_code == 0, result.output
    assert stored == [("iris-mlops-staging", "teams_webhook_url", TEAMS_URL)]
    assert "iris-mlops-staging/teams_webhook_url" in result.stdout


def test_alert_failed_local_run_never_raises(
    home: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from iris_mlops.tasks.alerts import alert_failed_local_run

    report = alert_failed_local_run(job="iris_workflow", env="local", run_id="r9", failed_tasks=["silver"])
    assert report is not None and report.message is not None
    assert report.message.findings[0].key == "run|iris_workflow|critical" and report.outcomes == ()
    monkeypatch.setenv("IRIS_MLOPS_ALERTS__COOLDOWN_HOURS", "-1")
    assert alert_failed_local_run(job="iris_workflow", env="local", run_id="r9", failed_tasks=[]) is None
    assert "[notify-failure] alert not sent" in capfd.readouterr().err


def test_notify_failure_task_alerts_then_exits_1(home: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from iris_mlops.entrypoints import run_task

    code = run_task("notify-failure", ["--job", "iris_workflow", "--failed-task", "silver", "--run-id", "r5", "--json"])
    out, err = capfd.readouterr()
    assert code == 1
    assert json.loads(out) == {"channels": [], "failed_tasks": ["silver"], "job": "iris_workflow", "run_id": "r5"}
    assert "error: run r5 of iris_workflow failed (silver); no alert delivered" in err
