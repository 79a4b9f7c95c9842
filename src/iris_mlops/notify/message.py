"""One alert message: the findings of one run for one channel, grouped for reading, plus where to look."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from iris_mlops.notify.findings import Finding, Severity, highest

# Sections in reading order; kinds not listed go under "Other findings".
SECTIONS = (
    ("run", "Run"),
    ("quality", "Failed expectations"),
    ("drift", "Drifted columns"),
    ("performance", "Performance against the baseline"),
    ("volume", "Volume"),
    ("freshness", "Freshness"),
    ("test", "Test"),
)
RUN_STATUSES = ("succeeded", "warned", "failed", "unknown")


@dataclass(frozen=True)
class Link:
    """Where to look: an http(s) URL becomes a button, anything else (a local report path) is shown as text."""

    title: str
    target: str

    @property
    def is_url(self) -> bool:
        return self.target.startswith(("https://", "http://"))


@dataclass(frozen=True)
class AlertMessage:
    """What a channel receives; `suppressed` counts findings left out by the cooldown."""

    message_id: str
    title: str
    run_id: str
    run_status: str
    environment: str
    created_at: datetime
    findings: tuple[Finding, ...]
    links: tuple[Link, ...] = ()
    suppressed: int = 0
    details: Mapping[str, str] = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return highest(self.findings)

    @property
    def kind(self) -> str:
        """The kinds the message carries, sorted and comma-joined (one word for a one-kind message)."""
        return ",".join(sorted({f.kind for f in self.findings})) or "none"

    def with_findings(self, findings: Sequence[Finding], *, suppressed: int) -> AlertMessage:
        """The same message carrying `findings` only (what one channel receives after its filters)."""
        return replace(self, findings=tuple(findings), suppressed=suppressed)


def message_id_for(run_id: str, created_at: datetime, findings: Sequence[Finding]) -> str:
    """A stable id from the run, the time and the findings' keys (the same inputs give the same id)."""
    text = json.dumps([run_id, created_at.isoformat(), sorted(f.key for f in findings)])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def build_message(
    findings: Sequence[Finding],
    *,
    title: str,
    run_id: str,
    run_status: str,
    environment: str,
    created_at: datetime,
    links: Mapping[str, str] | None = None,
    details: Mapping[str, str] | None = None,
) -> AlertMessage:
    """Group one run's findings into a message (most severe first within each section)."""
    if run_status not in RUN_STATUSES:
        raise ValueError(f"unknown run status {run_status!r}: expected one of {', '.join(RUN_STATUSES)}")
    ordered = tuple(sorted(findings, key=lambda f: (_section_rank(f.kind), -f.severity.rank, f.subject)))
    return AlertMessage(
        message_id=message_id_for(run_id, created_at, ordered), title=title, run_id=run_id, run_status=run_status,
        environment=environment, created_at=created_at, findings=ordered,
        links=tuple(Link(k, v) for k, v in (links or {}).items() if v), details=dict(details or {}),
    )


def _section_rank(kind: str) -> int:
    kinds = [k for k, _ in SECTIONS]
    return kinds.index(kind) if kind in kinds else len(kinds)


def sections(message: AlertMessage) -> list[tuple[str, list[Finding]]]:
    """(heading, findings) in reading order, empty sections left out."""
    titles = dict(SECTIONS)
    grouped: dict[str, list[Finding]] = {}
    for finding in message.findings:
        heading = titles.get(finding.kind, "Other findings")
        grouped.setdefault(heading, []).append(finding)
    return list(grouped.items())


def headline(message: AlertMessage) -> str:
    """One line: severity, title, counts — the text fallback and the notification preview."""
    counts = _severity_counts(message.findings)
    where = f"{message.environment}, run {message.run_id}"
    return f"[{message.severity.value.upper()}] {message.title} — {counts} ({where})"


def _severity_counts(findings: Sequence[Finding]) -> str:
    tally: dict[Severity, int] = {}
    for finding in findings:
        tally[finding.severity] = tally.get(finding.severity, 0) + 1
    parts = [f"{n} {s.value}" for s, n in sorted(tally.items(), reverse=True)]
    return ", ".join(parts) if parts else "no findings"


def describe(finding: Finding) -> str:
    """The finding's message plus measured value, threshold, test and example values, in one line."""
    extras = []
    evidence = finding.evidence
    if "test" in evidence:
        extras.append(f"test {evidence['test']}")
    if finding.value is not None:
        extras.append(f"value {_fmt(finding.value)}")
    if finding.threshold is not None:
        extras.append(f"threshold {_fmt(finding.threshold)}")
    if "count" in evidence:
        extras.append(f"count {evidence['count']}")
    examples = evidence.get("examples")
    if examples:
        shown = ", ".join(_fmt(v) for v in list(examples)[:5])
        extras.append(f"e.g. {shown}")
    return finding.message + (f" ({'; '.join(extras)})" if extras else "")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def footer(message: AlertMessage) -> str:
    """The suppression note and the message id, for the end of a card."""
    note = f"{message.suppressed} repeated finding(s) left out (cooldown). " if message.suppressed else ""
    return f"{note}Message {message.message_id} · {message.created_at.strftime('%Y-%m-%d %H:%M UTC')}"
