"""Findings: what quality checks, the monitor and failed runs report, on one ordered severity scale."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

KEY_SEPARATOR = "|"


@functools.total_ordering
class Severity(Enum):
    """info < warning < error < critical; channels subscribe from a minimum severity."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANKS[self.value]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def parse(cls, text: str | Severity) -> Severity:
        """The severity named `text` (case-insensitive); ValueError naming the choices otherwise."""
        if isinstance(text, Severity):
            return text
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r}: choose one of {', '.join(_RANKS)}") from None


_RANKS = {"info": 0, "warning": 1, "error": 2, "critical": 3}


@dataclass(frozen=True)
class Finding:
    """One thing worth telling someone about, with what was measured against what was allowed."""

    kind: str  # quality | drift | performance | volume | freshness | run | test | ...
    severity: Severity
    subject: str  # what it is about: a table and expectation, a column, a job run
    message: str
    value: float | str | None = None
    threshold: float | str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def topic(self) -> str:
        """kind + subject: the same topic at a higher severity is a rise, not a repeat."""
        return f"{self.kind}{KEY_SEPARATOR}{self.subject}"

    @property
    def key(self) -> str:
        """The dedupe key: kind + subject + severity."""
        return f"{self.topic}{KEY_SEPARATOR}{self.severity.value}"


def split_key(key: str) -> tuple[str, Severity]:
    """A dedupe key back into its topic and severity."""
    topic, _, severity = key.rpartition(KEY_SEPARATOR)
    return topic, Severity.parse(severity)


def highest(findings: list[Finding] | tuple[Finding, ...]) -> Severity:
    """The highest severity among `findings` (info when there are none)."""
    return max((f.severity for f in findings), default=Severity.INFO)


def severity_from_quality(level: str) -> Severity:
    """A quality expectation's severity: warn -> warning, error -> error."""
    mapping = {"warn": Severity.WARNING, "error": Severity.ERROR}
    if level not in mapping:
        raise ValueError(f"unknown quality severity {level!r}: expected warn or error")
    return mapping[level]


def severity_from_monitor(status: str) -> Severity:
    """A monitor status: OK -> info, WARN -> warning, ALERT -> error."""
    mapping = {"OK": Severity.INFO, "WARN": Severity.WARNING, "ALERT": Severity.ERROR}
    if status.upper() not in mapping:
        raise ValueError(f"unknown monitor status {status!r}: expected OK, WARN or ALERT")
    return mapping[status.upper()]


def failed_run_finding(*, run_name: str, run_id: str, failed: tuple[str, ...] = (), error: str | None = None,
                       url: str | None = None) -> Finding:
    """The critical finding for a failed run: which run, which tasks failed, where to look."""
    tasks = ", ".join(failed) if failed else "unknown task"
    evidence: dict[str, Any] = {"run_id": run_id, "failed_tasks": list(failed)}
    if error:
        evidence["error"] = error
    if url:
        evidence["url"] = url
    return Finding(kind="run", severity=Severity.CRITICAL, subject=run_name,
                   message=f"run {run_id} of {run_name} failed: {tasks}", value="failed", threshold="success",
                   evidence=evidence)
