"""Checking a webhook URL before it is stored: https required, an unusual host only warned about."""

from __future__ import annotations

from urllib.parse import urlsplit

from iris_mlops.errors import InputError

# Hosts each service's webhooks use; anything else may be a proxy or a typo, so it is a warning, not a refusal.
KNOWN_HOSTS = {
    "teams": (".logic.azure.com", ".powerplatform.com", ".webhook.office.com", ".azure-api.net"),
    "slack": ("hooks.slack.com",),
    "webhook": (),
}


def check_webhook_url(url: str, *, channel_type: str) -> list[str]:
    """Warnings about `url` for a `channel_type` channel; InputError (never echoing the URL) when unusable."""
    url = url.strip()
    if not url:
        raise InputError("no webhook URL given: paste it at the prompt or set the channel's variable")
    if any(c.isspace() for c in url):
        raise InputError("the webhook URL contains spaces or line breaks: copy it again in one piece")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise InputError("the webhook URL must start with https:// and name a host")
    host = parts.hostname.lower()
    known = KNOWN_HOSTS.get(channel_type, ())
    if known and not any(host == k.lstrip(".") or host.endswith(k) for k in known):
        expected = " or ".join(k.lstrip(".") for k in known)
        return [f"unusual host {host} for a {channel_type} webhook (expected {expected})"]
    return []
