"""The shared Finding type: ordered severities, dedupe keys and the mappings from quality and the monitor."""

from __future__ import annotations

import pytest

from iris_mlops.notify.findings import (
    Finding,
    Severity,
    failed_run_finding,
    highest,
    severity_from_monitor,
    severity_from_quality,
    split_key,
)


def test_severity_order_is_info_warning_error_critical() -> None:
    assert sorted([Severity.CRITICAL, Severity.INFO, Severity.ERROR, Severity.WARNING]) == [
        Severity.INFO, Severity.WARNING, Severity.ERROR, Severity.CRITICAL]
    assert Severity.WARNING >= Severity.WARNING
    assert not Severity.ERROR < Severity.WARNING


def test_severity_parse_refuses_unknown_name() -> None:
    assert Severity.parse(" Warning ") is Severity.WARNING
    with pytest.raises(ValueError, match="unknown severity 'fatal'"):
        Severity.parse("fatal")


def test_finding_key_is_kind_subject_severity_and_splits_back() -> None:
    finding = Finding("drift", Severity.ERROR, "petal_length", "drifted", value=0.01, threshold=0.05)
    assert finding.key == "drift|petal_length|error"
    assert split_key(finding.key) == ("drift|petal_length", Severity.ERROR)
    assert split_key(Finding("quality", Severity.WARNING, "a|b", "m").key) == ("quality|a|b", Severity.WARNING)


def test_finding_is_frozen() -> None:
    finding = Finding("volume", Severity.WARNING, "iris_silver", "few rows")
    with pytest.raises(AttributeError):
        finding.severity = Severity.ERROR  # type: ignore[misc]


def test_severity_mappings_follow_the_issue() -> None:
    assert severity_from_quality("warn") is Severity.WARNING
    assert severity_from_quality("error") is Severity.ERROR
    assert severity_from_monitor("WARN") is Severity.WARNING
    assert severity_from_monitor("ALERT") is Severity.ERROR
    with pytest.raises(ValueError, match="unknown quality severity"):
        severity_from_quality("fatal")
    with pytest.raises(ValueError, match="unknown monitor status"):
        severity_from_monitor("RED")


def test_failed_run_finding_is_critical_and_names_the_tasks() -> None:
    finding = failed_run_finding(run_name="iris_workflow", run_id="r1", failed=("silver", "gold"))
    assert finding.severity is Severity.CRITICAL
    assert "silver, gold" in finding.message
    assert highest([finding, Finding("x", Severity.WARNING, "s", "m")]) is Severity.CRITICAL
    assert highest([]) is Severity.INFO
