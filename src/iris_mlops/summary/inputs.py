"""Turning what the pipeline records into summary rows: dq_results records become QualityRow."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from iris_mlops.quality.words import describe, observed
from iris_mlops.summary.model import QualityRow


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def quality_row(record: Mapping[str, Any]) -> QualityRow:
    """One dq_results record (quality.results.result_rows) as a QualityRow in plain words."""
    arguments = _json(record.get("kwargs")) or {}
    exception = record.get("exception")
    return QualityRow(
        table=str(record.get("table_name", "")).split(".")[-1],
        description=describe(str(record["expectation_type"]), arguments if isinstance(arguments, dict) else {}),
        severity=str(record.get("severity", "error")),
        success=bool(record.get("success")),
        observed=f"could not be computed: {exception}" if exception else observed(_json(record.get("observed_value"))),
        unexpected=record.get("unexpected_count"),
        expectation=str(record["expectation_type"]),
    )


def quality_rows(records: Iterable[Mapping[str, Any]]) -> tuple[QualityRow, ...]:
    """Every record of a run, in words."""
    return tuple(quality_row(r) for r in records)
