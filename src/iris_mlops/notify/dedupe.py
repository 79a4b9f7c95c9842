"""Deduplication: the same finding goes to a channel at most once per cooldown; a rise in severity at once.

A pure function of the previous alert records (the task reads them from the `alerts` table) and now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from iris_mlops.notify.findings import Finding, Severity, split_key


@dataclass(frozen=True)
class AlertRecord:
    """What dedupe needs from one row of the alerts table."""

    channel: str
    status: str
    finding_keys: tuple[str, ...]
    sent_at: datetime


@dataclass(frozen=True)
class DedupeDecision:
    """The findings to send now and those a recent delivery already covered."""

    send: tuple[Finding, ...]
    suppressed: tuple[Finding, ...]


def plan_dedupe(
    findings: Sequence[Finding],
    previous: Iterable[AlertRecord],
    *,
    channel: str,
    now: datetime,
    cooldown: timedelta,
) -> DedupeDecision:
    """Suppress a finding when `channel` delivered its topic at the same or a higher severity within `cooldown`.

    Only delivered messages count: a failed delivery is tried again on the next run.
    """
    covered = recently_delivered(previous, channel=channel, since=now - cooldown)
    send, suppressed = [], []
    seen: set[str] = set()
    for finding in findings:
        if finding.key in seen:  # the same finding twice in one run goes once
            continue
        seen.add(finding.key)
        top = covered.get(finding.topic)
        if cooldown > timedelta(0) and top is not None and top >= finding.severity:
            suppressed.append(finding)
        else:
            send.append(finding)
    return DedupeDecision(tuple(send), tuple(suppressed))


def recently_delivered(previous: Iterable[AlertRecord], *, channel: str, since: datetime) -> dict[str, Severity]:
    """The highest severity delivered per topic on `channel` since `since`."""
    covered: dict[str, Severity] = {}
    for record in previous:
        if record.channel != channel or record.status != "delivered" or record.sent_at < since:
            continue
        for key in record.finding_keys:
            topic, severity = split_key(key)
            if topic not in covered or severity > covered[topic]:
                covered[topic] = severity
    return covered
