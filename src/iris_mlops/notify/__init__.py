"""Alerts: findings on one severity scale, delivered to Teams, Slack and webhooks, deduplicated and recorded."""

from __future__ import annotations

from iris_mlops.notify.findings import (
    Finding,
    Severity,
    failed_run_finding,
    severity_from_monitor,
    severity_from_quality,
)

__all__ = ["Finding", "Severity", "failed_run_finding", "severity_from_monitor", "severity_from_quality"]
