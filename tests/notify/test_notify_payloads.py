"""Teams cards (Adaptive Card 1.4 in the message envelope), Slack Block Kit limits, the generic webhook body."""

from __future__ import annotations

import json

import pytest
from notify_helpers import NOW, AdaptiveCard14, assert_valid_teams, finding, make_message, sample_findings
from pydantic import ValidationError

from iris_mlops.notify.findings import Finding, Severity
from iris_mlops.notify.message import build_message, sections
from iris_mlops.notify.slack import MAX_BLOCKS, MAX_TEXT, slack_payload
from iris_mlops.notify.teams import MAX_PAYLOAD_BYTES, teams_payload
from iris_mlops.notify.webhook import webhook_payload


def _texts(node: object) -> list[str]:
    """Every Block Kit text value under `node`."""
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for v in node.values() for t in _texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


def _card_text(card: dict) -> str:
    return json.dumps(card)


def test_teams_payload_is_a_valid_card_in_the_message_envelope() -> None:
    payload = teams_payload(make_message())
    card = assert_valid_teams(payload)
    assert card.version == "1.4"
    assert payload["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    text = _card_text(payload)
    for expected in ("Failed expectations", "Drifted columns", "Performance against the baseline", "Volume",
                     "Freshness", "test ks", "count 4", "e.g. -1.0, 99.0", "/tmp/home/reports/quality/r1.html"):
        assert expected in text
    assert [a.url for a in card.actions or []] == ["https://adb-1.azuredatabricks.net/ml/experiments/1/runs/abc"]


def test_teams_card_model_refuses_what_workflows_reject() -> None:
    card = teams_payload(make_message())["attachments"][0]["content"]
    with pytest.raises(ValidationError):
        AdaptiveCard14.model_validate({**card, "version": "1.5"})
    with pytest.raises(ValidationError):
        AdaptiveCard14.model_validate({**card, "body": [{"type": "TextBlock", "text": "x", "colour": "good"}]})
    with pytest.raises(ValidationError):
        assert_valid_teams({"text": "deployment failed"})


def test_teams_payload_with_many_findings_fits_and_says_how_many_were_left_out() -> None:
    many = [finding("quality", Severity.ERROR, f"iris_silver:check_{i}", message="x" * 400) for i in range(300)]
    payload = teams_payload(make_message(many))
    assert_valid_teams(payload)
    assert len(json.dumps(payload).encode()) <= MAX_PAYLOAD_BYTES
    assert "more finding(s)" in _card_text(payload)


def test_teams_card_for_every_severity_is_valid() -> None:
    for severity in Severity:
        assert_valid_teams(teams_payload(make_message([finding(severity=severity)], links={})))


def test_slack_payload_has_blocks_and_a_text_fallback() -> None:
    payload = slack_payload(make_message())
    assert payload["text"].startswith("[ERROR] iris-mlops monitor: ALERT")
    assert payload["blocks"][0]["type"] == "header"
    text = "\n".join(_texts(payload["blocks"]))
    assert "<https://adb-1.azuredatabricks.net/ml/experiments/1/runs/abc|MLflow run>" in text
    assert "Drifted columns" in text


def test_slack_payload_respects_block_and_text_limits() -> None:
    many = [finding("drift", Severity.WARNING, f"column_{i}", message="y" * 2900) for i in range(120)]
    payload = slack_payload(make_message(many))
    assert len(payload["blocks"]) == MAX_BLOCKS
    assert all(len(t) <= MAX_TEXT for t in _texts(payload))
    assert "more block(s) left out" in _texts(payload["blocks"][-1])[0]


def test_slack_payload_clips_one_overlong_finding_with_a_note() -> None:
    payload = slack_payload(make_message([finding(message="z" * 5000)], links={}))
    texts = _texts(payload)
    assert all(len(t) <= MAX_TEXT for t in texts)
    assert any(t.endswith("… (truncated)") for t in texts)


def test_slack_payload_escapes_control_characters() -> None:
    payload = slack_payload(make_message([finding(subject="a<b>&c")], links={}))
    assert "a&lt;b&gt;&amp;c" in "\n".join(_texts(payload))


def test_webhook_payload_is_strict_json_with_every_finding() -> None:
    findings = [*sample_findings(), Finding("drift", Severity.ERROR, "x", "nan score", value=float("nan"))]
    payload = webhook_payload(make_message(findings))
    text = json.dumps(payload, allow_nan=False)
    by_subject = {f["subject"]: f for f in json.loads(text)["findings"]}
    assert by_subject["x"]["value"] == "nan"
    assert len(payload["findings"]) == len(findings)
    assert payload["severity"] == "error"


def test_message_groups_sections_in_reading_order_most_severe_first() -> None:
    findings = [finding("drift", Severity.WARNING, "b"), finding("quality", Severity.WARNING, "q"),
                finding("drift", Severity.ERROR, "a"), finding("run", Severity.CRITICAL, "job")]
    message = build_message(findings, title="t", run_id="r", run_status="failed", environment="local",
                            created_at=NOW)
    assert [(h, [f.subject for f in fs]) for h, fs in sections(message)] == [
        ("Run", ["job"]), ("Failed expectations", ["q"]), ("Drifted columns", ["a", "b"])]
    assert message.severity is Severity.CRITICAL


def test_build_message_refuses_an_unknown_run_status() -> None:
    with pytest.raises(ValueError, match="unknown run status"):
        build_message([], title="t", run_id="r", run_status="exploded", environment="local", created_at=NOW)
