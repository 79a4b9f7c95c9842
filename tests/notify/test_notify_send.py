"""send_findings end to end: channels, delivery, the alerts table, dedupe across runs, required channels, leaks."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from notify_helpers import NOW, assert_valid_teams, finding, sample_findings
from pyspark.sql import SparkSession
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from iris_mlops.config import load_settings, masked
from iris_mlops.errors import AlertDeliveryError
from iris_mlops.notify.findings import Severity
from iris_mlops.schemas import ALERTS_SCHEMA
from iris_mlops.tasks.alerts import SendOptions, notify_failed_run, report_json, send_findings
from iris_mlops.tasks.context import TaskContext

TEAMS_PATH, SLACK_PATH = "/teams/TEAMS-SECRET-41f9", "/slack/T000/B000/SLACK-SECRET-88aa"


def _context(*, required: bool = False, run_id: str = "run-1", cooldown: float = 6) -> TaskContext:
    channels = [
        {"name": "teams", "type": "teams", "url_env": "TEST_TEAMS_URL", "required": required},
        {"name": "slack", "type": "slack", "url_env": "TEST_SLACK_URL", "min_severity": "error"},
    ]
    settings = load_settings("local", overrides={"alerts": {"channels": channels, "cooldown_hours": cooldown,
                                                             "retry_attempts": 2, "backoff_initial_seconds": 0}})
    return TaskContext(name="test", settings=settings, run_id=run_id)


def _options(server: HTTPServer, **kwargs: Any) -> SendOptions:
    environ = {"TEST_TEAMS_URL": server.url_for(TEAMS_PATH) + "?sig=SIG-SECRET-0c1d",
               "TEST_SLACK_URL": server.url_for(SLACK_PATH)}
    return SendOptions(environ=environ, now=kwargs.pop("now", NOW), sleep=lambda _: None, **kwargs)


def _rows(ctx: TaskContext) -> list[dict[str, Any]]:
    df = ctx.store.read(ctx.settings.table("alerts"))
    return [r.asDict() for r in df.orderBy("sent_at", "channel").collect()]


def test_send_findings_delivers_one_message_per_channel_and_records_it(
    home: Path, spark: SparkSession, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(TEAMS_PATH, method="POST").respond_with_data("", status=202)
    httpserver.expect_request(SLACK_PATH, method="POST").respond_with_data("ok", status=200)
    ctx = _context()
    report = send_findings(ctx, sample_findings(), run_status="failed", links={"Report": "/tmp/r.html"},
                           options=_options(httpserver))
    assert [(o.channel, o.status, len(o.sent)) for o in report.outcomes] == [("teams", "delivered", 5),
                                                                            ("slack", "delivered", 2)]
    bodies = {request.path: json.loads(request.data) for request, _ in httpserver.log}
    card = assert_valid_teams(bodies[TEAMS_PATH])
    assert "Failed expectations" in json.dumps(card.model_dump(by_alias=True))
    assert "Volume" not in json.dumps(bodies[SLACK_PATH])  # warnings stay below slack's min severity
    rows = _rows(ctx)
    assert [(r["channel"], r["status"], r["attempts"], r["last_http_status"], r["severity"]) for r in rows] == [
        ("slack", "delivered", 1, 200, "error"), ("teams", "delivered", 1, 202, "error")]
    assert rows[1]["finding_keys"] == [f.key for f in report.message.findings]  # type: ignore[union-attr]
    assert rows[1]["kind"] == "drift,freshness,performance,quality,volume" and rows[1]["run_id"] == "run-1"
    stored = ctx.store.read(ctx.settings.table("alerts")).schema
    assert [(f.name, f.dataType) for f in stored.fields] == [(f.name, f.dataType) for f in ALERTS_SCHEMA.fields]


def test_send_findings_suppresses_repeats_within_the_cooldown_and_sends_a_rise(
    home: Path, spark: SparkSession, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(TEAMS_PATH, method="POST").respond_with_data("", status=202)
    httpserver.expect_request(SLACK_PATH, method="POST").respond_with_data("ok", status=200)
    ctx = _context()
    warning = finding(severity=Severity.WARNING)
    send_findings(ctx, [warning], run_status="warned", options=_options(httpserver))
    again = send_findings(_context(run_id="run-2"), [warning], run_status="warned",
                          options=_options(httpserver, now=NOW + timedelta(hours=1)))
    assert [(o.channel, o.status) for o in again.outcomes] == [("teams", "suppressed")]
    rise = send_findings(_context(run_id="run-3"), [finding(severity=Severity.ERROR)], run_status="failed",
                         options=_options(httpserver, now=NOW + timedelta(hours=2)))
    assert [(o.channel, o.status) for o in rise.outcomes] == [("teams", "delivered"), ("slack", "delivered")]
    later = send_findings(_context(run_id="run-4"), [warning], run_status="warned",
                          options=_options(httpserver, now=NOW + timedelta(hours=7)))
    assert [(o.channel, o.status) for o in later.outcomes] == [("teams", "suppressed")]  # the error at +2 h covers it
    assert len([r for r, _ in httpserver.log if r.path == TEAMS_PATH]) == 2
    suppressed = [r for r in _rows(ctx) if r["status"] == "suppressed"]
    assert [(r["run_id"], r["suppressed_keys"], r["finding_keys"]) for r in suppressed] == [
        ("run-2", [warning.key], []), ("run-4", [warning.key], [])]


def test_send_findings_failure_on_an_optional_channel_is_recorded_not_raised(
    home: Path, spark: SparkSession, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(TEAMS_PATH, method="POST").respond_with_data("Bad card", status=400)
    ctx = _context()
    report = send_findings(ctx, [finding(severity=Severity.WARNING)], run_status="warned",
                           options=_options(httpserver))
    assert [(o.status, o.rejected, o.attempts) for o in report.outcomes] == [("failed", True, 1)]
    row = _rows(ctx)[0]
    assert (row["status"], row["last_http_status"]) == ("failed", 400)
    assert row["last_error"] == "rejected: HTTP 400: Bad card"


def test_send_findings_raises_when_a_required_channel_fails_after_recording(
    home: Path, spark: SparkSession, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(TEAMS_PATH, method="POST").respond_with_data("down", status=503)
    ctx = _context(required=True)
    with pytest.raises(AlertDeliveryError, match="required channel teams failed: HTTP 503: down"):
        send_findings(ctx, [finding(severity=Severity.WARNING)], run_status="warned", options=_options(httpserver))
    assert [(r["status"], r["attempts"]) for r in _rows(ctx)] == [("failed", 2)]


def test_send_findings_without_channels_says_so_once_and_records_nothing(
    home: Path, spark: SparkSession, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from iris_mlops.tasks import alerts

    monkeypatch.setattr(alerts, "_SAID", set())
    ctx = _context()
    report = send_findings(ctx, [finding()], run_status="failed", options=SendOptions(environ={}))
    send_findings(ctx, [finding()], run_status="failed", options=SendOptions(environ={}))
    assert report.outcomes == () and report.message is not None
    assert capfd.readouterr().err.count("alerts: no channel has a URL") == 1
    assert not ctx.store.exists(ctx.settings.table("alerts"))


def test_no_webhook_secret_in_anything_written(
    home: Path, spark: SparkSession, httpserver: HTTPServer, capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def echo_url(request: Request) -> Response:  # a hostile server that repeats the URL in its error
        return Response(f"no handler for {request.url} ({request.full_path})", status=500)

    httpserver.expect_request(TEAMS_PATH, method="POST").respond_with_handler(echo_url)
    httpserver.expect_request(SLACK_PATH, method="POST").respond_with_handler(echo_url)
    options = _options(httpserver)
    assert options.environ is not None
    for name, value in options.environ.items():
        monkeypatch.setenv(name, value)
    secrets = ("TEAMS-SECRET-41f9", "SIG-SECRET-0c1d", "SLACK-SECRET-88aa")
    ctx = _context()
    caplog.set_level("DEBUG")
    reports = [send_findings(ctx, sample_findings(), run_status="failed", options=options),
               notify_failed_run(ctx, run_name="iris_workflow", failed_tasks=("silver",), error="boom",
                                 links={"Job run": "https://adb-1.azuredatabricks.net/jobs/1/runs/2"}, options=options)]
    assert {o.status for r in reports for o in r.outcomes} == {"failed"}
    # The test server's own access log (werkzeug) shows the path it was called on; everything else is ours.
    ours = "\n".join(f"{r.name}: {r.getMessage()}" for r in caplog.records if not r.name.startswith("werkzeug"))
    written = [capfd.readouterr().err, ours, json.dumps([report_json(r) for r in reports]),
               json.dumps(masked(ctx.settings)), repr(reports)]
    written += [p.read_bytes().decode("latin-1") for p in home.rglob("*") if p.is_file()]
    written.append(json.dumps([{k: str(v) for k, v in row.items()} for row in _rows(ctx)]))
    assert any("HTTP 500" in text for text in written)  # the errors were recorded...
    for secret in secrets:
        assert not [text[:200] for text in written if secret in text], secret  # ...without the URL


def test_alerts_test_and_list_commands_record_and_show_the_test_message(
    home: Path, spark: SparkSession, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from iris_mlops.commands.alerts import app

    httpserver.expect_request(TEAMS_PATH, method="POST").respond_with_data("", status=202)
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", httpserver.url_for(TEAMS_PATH))
    runner = CliRunner()
    sent = runner.invoke(app, ["test", "--channel", "teams", "--run-id", "t-1"])
    assert sent.exit_code == 0, sent.output
    assert sent.stdout.strip() == "teams: delivered (HTTP 202, 1 attempt(s))"
    assert_valid_teams(json.loads(httpserver.log[0][0].data))
    listed = runner.invoke(app, ["list", "--json"])
    rows = json.loads(listed.stdout)
    assert [(r["channel"], r["kind"], r["status"], r["severity"], r["run_id"]) for r in rows] == [
        ("teams", "test", "delivered", "info", "t-1")]
    missing = runner.invoke(app, ["test", "--channel", "slack"])
    assert missing.exit_code == 2 and "alert channel slack has no URL: set SLACK_WEBHOOK_URL" in missing.stderr


def test_notify_job_failure_sends_a_critical_alert_naming_the_run(
    home: Path, spark: SparkSession, httpserver: HTTPServer
) -> None:
    from iris_mlops.tasks.alerts import notify_job_failure

    httpserver.expect_request(TEAMS_PATH, method="POST").respond_with_data("", status=202)
    httpserver.expect_request(SLACK_PATH, method="POST").respond_with_data("ok", status=200)
    report = notify_job_failure(_context(run_id="77"), job="iris_workflow", failed_tasks=("silver",),
                                run_url="https://adb-1.azuredatabricks.net/jobs/1/runs/77",
                                options=_options(httpserver))
    assert report.message is not None and report.message.severity is Severity.CRITICAL
    assert [(o.channel, o.status) for o in report.outcomes] == [("teams", "delivered"), ("slack", "delivered")]
    card = assert_valid_teams(json.loads(httpserver.log[0][0].data))
    text = json.dumps(card.model_dump(by_alias=True))
    assert "run 77 of iris_workflow failed: silver" in text
    assert [a.url for a in card.actions or []] == ["https://adb-1.azuredatabricks.net/jobs/1/runs/77"]


def test_quality_gate_publish_alerts_failed_expectations_at_the_checkpoint_levels(
    home: Path, spark: SparkSession, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iris_mlops.quality.checkpoint import Checkpoint
    from iris_mlops.quality.results import ExpectationResult, SuiteResult
    from iris_mlops.tasks.gate import publish

    httpserver.expect_request(TEAMS_PATH, method="POST").respond_with_data("", status=202)
    httpserver.expect_request(SLACK_PATH, method="POST").respond_with_data("ok", status=200)
    for name, value in (_options(httpserver).environ or {}).items():
        monkeypatch.setenv(name, value)
    failed = [ExpectationResult(expectation_type="expect_column_values_to_not_be_null", column=c,
                                arguments={"column": c}, severity=s, success=False, unexpected_count=2,
                                unexpected_sample=[None, None])  # type: ignore[arg-type]
              for c, s in (("petal_length", "warn"), ("species", "error"))]
    result = SuiteResult(run_id="run-1", suite="silver", suite_version="1", table="local.iris.iris_silver",
                         table_version=2, success=False, started_at=NOW, finished_at=NOW, results=failed)
    checkpoint = Checkpoint(name="silver", suite="silver", table="silver", notify_on=("error",))
    settings = _context().settings
    quiet = settings.quality.model_copy(update={"write_results": False, "html_report": False})
    ctx = TaskContext(name="silver", settings=settings.model_copy(update={"quality": quiet}), run_id="run-1")
    publish(ctx, [checkpoint], [result])
    card = assert_valid_teams(json.loads(next(r.data for r, _ in httpserver.log if r.path == TEAMS_PATH)))
    text = json.dumps(card.model_dump(by_alias=True))
    assert "expect_column_values_to_not_be_null(species)" in text
    assert "expect_column_values_to_not_be_null(petal_length)" not in text  # warn is below notify_on
    assert {(r["channel"], tuple(r["finding_keys"])) for r in _rows(ctx)} == {
        (channel, ("quality|local.iris.iris_silver:expect_column_values_to_not_be_null(species)|error",))
        for channel in ("teams", "slack")}


def test_send_findings_still_delivers_when_the_alerts_table_cannot_be_read(
    home: Path, spark: SparkSession, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str]
) -> None:
    from iris_mlops.tasks import alerts

    def unreadable(ctx: TaskContext, *, since: object) -> list[object]:
        raise OSError("table folder unreadable")

    monkeypatch.setattr(alerts, "previous_alerts", unreadable)
    httpserver.expect_request(TEAMS_PATH, method="POST").respond_with_data("", status=202)
    report = send_findings(_context(), [finding(severity=Severity.WARNING)], run_status="warned",
                           options=_options(httpserver))
    assert [(o.channel, o.status) for o in report.outcomes] == [("teams", "delivered")]
    assert "previous alerts not read, no dedupe this time: OSError: table folder unreadable" in capfd.readouterr().err
