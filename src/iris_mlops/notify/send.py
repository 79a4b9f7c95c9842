"""Sending one message to every active channel: subscription filter, dedupe, delivery, one outcome each."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from iris_mlops.notify.channels import Channel, payload_for
from iris_mlops.notify.dedupe import AlertRecord, DedupeDecision, plan_dedupe
from iris_mlops.notify.delivery import DeliveryPolicy, deliver
from iris_mlops.notify.message import AlertMessage
from iris_mlops.notify.records import ChannelOutcome, outcome_from_delivery


def send_message(
    message: AlertMessage,
    channels: Sequence[Channel],
    previous: Iterable[AlertRecord],
    *,
    now: datetime,
    cooldown: timedelta,
    policy: DeliveryPolicy,
    dedupe: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> list[ChannelOutcome]:
    """One outcome per channel that subscribes to at least one finding; delivery failures are outcomes, not errors."""
    history = list(previous)
    outcomes = []
    for channel in channels:
        subscribed = [f for f in message.findings if channel.receives(f.severity)]
        if not subscribed:
            continue
        decision = (plan_dedupe(subscribed, history, channel=channel.name, now=now, cooldown=cooldown) if dedupe
                    else DedupeDecision(tuple(subscribed), ()))
        outcomes.append(_send_one(message, channel, decision, policy=policy, sleep=sleep))
    return outcomes


def _send_one(message: AlertMessage, channel: Channel, decision: DedupeDecision, *, policy: DeliveryPolicy,
              sleep: Callable[[float], None]) -> ChannelOutcome:
    if not decision.send:
        return ChannelOutcome(channel.name, "suppressed", (), decision.suppressed, required=channel.required)
    if channel.url is None:
        return ChannelOutcome(channel.name, "failed", decision.send, decision.suppressed,
                              error=channel.problem or "no URL", required=channel.required)
    payload = payload_for(channel.type, message.with_findings(decision.send, suppressed=len(decision.suppressed)))
    result = deliver(channel.url, payload, policy=policy, sleep=sleep)
    return outcome_from_delivery(channel.name, decision.send, decision.suppressed, result, required=channel.required)
