"""`iris-mlops alerts`: test a channel, send a message (CI/CD), list what was sent, set a webhook up."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Optional

import typer

from iris_mlops.commands.alerts_setup import setup
from iris_mlops.errors import AlertDeliveryError, InputError
from iris_mlops.notify.findings import Severity
from iris_mlops.tasks.alerts import AlertReport, SendOptions, report_json, send_custom, send_test
from iris_mlops.tasks.context import TaskContext, task_context
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, RunIdOption, SchemaOption

app = typer.Typer(help="Alerts to Teams, Slack and webhooks: test, send, list, set up.", no_args_is_help=True)
app.command("setup")(setup)

ChannelOption = Annotated[str, typer.Option("--channel", help="A channel of the alerts config: teams, slack, webhook.")]
NoRecordOption = Annotated[
    bool, typer.Option("--no-record", help="Do not read or write the alerts table (no Spark needed, no dedupe).")
]
SINCE = re.compile(r"^(\d+)([hd])$")


@app.command("test")
def test(
    channel: ChannelOption,
    no_record: NoRecordOption = False,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    run_id: RunIdOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send a test message to one channel, print what the endpoint answered, record it (kind `test`)."""
    with task_context("alerts", env=env, catalog=catalog, schema=schema, run_id=run_id, quiet=as_json) as ctx:
        report = send_test(ctx, channel=channel, options=SendOptions(record=not no_record))
        _finish(report, as_json)


@app.command("send")
def send(
    title: Annotated[str, typer.Option("--title", help="The message title.")],
    text: Annotated[str, typer.Option("--text", help="The message text (default: the title).")] = "",
    severity: Annotated[str, typer.Option("--severity", help="info, warning, error or critical.")] = "error",
    link: Annotated[Optional[list[str]], typer.Option("--link", help="TITLE=URL; repeatable.")] = None,  # noqa: UP045
    channel: Annotated[Optional[str], typer.Option("--channel", help="Only this channel.")] = None,  # noqa: UP045
    kind: Annotated[str, typer.Option("--kind", help="The finding kind recorded.")] = "cicd",
    status: Annotated[str, typer.Option("--status", help="succeeded, warned, failed or unknown.")] = "failed",
    no_record: NoRecordOption = False,
    env: EnvOption = None,
    run_id: RunIdOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send one message built from the arguments (what CI/CD calls): the same cards as pipeline alerts."""
    with task_context("alerts", env=env, run_id=run_id, quiet=as_json) as ctx:
        try:
            level = Severity.parse(severity)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        options = SendOptions(record=not no_record, dedupe=not no_record, only_channel=channel)
        report = send_custom(ctx, severity=level, title=title, text=text, kind=kind, links=parse_links(link or []),
                             run_status=status, options=options)
        _finish(report, as_json)


def parse_links(values: list[str]) -> dict[str, str]:
    """`TITLE=URL` arguments as a mapping; InputError naming a malformed one."""
    links = {}
    for value in values:
        title, sep, target = value.partition("=")
        if not sep or not title.strip() or not target.strip():
            raise InputError(f"--link {value.split('=')[0]!r}...: use TITLE=URL")
        links[title.strip()] = target.strip()
    return links


def _finish(report: AlertReport, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report_json(report), sort_keys=True))
    else:
        for outcome in report.outcomes:
            answer = f"HTTP {outcome.http_status}" if outcome.http_status is not None else "no answer"
            typer.echo(f"{outcome.channel}: {outcome.status} ({answer}, {outcome.attempts} attempt(s))"
                       + (f" — {outcome.error}" if outcome.error else ""))
    failed = [o for o in report.outcomes if o.status == "failed"]
    if failed:
        raise AlertDeliveryError(f"not delivered to {', '.join(o.channel for o in failed)}: {failed[0].error}")


@app.command("list")
def list_alerts(
    since: Annotated[str, typer.Option("--since", help="A window (24h, 7d) or an ISO date/time.")] = "7d",
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows, newest first.")] = 50,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show recent alerts and how their delivery went (the alerts table)."""
    with task_context("alerts", env=env, catalog=catalog, schema=schema, quiet=True) as ctx:
        rows = recent_alerts(ctx, since=parse_since(since), limit=limit)
        if as_json:
            typer.echo(json.dumps(rows, default=str, sort_keys=True))
            return
        if not rows:
            typer.echo(f"no alerts since {parse_since(since):%Y-%m-%d %H:%M} UTC")
        for r in rows:
            typer.echo(f"{r['sent_at']:%Y-%m-%d %H:%M}  {r['channel']:<8} {r['status']:<10} {r['severity']:<8} "
                       f"{r['kind']:<12} {len(r['finding_keys'])} sent, {len(r['suppressed_keys'])} suppressed, "
                       f"{r['attempts']} attempt(s)" + (f"  {r['last_error']}" if r["last_error"] else ""))


def parse_since(value: str, *, now: datetime | None = None) -> datetime:
    """`24h`, `7d` or an ISO date/time (UTC when no zone is given) as an aware datetime."""
    now = now or datetime.now(timezone.utc)
    match = SINCE.match(value.strip())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        return now - (timedelta(hours=amount) if unit == "h" else timedelta(days=amount))
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"--since {value!r}: use a window such as 24h or 7d, or an ISO date (2026-11-29)") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def recent_alerts(ctx: TaskContext, *, since: datetime, limit: int) -> list[dict[str, Any]]:
    """Rows of the alerts table since `since`, newest first (none when the table does not exist yet)."""
    name = ctx.settings.table("alerts")
    if not ctx.store.exists(name):
        return []
    from pyspark.sql import functions as F  # noqa: N812

    df = ctx.store.read(name).where(F.col("sent_at") >= F.lit(since)).orderBy(F.col("sent_at").desc()).limit(limit)
    return [row.asDict() for row in df.collect()]
