"""Slack incoming webhooks: Block Kit blocks plus a text fallback, within Block Kit's limits."""

from __future__ import annotations

from typing import Any

from iris_mlops.notify.findings import Severity
from iris_mlops.notify.message import AlertMessage, describe, footer, headline, sections

MAX_BLOCKS = 50
MAX_TEXT = 3000  # characters per text field (section text, fallback text)
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTONS = 5
TRUNCATED = "… (truncated)"
ICON = {Severity.INFO: ":information_source:", Severity.WARNING: ":warning:", Severity.ERROR: ":red_circle:",
        Severity.CRITICAL: ":rotating_light:"}


def slack_payload(message: AlertMessage) -> dict[str, Any]:
    """The webhook body: `text` (notifications, fallback) and `blocks`, long content cut with a note."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(message.title, MAX_HEADER), "emoji": True}},
        _context(f"{ICON[message.severity]} *{message.severity.value}* · run status *{message.run_status}* · "
                 f"{escape(message.environment)} · run `{escape(message.run_id)}`"),
    ]
    for heading, findings in sections(message):
        lines = [f"• *{f.severity.value}* {escape(f.subject)}: {escape(describe(f))}" for f in findings]
        blocks.extend(_sections(f"*{escape(heading)}*", lines))
    blocks.extend(_where_to_look(message))
    blocks.append(_context(escape(footer(message))))
    return {"text": clip(headline(message), MAX_TEXT), "blocks": fit_blocks(blocks)}


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending with a truncation note when cut."""
    return text if len(text) <= limit else text[: limit - len(TRUNCATED)] + TRUNCATED


def fit_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most MAX_BLOCKS blocks; when cut, the last one says how many were left out."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    kept = blocks[: MAX_BLOCKS - 1]
    return [*kept, _context(f"… {len(blocks) - len(kept)} more block(s) left out (Slack allows {MAX_BLOCKS}).")]


def _sections(heading: str, lines: list[str]) -> list[dict[str, Any]]:
    """Lines packed into as few section blocks as fit MAX_TEXT each (a too-long line is clipped)."""
    chunks, current = [], heading
    for line in lines:
        candidate = f"{current}\n{line}"
        if len(candidate) <= MAX_TEXT:
            current = candidate
            continue
        chunks.append(current)
        current = clip(line, MAX_TEXT)
    chunks.append(current)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


def _where_to_look(message: AlertMessage) -> list[dict[str, Any]]:
    if not message.links:
        return []
    lines = [f"• <{link.target}|{escape(link.title)}>" if link.is_url
             else f"• {escape(link.title)}: `{escape(link.target)}`" for link in message.links]
    blocks = [{"type": "divider"}, *_sections("*Where to look*", lines)]
    buttons = [{"type": "button", "text": {"type": "plain_text", "text": clip(link.title, MAX_BUTTON_TEXT)},
                "url": link.target} for link in message.links if link.is_url and len(link.target) <= MAX_TEXT]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons[:MAX_BUTTONS]})
    return blocks


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, MAX_TEXT)}]}
