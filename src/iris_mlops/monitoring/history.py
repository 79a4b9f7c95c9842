"""The performance trend over past monitor runs, and the drift table's deltas, from plain values."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iris_mlops.monitoring.summary import ColumnSummary, NumericSummary


@dataclass(frozen=True)
class TrendPoint:
    """One past (or the current) run: when, which model version, its status, drift share and performance."""

    run_id: str
    created_at: str
    model_version: str | None
    status: str
    rows: int
    drift_share: float | None
    accuracy: float | None
    f1_macro: float | None
    expected_accuracy: float | None


def performance_trend(runs: Sequence[Mapping[str, Any]], *, model_name: str | None, limit: int) -> list[TrendPoint]:
    """The newest `limit` non-skipped monitor_runs rows of `model_name`, oldest first (a trend reads left to right)."""
    chosen = [r for r in runs if r.get("status") != "SKIPPED" and r.get("model_name") == model_name]
    chosen = sorted(chosen, key=lambda r: str(r["created_at"]), reverse=True)[:limit]
    return [_point(r) for r in reversed(chosen)]


def _point(row: Mapping[str, Any]) -> TrendPoint:
    performance = json.loads(row["performance"]) if row.get("performance") else {}
    metrics = performance.get("metrics") or {}
    return TrendPoint(str(row["run_id"]), str(row["created_at"]), row.get("model_version"), str(row["status"]),
                      int(row["rows"]), row.get("drift_share"), metrics.get("accuracy"), metrics.get("f1_macro"),
                      performance.get("expected_accuracy"))


def column_deltas(baseline: ColumnSummary | None, current: ColumnSummary | None) -> dict[str, float | None]:
    """Lakehouse Monitoring's deltas: current minus baseline non-null count, mean and percentage of nulls."""
    if baseline is None or current is None:
        return {"count_delta": None, "avg_delta": None, "percent_null_delta": None}
    avg = None
    if (isinstance(baseline, NumericSummary) and isinstance(current, NumericSummary)
            and baseline.mean is not None and current.mean is not None):
        avg = float(current.mean - baseline.mean)
    return {"count_delta": float(current.count - baseline.count), "avg_delta": avg,
            "percent_null_delta": _percent_null(current) - _percent_null(baseline)}


def _percent_null(summary: ColumnSummary) -> float:
    total = summary.count + summary.nulls
    return 100.0 * summary.nulls / total if total else 0.0
