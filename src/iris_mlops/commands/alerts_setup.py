"""`iris-mlops alerts setup` (what `make setup-teams` calls): read, check, test and store a webhook URL."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer

from iris_mlops.config import AlertChannelConfig, load_settings
from iris_mlops.errors import AlertDeliveryError, ConfigError
from iris_mlops.notify.channels import payload_for, policy_from
from iris_mlops.notify.delivery import DeliveryPolicy, DeliveryResult, deliver
from iris_mlops.notify.message import build_message
from iris_mlops.notify.secrets import split_secret_ref, store_databricks_secret, write_dotenv_value
from iris_mlops.notify.setup import check_webhook_url
from iris_mlops.tasks.alerts import test_finding
from iris_mlops.tasks.context import user_errors

TARGETS = ("local", "dev", "staging", "prod")


def setup(
    channel: Annotated[str, typer.Option("--channel", help="The channel to set up: teams, slack, webhook.")] = "teams",
    target: Annotated[str, typer.Option("--target", help="local (.env) or dev|staging|prod (secret scope).")] = "local",
    env_file: Annotated[Path, typer.Option("--env-file", help="The local file that holds secrets.")] = Path(".env"),
) -> None:
    """Read a webhook URL (environment or prompt), check it, send a test card to it, then store it."""
    with user_errors():
        if target not in TARGETS:
            raise ConfigError(f"--target {target!r}: choose one of {', '.join(TARGETS)}")
        local = load_settings("local").alerts
        config = local.channel(channel)
        variable = config.url_env or f"{channel.upper()}_WEBHOOK_URL"
        url = _read_url(variable)
        for warning in check_webhook_url(url, channel_type=config.type):
            typer.echo(f"warning: {warning}", err=True)
        result = _send_test(config, url, policy=policy_from(local))
        if not result.delivered:
            raise AlertDeliveryError(f"test message to {channel} not delivered ({result.error}): nothing stored")
        typer.echo(f"{channel}: test message delivered (HTTP {result.http_status})")
        typer.echo(_store(channel, target, variable, url, env_file))


def _read_url(variable: str) -> str:
    # The environment only: a value already in .env is what this command is about to replace.
    known = os.environ.get(variable)
    if known:
        typer.echo(f"using the URL in {variable}", err=True)
        return known.strip()
    return str(typer.prompt(f"Webhook URL for {variable} (input hidden)", hide_input=True)).strip()


def _send_test(config: AlertChannelConfig, url: str, *, policy: DeliveryPolicy) -> DeliveryResult:
    message = build_message([test_finding(config.name, environment="setup")], title=f"iris-mlops: {config.name} set up",
                            run_id="setup", run_status="succeeded", environment="setup",
                            created_at=datetime.now(timezone.utc))
    return deliver(url, payload_for(config.type, message), policy=policy)


def _store(channel: str, target: str, variable: str, url: str, env_file: Path) -> str:
    if target == "local":
        write_dotenv_value(env_file, variable, url)
        return f"stored as {variable} in {env_file} (mode 0600; keep it out of git)"
    remote = load_settings(target).alerts.channel(channel)
    if remote.url_secret is None:
        raise ConfigError(f"alert channel {channel} of env {target} reads {remote.url_env}, not a secret scope: "
                          "set that variable on the job instead")
    scope, key = split_secret_ref(remote.url_secret)
    from iris_mlops.commands.workspace import load_dotenv, workspace_errors

    load_dotenv(env_file)
    with workspace_errors():
        store_databricks_secret(scope, key, url)
    return f"stored in the Databricks secret {scope}/{key} for target {target}"
