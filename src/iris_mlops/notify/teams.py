"""Microsoft Teams Workflows webhooks: an Adaptive Card 1.4 inside the `message` envelope."""

from __future__ import annotations

import json
from typing import Any

from iris_mlops.notify.findings import Finding, Severity
from iris_mlops.notify.message import AlertMessage, describe, footer, sections

CARD_VERSION = "1.4"  # Workflows webhooks render at most 1.4
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams refuses messages above about 28 KB; stay well below with the envelope and encoding overhead.
MAX_PAYLOAD_BYTES = 24_000
MAX_FACTS = 40
MAX_ACTIONS = 5
STYLE = {Severity.INFO: "emphasis", Severity.WARNING: "warning", Severity.ERROR: "attention",
         Severity.CRITICAL: "attention"}
COLOR = {Severity.INFO: "default", Severity.WARNING: "warning", Severity.ERROR: "attention",
         Severity.CRITICAL: "attention"}


def teams_payload(message: AlertMessage) -> dict[str, Any]:
    """The webhook body: the card in the envelope, findings cut (with a note) to fit Teams' size limit."""
    limit = MAX_FACTS
    while True:
        payload = envelope(adaptive_card(message, max_facts=limit))
        if len(json.dumps(payload).encode()) <= MAX_PAYLOAD_BYTES or limit <= 1:
            return payload
        limit = max(1, limit // 2)


def envelope(card: dict[str, Any]) -> dict[str, Any]:
    """What Workflows webhooks accept: a `message` with one Adaptive Card attachment."""
    return {"type": "message", "attachments": [{"contentType": CONTENT_TYPE, "content": card}]}


def adaptive_card(message: AlertMessage, *, max_facts: int = MAX_FACTS) -> dict[str, Any]:
    """The card: a header by severity, one fact set per section of findings, where to look, buttons."""
    body: list[dict[str, Any]] = [_header(message)]
    shown = 0
    for heading, findings in sections(message):
        room = max_facts - shown
        if room <= 0:
            break
        body.extend(_section(heading, findings[:room]))
        shown += min(room, len(findings))
    if shown < len(message.findings):
        body.append(_text(f"… and {len(message.findings) - shown} more finding(s): see the alerts table "
                          f"(message {message.message_id}).", subtle=True))
    places = [(link.title, link.target) for link in message.links if not link.is_url]
    if places:
        body.append(_text("Where to look", bold=True, separator=True))
        body.append(_facts(places))
    body.append(_text(footer(message), subtle=True, size="small"))
    card: dict[str, Any] = {"$schema": CARD_SCHEMA, "type": "AdaptiveCard", "version": CARD_VERSION, "body": body,
                            "fallbackText": message.title}
    buttons = [{"type": "Action.OpenUrl", "title": link.title[:40], "url": link.target}
               for link in message.links if link.is_url][:MAX_ACTIONS]
    if buttons:
        card["actions"] = buttons
    return card


def _header(message: AlertMessage) -> dict[str, Any]:
    severity = message.severity
    facts = [("Severity", severity.value), ("Run status", message.run_status), ("Environment", message.environment),
             ("Run", message.run_id), *message.details.items()]
    return {
        "type": "Container",
        "style": STYLE[severity],
        "items": [
            {"type": "TextBlock", "text": message.title, "size": "large", "weight": "bolder", "wrap": True,
             "color": COLOR[severity]},
            _facts(facts),
        ],
    }


def _section(heading: str, findings: list[Finding]) -> list[dict[str, Any]]:
    facts = [(f"{f.severity.value} · {f.subject}", describe(f)) for f in findings]
    return [_text(heading, bold=True, separator=True), _facts(facts)]


def _facts(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": str(t), "value": str(v)} for t, v in pairs]}


def _text(text: str, *, bold: bool = False, subtle: bool = False, separator: bool = False,
          size: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "TextBlock", "text": text, "wrap": True}
    if bold:
        block["weight"] = "bolder"
    if subtle:
        block["isSubtle"] = True
    if separator:
        block["separator"] = True
        block["spacing"] = "medium"
    if size:
        block["size"] = size
    return block
