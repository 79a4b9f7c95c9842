"""Every check of one window, from profiles to findings and a status (OK / WARN / ALERT).

Drift is measured against the reference (BASELINE) and, when there is one, against the previous window
(CONSECUTIVE). The predicted class is compared with the reference's label shares (the champion's training
labels), and with the previous window's predictions. Status: ALERT when a finding is an error or worse,
WARN when one is a warning, OK otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from iris_mlops.config import MonitoringConfig
from iris_mlops.ml.gate import decide
from iris_mlops.monitoring import data_checks
from iris_mlops.monitoring.drift import DriftReport, compare_windows
from iris_mlops.monitoring.performance import PerformanceResult, evaluate_performance
from iris_mlops.monitoring.profile import WindowProfile
from iris_mlops.monitoring.reference import PREDICTED, SPECIES, ReferenceProfile
from iris_mlops.monitoring.summary import ColumnSummary
from iris_mlops.notify.findings import Finding, Severity

FAIL_ON = {"drift": ("drift",), "performance": ("performance",), "quality": ("quality", "volume", "freshness")}


@dataclass(frozen=True)
class WindowInputs:
    """What one window's checks need: both profiles, the champion's metrics and the history of past windows."""

    reference: ReferenceProfile
    current: WindowProfile
    previous: WindowProfile | None = None
    baseline_metrics: Mapping[str, float] = field(default_factory=dict)
    past_degraded: Sequence[bool] = ()  # newest first
    past_rows: Sequence[int] = ()  # newest first
    now: datetime | None = None


@dataclass(frozen=True)
class WindowResult:
    """Drift (baseline and consecutive), performance, findings and the status of one window."""

    drift: DriftReport
    consecutive: DriftReport | None
    performance: PerformanceResult | None
    expected_accuracy: float | None
    findings: tuple[Finding, ...]
    status: str

    def failed(self, kinds: Sequence[str]) -> list[Finding]:
        """The error-or-worse findings of the `--fail-on` kinds (drift, performance, quality)."""
        wanted = {k for kind in kinds for k in FAIL_ON[kind]}
        return [f for f in self.findings if f.kind in wanted and f.severity >= Severity.ERROR]

    def as_dict(self) -> dict[str, Any]:
        """The --json object: dataset_drift, drift_share, columns, consecutive drift, performance, findings."""
        return {
            "status": self.status, "dataset_drift": self.drift.dataset_drift, "drift_share": self.drift.drift_share,
            "drift_share_threshold": self.drift.share_threshold,
            "columns": [c.as_dict() for c in self.drift.columns],
            "consecutive": None if self.consecutive is None else {
                "dataset_drift": self.consecutive.dataset_drift, "drift_share": self.consecutive.drift_share,
                "columns": [c.as_dict() for c in self.consecutive.columns]},
            "performance": self.performance.as_dict() if self.performance else None,
            "expected_accuracy": self.expected_accuracy,
            "findings": [finding_dict(f) for f in self.findings],
        }


def finding_dict(finding: Finding) -> dict[str, Any]:
    """A finding as plain JSON data."""
    return {"kind": finding.kind, "severity": finding.severity.value, "subject": finding.subject,
            "message": finding.message, "value": finding.value, "threshold": finding.threshold,
            "evidence": dict(finding.evidence)}


def evaluate_window(inputs: WindowInputs, *, config: MonitoringConfig, margin: float) -> WindowResult:
    """Drift, performance, quality, volume and freshness of the current window; findings and status."""
    reference, current = inputs.reference, inputs.current
    drift = compare_windows(baseline_columns(reference.profile.columns, current.columns), current.columns,
                            reference_rows=reference.rows, config=config)
    consecutive = None
    if inputs.previous is not None and inputs.previous.rows:
        shared = {k: v for k, v in inputs.previous.columns.items() if k in current.columns}
        consecutive = compare_windows(shared, current.columns, reference_rows=inputs.previous.rows, config=config)
    performance = evaluate_performance(
        current.confusion, classes=reference.classes, baseline=inputs.baseline_metrics, margin=margin,
        past_degraded=inputs.past_degraded, degraded_windows=config.degraded_windows,
        window_history=config.window_history, expected_accuracy=current.expected_accuracy)
    findings = [*_drift_findings(drift, consecutive), *_performance_findings(performance),
                *_expected_findings(current.expected_accuracy, inputs.baseline_metrics, margin, performance),
                *_quality_findings(inputs, config=config)]
    return WindowResult(drift, consecutive, performance, current.expected_accuracy, tuple(findings),
                        status_of(findings))


def status_of(findings: Sequence[Finding]) -> str:
    """ALERT (an error or worse), WARN (a warning) or OK."""
    worst = max((f.severity for f in findings), default=Severity.INFO)
    return "ALERT" if worst >= Severity.ERROR else "WARN" if worst >= Severity.WARNING else "OK"


def baseline_columns(reference: Mapping[str, ColumnSummary],
                     current: Mapping[str, ColumnSummary]) -> dict[str, ColumnSummary]:
    """The reference's columns, plus the predicted class against the reference's labels when it was scored."""
    columns = dict(reference)
    if PREDICTED in current and SPECIES in reference and PREDICTED not in reference:
        columns[PREDICTED] = reference[SPECIES]
    return columns


def _drift_findings(drift: DriftReport, consecutive: DriftReport | None) -> list[Finding]:
    findings = [Finding("drift", Severity.WARNING, f"column:{c.column}",
                        f"{c.column} drifted ({c.test} {c.score:.4g} vs threshold {c.threshold:g})",
                        c.score, c.threshold, {"test": c.test, "noise_threshold": c.noise_threshold,
                                               "statistic": c.statistic, "drift_type": "BASELINE"})
                for c in drift.columns if c.drifted and c.score is not None]
    if drift.dataset_drift:
        counted = ", ".join(c for c in drift.drifted_columns if c in drift.counted_columns)
        findings.append(Finding("drift", Severity.ERROR, "dataset",
                                f"dataset drift: {drift.drift_share:.0%} of {len(drift.counted_columns)} columns "
                                f"drifted ({counted})",
                                drift.drift_share, drift.share_threshold, {"drift_type": "BASELINE"}))
    if consecutive is not None and consecutive.dataset_drift:
        findings.append(Finding("drift", Severity.WARNING, "dataset:consecutive",
                                f"{consecutive.drift_share:.0%} of columns drifted since the previous window",
                                consecutive.drift_share, consecutive.share_threshold, {"drift_type": "CONSECUTIVE"}))
    return findings


def _performance_findings(performance: PerformanceResult | None) -> list[Finding]:
    if performance is None or not performance.degraded:
        return []
    failed = [d for d in performance.decisions if not d.passed]
    worst = failed[0]
    severity = Severity.ERROR if performance.alert else Severity.WARNING
    return [Finding("performance", severity, "model",
                    f"{len(failed)} metric(s) below the champion's hold-out baseline ({worst.reason}); "
                    f"{performance.degraded_windows} of the last {performance.window_count} windows degraded",
                    worst.candidate_score, worst.reference_score,
                    {"failed": [d.as_dict() for d in failed], "alert": performance.alert})]


def _expected_findings(expected: float | None, baseline: Mapping[str, float], margin: float,
                       performance: PerformanceResult | None) -> list[Finding]:
    if expected is None:
        return []
    decision = performance.expected_decision if performance else decide(
        candidate_score=expected, reference_score=baseline.get("accuracy"), margin=margin, metric="expected_accuracy")
    if decision is None or decision.passed:
        return []
    return [Finding("performance", Severity.WARNING, "expected_accuracy",
                    f"label-free expected accuracy (mean top probability): {decision.reason}", expected,
                    decision.reference_score, {"method": "CBPE"})]


def _quality_findings(inputs: WindowInputs, *, config: MonitoringConfig) -> list[Finding]:
    current = inputs.current
    now = inputs.now or datetime.now(timezone.utc)
    return [*data_checks.null_findings(current, config=config), *data_checks.outlier_findings(current, config=config),
            *data_checks.balance_finding(current, column=SPECIES, classes=inputs.reference.classes, config=config),
            *data_checks.volume_finding(current.rows, inputs.past_rows, config=config),
            *data_checks.freshness_finding(current.latest, now=now, config=config)]
