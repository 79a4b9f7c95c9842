"""Deduplication: at most once per cooldown per channel, a rise in severity at once, failures retried."""

from __future__ import annotations

from datetime import timedelta

from notify_helpers import NOW, finding

from iris_mlops.notify.dedupe import AlertRecord, plan_dedupe
from iris_mlops.notify.findings import Severity

COOLDOWN = timedelta(hours=6)


def _record(*keys: str, hours_ago: float = 1, channel: str = "teams", status: str = "delivered") -> AlertRecord:
    return AlertRecord(channel=channel, status=status, finding_keys=keys, sent_at=NOW - timedelta(hours=hours_ago))


def _plan(findings: list, previous: list[AlertRecord], *, channel: str = "teams", cooldown: timedelta = COOLDOWN):
    decision = plan_dedupe(findings, previous, channel=channel, now=NOW, cooldown=cooldown)
    return [f.key for f in decision.send], [f.key for f in decision.suppressed]


def test_plan_dedupe_suppresses_the_same_key_within_the_cooldown() -> None:
    drift = finding(severity=Severity.WARNING)
    assert _plan([drift], [_record(drift.key, hours_ago=5.9)]) == ([], [drift.key])


def test_plan_dedupe_sends_again_after_the_cooldown() -> None:
    drift = finding(severity=Severity.WARNING)
    assert _plan([drift], [_record(drift.key, hours_ago=6.1)]) == ([drift.key], [])


def test_plan_dedupe_sends_a_rise_in_severity_at_once() -> None:
    warning, error = finding(severity=Severity.WARNING), finding(severity=Severity.ERROR)
    assert _plan([error], [_record(warning.key, hours_ago=0.1)]) == ([error.key], [])


def test_plan_dedupe_suppresses_a_fall_in_severity_within_the_cooldown() -> None:
    warning, error = finding(severity=Severity.WARNING), finding(severity=Severity.ERROR)
    assert _plan([warning], [_record(error.key, hours_ago=1)]) == ([], [warning.key])


def test_plan_dedupe_is_per_channel() -> None:
    drift = finding()
    assert _plan([drift], [_record(drift.key, channel="slack")]) == ([drift.key], [])


def test_plan_dedupe_ignores_failed_deliveries() -> None:
    drift = finding()
    assert _plan([drift], [_record(drift.key, status="failed"), _record(drift.key, status="suppressed")]) == (
        [drift.key], [])


def test_plan_dedupe_sends_a_repeated_finding_once_per_run_and_other_subjects_apart() -> None:
    first, other = finding(subject="petal_length"), finding(subject="sepal_width")
    assert _plan([first, first, other], [_record(first.key)]) == ([other.key], [first.key])


def test_plan_dedupe_with_zero_cooldown_always_sends() -> None:
    drift = finding()
    assert _plan([drift], [_record(drift.key, hours_ago=0)], cooldown=timedelta(0)) == ([drift.key], [])
