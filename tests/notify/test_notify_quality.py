"""Quality results as findings: one per failed expectation, warn -> warning, error -> error."""

from __future__ import annotations

from notify_helpers import NOW

from iris_mlops.notify.findings import Severity
from iris_mlops.quality.findings import findings_from_suite, findings_from_suites
from iris_mlops.quality.results import ExpectationResult, SuiteResult


def _suite(*results: ExpectationResult, table: str = "local.iris.iris_silver") -> SuiteResult:
    return SuiteResult(run_id="r1", suite="silver", suite_version="1.0.0", table=table, table_version=3,
                       success=not any(not r.success for r in results), started_at=NOW, finished_at=NOW,
                       results=list(results), report_path="/tmp/report.html")


def _expectation(severity: str, success: bool, **kwargs: object) -> ExpectationResult:
    return ExpectationResult(expectation_type="expect_column_values_to_be_between", column="petal_length",
                             arguments={"column": "petal_length", "min_value": 0.1, "max_value": 7.0},
                             severity=severity, success=success, **kwargs)  # type: ignore[arg-type]


def test_findings_from_suite_has_one_finding_per_failed_expectation_with_examples() -> None:
    failed = _expectation("error", False, unexpected_count=4, unexpected_percent=2.6667,
                          unexpected_sample=[-1.0, 99.0, 8.5, 7.5, 7.2, 7.1])
    findings = findings_from_suite(_suite(failed, _expectation("warn", True)))
    assert len(findings) == 1
    found = findings[0]
    assert (found.kind, found.severity, found.value) == ("quality", Severity.ERROR, 4.0)
    assert found.subject == "local.iris.iris_silver:expect_column_values_to_be_between(petal_length)"
    assert found.threshold == "min_value=0.1, max_value=7.0"
    assert found.evidence["examples"] == ["-1.0", "99.0", "8.5", "7.5", "7.2"]
    assert found.evidence["count"] == 4 and found.evidence["table_version"] == "v3"


def test_findings_from_suite_maps_warn_to_warning_and_filters_levels() -> None:
    suite = _suite(_expectation("warn", False, observed_value=0.42), _expectation("error", False, observed_value=9))
    assert [f.severity for f in findings_from_suite(suite)] == [Severity.WARNING, Severity.ERROR]
    assert [f.severity for f in findings_from_suite(suite, levels=("error",))] == [Severity.ERROR]
    assert findings_from_suite(suite)[0].value == 0.42


def test_findings_from_suites_of_passing_runs_is_empty() -> None:
    assert findings_from_suites([_suite(_expectation("error", True)), _suite()]) == []
