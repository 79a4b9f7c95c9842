"""The notification hook: quality runs with warnings or errors are handed to registered notifiers.

The channel itself (Slack, e-mail, a webhook …) comes with the monitoring issue: it registers a
`Notifier` here. Until then the registry holds only a no-op notifier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from iris_mlops.quality.results import SuiteResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QualityEvent:
    """What a notifier receives: the level, the one-line summary, the full result and the report."""

    level: Literal["warn", "error"]
    summary: str
    result: SuiteResult
    report_path: str | None = None


@runtime_checkable
class Notifier(Protocol):
    def notify(self, event: QualityEvent) -> None:
        """Deliver one event; raising is logged and does not stop the pipeline."""


class NullNotifier:
    """The default: does nothing."""

    def notify(self, event: QualityEvent) -> None:
        return None


_NOTIFIERS: dict[str, Notifier] = {"null": NullNotifier()}


def register_notifier(name: str, notifier: Notifier) -> None:
    """Add (or replace) the notifier called `name`."""
    if not isinstance(notifier, Notifier):
        raise TypeError(f"notifier {name!r} has no notify(event) method")
    _NOTIFIERS[name] = notifier


def unregister_notifier(name: str) -> None:
    _NOTIFIERS.pop(name, None)


def notifiers() -> dict[str, Notifier]:
    return dict(_NOTIFIERS)


def event_for(result: SuiteResult) -> QualityEvent | None:
    """An event when the run failed an expectation, else None."""
    if result.errors:
        return QualityEvent("error", result.summary(), result, result.report_path)
    if result.warnings:
        return QualityEvent("warn", result.summary(), result, result.report_path)
    return None


def dispatch(event: QualityEvent) -> list[str]:
    """Call every notifier; return the names of those that failed (each failure is logged)."""
    failed = []
    for name, notifier in _NOTIFIERS.items():
        try:
            notifier.notify(event)
        except Exception:
            log.exception("quality notifier %s failed", name)
            failed.append(name)
    return failed
