"""Configured channels resolved to live ones: their URL (kept out of repr), type, subscription and payload."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from iris_mlops.config import AlertChannelConfig, AlertsConfig
from iris_mlops.notify.delivery import DeliveryPolicy
from iris_mlops.notify.findings import Severity
from iris_mlops.notify.message import AlertMessage
from iris_mlops.notify.scrub import register_secret
from iris_mlops.notify.secrets import SecretReader, SecretUnavailableError, resolve_url
from iris_mlops.notify.slack import slack_payload
from iris_mlops.notify.teams import teams_payload
from iris_mlops.notify.webhook import webhook_payload

PAYLOADS: dict[str, Callable[[AlertMessage], dict[str, Any]]] = {
    "teams": teams_payload,
    "slack": slack_payload,
    "webhook": webhook_payload,
}


@dataclass(frozen=True)
class Channel:
    """A channel ready to send, or one whose URL could not be read (`problem` says why, never the value)."""

    name: str
    type: str
    min_severity: Severity
    required: bool
    url: str | None = field(default=None, repr=False)
    problem: str | None = None

    def receives(self, severity: Severity) -> bool:
        return severity >= self.min_severity


def resolve_channels(
    configs: Sequence[AlertChannelConfig], *, environ: Mapping[str, str], read_secret: SecretReader
) -> list[Channel]:
    """The active channels: those whose URL source holds a value, plus those whose secret could not be read."""
    channels = []
    for config in configs:
        try:
            url = resolve_url(url_env=config.url_env, url_secret=config.url_secret, environ=environ,
                              read_secret=read_secret)
        except SecretUnavailableError as exc:
            channels.append(_channel(config, url=None, problem=str(exc)))
            continue
        if url is not None:
            register_secret(url)
            channels.append(_channel(config, url=url))
    return channels


def _channel(config: AlertChannelConfig, *, url: str | None, problem: str | None = None) -> Channel:
    return Channel(name=config.name, type=config.type, min_severity=Severity.parse(config.min_severity),
                   required=config.required, url=url, problem=problem)


def payload_for(channel_type: str, message: AlertMessage) -> dict[str, Any]:
    """The body a channel of `channel_type` expects for `message`."""
    return PAYLOADS[channel_type](message)


def policy_from(config: AlertsConfig) -> DeliveryPolicy:
    """The delivery policy the configuration asks for."""
    return DeliveryPolicy(connect_timeout=config.connect_timeout_seconds, read_timeout=config.timeout_seconds,
                          attempts=config.retry_attempts, backoff_initial=config.backoff_initial_seconds,
                          backoff_max=config.backoff_max_seconds, max_retry_after=config.max_retry_after_seconds)
