"""A generic JSON webhook: the message as plain data, for any receiver that parses JSON."""

from __future__ import annotations

import math
from typing import Any

from iris_mlops.notify.message import AlertMessage, describe, headline

SCHEMA_VERSION = 1


def webhook_payload(message: AlertMessage) -> dict[str, Any]:
    """Every field of the message and its findings, JSON-ready."""
    return {
        "schema_version": SCHEMA_VERSION,
        "message_id": message.message_id,
        "title": message.title,
        "text": headline(message),
        "severity": message.severity.value,
        "run_id": message.run_id,
        "run_status": message.run_status,
        "environment": message.environment,
        "created_at": message.created_at.isoformat(),
        "suppressed": message.suppressed,
        "details": dict(message.details),
        "links": [{"title": link.title, "target": link.target} for link in message.links],
        "findings": [
            {
                "key": f.key,
                "kind": f.kind,
                "severity": f.severity.value,
                "subject": f.subject,
                "message": f.message,
                "text": describe(f),
                "value": _jsonable(f.value),
                "threshold": _jsonable(f.threshold),
                "evidence": _jsonable(dict(f.evidence)),
            }
            for f in message.findings
        ],
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # strict JSON has no NaN or infinity
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
