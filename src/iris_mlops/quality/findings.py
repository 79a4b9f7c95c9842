"""Quality results as alert findings (notify.Finding): one per failed expectation, with counts and examples."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from iris_mlops.notify.findings import Finding, severity_from_quality
from iris_mlops.quality.results import ExpectationResult, SuiteResult

MAX_EXAMPLES = 5


def findings_from_suite(result: SuiteResult, *, levels: Sequence[str] = ("warn", "error")) -> list[Finding]:
    """A finding per failed expectation whose severity is in `levels` (the checkpoint's notify_on)."""
    return [_finding(result, r) for r in result.failed if r.severity in levels]


def findings_from_suites(results: Iterable[SuiteResult], *, levels: Sequence[str] = ("warn", "error")) -> list[Finding]:
    """The findings of several suite runs, in order."""
    return [f for result in results for f in findings_from_suite(result, levels=levels)]


def _finding(suite: SuiteResult, result: ExpectationResult) -> Finding:
    version = f"v{suite.table_version}" if suite.table_version is not None else "(new table)"
    evidence: dict[str, object] = {"suite": f"{suite.suite}@{suite.suite_version}", "table_version": version}
    if result.unexpected_count is not None:
        evidence["count"] = result.unexpected_count
    if result.unexpected_percent is not None:
        evidence["unexpected_percent"] = round(result.unexpected_percent, 4)
    if result.unexpected_sample:
        evidence["examples"] = [str(v) for v in result.unexpected_sample[:MAX_EXAMPLES]]
    if result.exception:
        evidence["exception"] = result.exception
    message = f"{suite.table} {version}: {result.label} failed"
    if result.exception:
        message += f" [{result.exception[:120]}]"
    return Finding(kind="quality", severity=severity_from_quality(result.severity),
                   subject=f"{suite.table}:{result.label}", message=message, value=_observed(result),
                   threshold=result.expected or None, evidence=evidence)


def _observed(result: ExpectationResult) -> float | str | None:
    if result.unexpected_count:
        return float(result.unexpected_count)
    value = result.observed_value
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return None if value is None else float(value)
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
