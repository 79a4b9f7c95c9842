"""Data quality, volume and freshness checks on one window's profile; each breach is a Finding.

- nulls: a column's null share above `max_null_share` is an error; a column with no value at all is an error.
- outliers: |z| > `outlier_z` against the reference's mean and std of the row's species; a share above
  `max_outlier_share` is a warning.
- class balance: the largest class share over the smallest (a missing class counts as share 0) above
  `max_class_ratio` is a warning.
- volume: rows more than `volume_tolerance` (relative) away from the median of the previous windows' rows.
- freshness: the newest row older than `freshness_hours` at the time of the check.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime

from iris_mlops.config import MonitoringConfig
from iris_mlops.monitoring.profile import OTHER, WindowProfile
from iris_mlops.monitoring.summary import CategoricalSummary
from iris_mlops.notify.findings import Finding, Severity


def null_findings(window: WindowProfile, *, config: MonitoringConfig) -> list[Finding]:
    """One finding per column whose null share exceeds the limit (an all-null column says so)."""
    findings = []
    for name, summary in window.columns.items():
        if window.rows == 0 or summary.nulls == 0:
            continue
        share = summary.nulls / window.rows
        if summary.count == 0:
            findings.append(Finding("quality", Severity.ERROR, f"nulls:{name}",
                                    f"column {name} is entirely null ({window.rows} rows)", 1.0,
                                    config.max_null_share, {"nulls": summary.nulls, "rows": window.rows}))
        elif share > config.max_null_share:
            findings.append(Finding("quality", Severity.ERROR, f"nulls:{name}",
                                    f"column {name}: {share:.1%} null ({summary.nulls} of {window.rows} rows)",
                                    share, config.max_null_share, {"nulls": summary.nulls, "rows": window.rows}))
    return findings


def outlier_findings(window: WindowProfile, *, config: MonitoringConfig) -> list[Finding]:
    """One warning per measurement whose share of |z| outliers (per species, vs the reference) is too high."""
    findings = []
    for name, count in window.outliers.items():
        share = count / window.rows if window.rows else 0.0
        if share > config.max_outlier_share:
            findings.append(Finding("quality", Severity.WARNING, f"outliers:{name}",
                                    f"{name}: {share:.1%} of rows are more than {config.outlier_z:g} standard "
                                    "deviations from the reference mean of their species", share,
                                    config.max_outlier_share, {"outliers": count, "rows": window.rows}))
    return findings


def balance_finding(window: WindowProfile, *, column: str, classes: Sequence[str],
                    config: MonitoringConfig) -> list[Finding]:
    """A warning when the largest class share over the smallest exceeds `max_class_ratio`."""
    summary = window.columns.get(column)
    if not isinstance(summary, CategoricalSummary) or summary.count == 0:
        return []
    shares = {c: summary.counts.get(c, 0) / summary.count for c in classes}
    shares |= {k: v / summary.count for k, v in summary.counts.items() if k == OTHER}
    smallest, largest = min(shares.values()), max(shares.values())
    ratio = largest / smallest if smallest else float("inf")
    if ratio <= config.max_class_ratio:
        return []
    return [Finding("quality", Severity.WARNING, f"class_balance:{column}",
                    f"{column}: largest class share {largest:.1%} vs smallest {smallest:.1%}",
                    ratio if smallest else "inf", config.max_class_ratio, {"shares": shares})]


def volume_finding(rows: int, past_rows: Sequence[int], *, config: MonitoringConfig) -> list[Finding]:
    """A warning when `rows` is far from the median of the previous windows (nothing without history)."""
    history = list(past_rows)[: config.volume_history]
    if not history:
        return []
    median = statistics.median(history)
    change = (rows - median) / median if median else float("inf")
    if abs(change) <= config.volume_tolerance:
        return []
    return [Finding("volume", Severity.WARNING, "rows",
                    f"{rows} rows vs a median of {median:g} over the previous {len(history)} window(s) "
                    f"({change:+.0%})", float(rows), f"{median:g} ± {config.volume_tolerance:.0%}",
                    {"history": history, "relative_change": change if median else None})]


def freshness_finding(latest: datetime | None, *, now: datetime, config: MonitoringConfig) -> list[Finding]:
    """A warning when the newest row is older than `freshness_hours`."""
    if latest is None:
        return []
    age = (now - latest).total_seconds() / 3600
    if age <= config.freshness_hours:
        return []
    return [Finding("freshness", Severity.WARNING, "latest_ingestion",
                    f"newest data ingested {age:.1f} h ago (limit {config.freshness_hours:g} h)", age,
                    config.freshness_hours, {"latest": latest.isoformat()})]
