"""Rows of the `alerts` table: one per message and channel, never the webhook URL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from iris_mlops.notify.delivery import DeliveryResult
from iris_mlops.notify.findings import Finding, highest
from iris_mlops.notify.message import AlertMessage
from iris_mlops.notify.scrub import scrub

Status = Literal["delivered", "failed", "suppressed"]


@dataclass(frozen=True)
class ChannelOutcome:
    """What happened to one message on one channel (the row's content, typed)."""

    channel: str
    status: Status
    sent: tuple[Finding, ...]
    suppressed: tuple[Finding, ...]
    attempts: int = 0
    http_status: int | None = None
    error: str | None = None
    rejected: bool = False
    required: bool = False


def outcome_from_delivery(channel: str, sent: Sequence[Finding], suppressed: Sequence[Finding],
                          result: DeliveryResult, *, required: bool) -> ChannelOutcome:
    """The outcome of a delivery attempt."""
    return ChannelOutcome(channel=channel, status=result.status, sent=tuple(sent), suppressed=tuple(suppressed),
                          attempts=result.attempts, http_status=result.http_status, error=result.error,
                          rejected=result.rejected, required=required)


def alert_row(message: AlertMessage, outcome: ChannelOutcome, *, sent_at: datetime, secrets: Sequence[str] = ()
              ) -> dict[str, Any]:
    """The alerts-table row of `outcome` (the error text scrubbed once more, belt and braces)."""
    carried = outcome.sent or outcome.suppressed
    return {
        "message_id": message.message_id,
        "finding_keys": [f.key for f in outcome.sent],
        "suppressed_keys": [f.key for f in outcome.suppressed],
        "kind": ",".join(sorted({f.kind for f in carried})) or "none",
        "severity": highest(carried).value,
        "channel": outcome.channel,
        "status": outcome.status,
        "attempts": outcome.attempts,
        "last_http_status": outcome.http_status,
        "last_error": scrub(outcome.error, *secrets) if outcome.error else None,
        "run_id": message.run_id,
        "sent_at": sent_at,
    }
