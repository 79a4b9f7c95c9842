"""Alerts orchestration: resolve channels, dedupe against the `alerts` table, deliver, record one row per channel."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from iris_mlops.errors import AlertDeliveryError
from iris_mlops.notify.channels import Channel, policy_from, resolve_channels
from iris_mlops.notify.dedupe import AlertRecord
from iris_mlops.notify.findings import Finding, Severity, failed_run_finding
from iris_mlops.notify.message import AlertMessage, build_message
from iris_mlops.notify.records import ChannelOutcome, alert_row
from iris_mlops.notify.scrub import describe_error
from iris_mlops.notify.secrets import SecretReader, databricks_secret_reader, environment_with_dotenv
from iris_mlops.notify.send import send_message

if TYPE_CHECKING:
    from iris_mlops.quality.results import SuiteResult
    from iris_mlops.tasks.context import TaskContext


@dataclass(frozen=True)
class AlertReport:
    """What send_findings did: the message, one outcome per channel, and the alerts-table version written."""

    message: AlertMessage | None
    outcomes: tuple[ChannelOutcome, ...] = ()
    recorded_version: int | None = None

    @property
    def required_failures(self) -> list[ChannelOutcome]:
        return [o for o in self.outcomes if o.required and o.status == "failed"]


@dataclass(frozen=True)
class SendOptions:
    """Test and CLI seams: the environment, the secret reader, the clock and the sleep between retries."""

    environ: Mapping[str, str] | None = None
    read_secret: SecretReader | None = None
    now: datetime | None = None
    sleep: Callable[[float], None] = time.sleep
    dedupe: bool = True
    record: bool = True
    only_channel: str | None = None  # send to this channel alone, whatever its minimum severity (alerts test)


def send_findings(
    ctx: TaskContext,
    findings: Sequence[Finding],
    *,
    run_status: str,
    links: Mapping[str, str] | None = None,
    title: str | None = None,
    details: Mapping[str, str] | None = None,
    options: SendOptions = SendOptions(),
) -> AlertReport:
    """One message for the run's findings, to every subscribed channel; raise only when a required one failed."""
    config = ctx.settings.alerts
    if not findings or not config.enabled:
        return AlertReport(None)
    now = options.now or datetime.now(timezone.utc)
    message = build_message(findings, title=title or _default_title(findings), run_id=ctx.run_id,
                            run_status=run_status, environment=ctx.settings.env, created_at=now, links=links,
                            details=details)
    channels = _channels(ctx, options)
    if not channels:
        _say_once(ctx, "alerts: no channel has a URL (set TEAMS_WEBHOOK_URL, SLACK_WEBHOOK_URL ...): not sent")
        return AlertReport(message)
    cooldown = timedelta(hours=config.cooldown_hours)
    previous = _previous(ctx, since=now - cooldown) if options.dedupe and options.record and cooldown else []
    outcomes = send_message(message, channels, previous, now=now, cooldown=cooldown, policy=policy_from(config),
                            dedupe=options.dedupe, sleep=options.sleep)
    version = _record(ctx, message, outcomes, now=now) if options.record else None
    for outcome in outcomes:
        ctx.echo(_outcome_line(outcome))
    report = AlertReport(message, tuple(outcomes), version)
    if report.required_failures:
        failed = report.required_failures[0]
        raise AlertDeliveryError(f"alert delivery to required channel {failed.channel} failed: {failed.error}")
    return report


_SAID: set[str] = set()


def _say_once(ctx: TaskContext, line: str) -> None:
    # One line per process: a local run with warnings in several layers need not repeat it for each.
    if line not in _SAID:
        _SAID.add(line)
        ctx.echo(line)


def _channels(ctx: TaskContext, options: SendOptions) -> list[Channel]:
    config = ctx.settings.alerts
    configs = [config.channel(options.only_channel)] if options.only_channel else list(config.channels)
    environ = options.environ if options.environ is not None else environment_with_dotenv(os.environ)
    channels = resolve_channels(configs, environ=environ, read_secret=options.read_secret or databricks_secret_reader())
    if options.only_channel:
        channels = [replace(c, min_severity=Severity.INFO) for c in channels]
    return channels


def _default_title(findings: Sequence[Finding]) -> str:
    kinds = sorted({f.kind for f in findings})
    return f"iris-mlops: {len(findings)} finding(s) — {', '.join(kinds)}"


def _outcome_line(outcome: ChannelOutcome) -> str:
    line = f"alerts: {outcome.channel} {outcome.status} ({len(outcome.sent)} sent, {len(outcome.suppressed)} suppressed"
    if outcome.attempts:
        line += f", {outcome.attempts} attempt(s)"
    if outcome.http_status is not None:
        line += f", HTTP {outcome.http_status}"
    line += ")"
    if outcome.error:
        line += f": {'payload rejected — ' if outcome.rejected else ''}{outcome.error}"
    return line


def _previous(ctx: TaskContext, *, since: datetime) -> list[AlertRecord]:
    """previous_alerts, or none when the table cannot be read: a duplicate alert beats a lost one."""
    try:
        return previous_alerts(ctx, since=since)
    except Exception as exc:
        ctx.echo(f"alerts: previous alerts not read, no dedupe this time: {describe_error(exc)}")
        return []


def previous_alerts(ctx: TaskContext, *, since: datetime) -> list[AlertRecord]:
    """Delivered alert rows since `since`, for deduplication (none when the table does not exist yet)."""
    name = ctx.settings.table("alerts")
    if not ctx.store.exists(name):
        return []
    from pyspark.sql import functions as F  # noqa: N812

    df = ctx.store.read(name).where((F.col("status") == "delivered") & (F.col("sent_at") >= F.lit(since)))
    # Epoch microseconds, so that the session's and the driver's time zones cannot shift the times.
    rows = df.select("channel", "status", "finding_keys", F.unix_micros("sent_at").alias("sent_us")).collect()
    return [AlertRecord(channel=r["channel"], status=r["status"], finding_keys=tuple(r["finding_keys"] or ()),
                        sent_at=datetime.fromtimestamp(r["sent_us"] / 1e6, tz=timezone.utc)) for r in rows]


def _record(
    ctx: TaskContext, message: AlertMessage, outcomes: Sequence[ChannelOutcome], *, now: datetime
) -> int | None:
    """Append one row per outcome; a failure to record is reported on stderr and does not stop the task."""
    if not outcomes:
        return None
    from iris_mlops.schemas import ALERTS_SCHEMA

    rows = [alert_row(message, o, sent_at=now) for o in outcomes]
    table = ctx.settings.table("alerts")
    try:
        return ctx.store.append_records(table, rows, schema=ALERTS_SCHEMA, run_id=ctx.run_id)
    except Exception as exc:  # the alert itself went out; losing its record must not fail the pipeline
        ctx.echo(f"alerts: could not record {len(rows)} row(s) in {table}: {describe_error(exc)}")
        return None


def notify_quality(
    ctx: TaskContext, results: Sequence[tuple[SuiteResult, Sequence[str]]], *, options: SendOptions = SendOptions()
) -> AlertReport:
    """The quality gate's `notify` action: one message for the failed expectations, each result with its levels."""
    from iris_mlops.quality.findings import findings_from_suite

    findings = [f for result, levels in results for f in findings_from_suite(result, levels=levels)]
    suites = [r for r, _ in results]
    tables = ", ".join(sorted({r.table.rsplit(".", 1)[-1] for r in suites if r.failed}))
    status = "failed" if any(r.errors for r in suites) else "warned"
    report = next((r.report_path for r in suites if r.report_path), None)
    return send_findings(ctx, findings, run_status=status, title=f"Data quality {status}: {tables}",
                         links={"Quality report": report} if report else None, options=options)


def notify_failed_run(
    ctx: TaskContext, *, run_name: str, failed_tasks: Sequence[str] = (), error: str | None = None,
    links: Mapping[str, str] | None = None, options: SendOptions = SendOptions(),
) -> AlertReport:
    """A critical alert naming the failed run and its failed tasks (the runner's hook, the notify-failure task)."""
    url = next((v for v in (links or {}).values() if v.startswith("http")), None)
    finding = failed_run_finding(run_name=run_name, run_id=ctx.run_id, failed=tuple(failed_tasks), error=error,
                                 url=url)
    return send_findings(ctx, [finding], run_status="failed", title=f"Run failed: {run_name}", links=links,
                         options=options)


def report_json(report: AlertReport) -> dict[str, Any]:
    """The report as plain data for --json output (no URL anywhere in it)."""
    message = report.message
    return {
        "message_id": message.message_id if message else None,
        "severity": message.severity.value if message else None,
        "findings": [f.key for f in message.findings] if message else [],
        "channels": [
            {"channel": o.channel, "status": o.status, "attempts": o.attempts, "http_status": o.http_status,
             "error": o.error, "rejected": o.rejected, "sent": [f.key for f in o.sent],
             "suppressed": [f.key for f in o.suppressed]}
            for o in report.outcomes
        ],
        "recorded_version": report.recorded_version,
    }


def send_test(ctx: TaskContext, *, channel: str, options: SendOptions = SendOptions()) -> AlertReport:
    """A test message (kind `test`) to one channel, whatever its minimum severity, recorded like any message."""
    from iris_mlops.errors import ConfigError

    config = ctx.settings.alerts.channel(channel)
    source = config.url_env or f"the Databricks secret {config.url_secret}"
    test = test_finding(channel, environment=ctx.settings.env)
    options = replace(options, dedupe=False, only_channel=channel)
    if not _channels(ctx, options):
        raise ConfigError(f"alert channel {channel} has no URL: set {source} (locally in .env: make setup-teams)")
    return send_findings(ctx, [test], run_status="succeeded", title=f"iris-mlops test message: {channel}",
                         options=options)


def test_finding(channel: str, *, environment: str) -> Finding:
    """The one finding of a test message."""
    return Finding(kind="test", severity=Severity.INFO, subject=f"channel {channel}",
                   message=f"Test message from iris-mlops ({environment}) to the {channel} channel.")


def send_custom(
    ctx: TaskContext, *, severity: Severity, title: str, text: str, kind: str = "cicd",
    links: Mapping[str, str] | None = None, run_status: str = "failed", options: SendOptions = SendOptions(),
) -> AlertReport:
    """A message built from arguments (CI/CD): one finding, the same cards as every other alert."""
    finding = Finding(kind=kind, severity=severity, subject=title, message=text or title)
    return send_findings(ctx, [finding], run_status=run_status, title=title, links=links, options=options)


def notify_job_failure(
    ctx: TaskContext, *, job: str, failed_tasks: Sequence[str] = (), run_url: str | None = None,
    options: SendOptions = SendOptions(),
) -> AlertReport:
    """The notify-failure task: a critical alert naming the failed run (tasks and page read from the workspace)."""
    from iris_mlops.notify.runs import databricks_run_facts
    from iris_mlops.spark import on_databricks

    facts = databricks_run_facts(ctx.run_id) if on_databricks() else None
    failed = tuple(failed_tasks) or (facts.failed_tasks if facts else ())
    url = run_url or (facts.run_page_url if facts else None)
    return notify_failed_run(ctx, run_name=job, failed_tasks=failed, links={"Job run": url} if url else None,
                             options=options)


def alert_failed_local_run(
    *, job: str, env: str | None, run_id: str, failed_tasks: Sequence[str], links: Mapping[str, str] | None = None
) -> AlertReport | None:
    """The local runner's end-of-run hook: a critical alert for a failed run; never raises (the run already failed)."""
    import typer

    from iris_mlops.tasks.context import task_context

    try:
        with task_context("notify-failure", env=env, run_id=run_id) as ctx:
            return notify_failed_run(ctx, run_name=job, failed_tasks=failed_tasks, links=links)
    except (Exception, typer.Exit) as exc:
        typer.echo(f"[notify-failure] alert not sent: {describe_error(exc)}", err=True)
        return None
