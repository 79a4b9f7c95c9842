"""Rows of the monitor tables built from typed results, and profiles read back from profile rows (plain dicts)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iris_mlops.monitoring.checks import WindowResult, finding_dict
from iris_mlops.monitoring.drift import DriftReport
from iris_mlops.monitoring.history import column_deltas
from iris_mlops.monitoring.profile import ProfilePlan, WindowProfile
from iris_mlops.monitoring.summary import CategoricalSummary, ColumnSummary, NumericSummary

TABLE_ROW = ":table"
GRANULARITY = "batches"  # a window is a set of silver batches, not a fixed time grain
SLICE_KEY = "species"


@dataclass(frozen=True)
class WindowInfo:
    """Which rows a window holds: its batches (or file), its time span, and an id stable across re-runs."""

    window_id: str
    start: datetime | None
    end: datetime | None
    batches: tuple[str, ...] = ()
    source: str | None = None


def window_id(parts: Iterable[str]) -> str:
    """A stable id for a set of batches (or sources): the same set gives the same id."""
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:16]


def profile_rows(profile: WindowProfile, window: WindowInfo, *, log_type: str, model_version: str | None,
                 run_id: str) -> list[dict[str, Any]]:
    """One row per column (+ the table row and the per-species slices of the measurements)."""
    base = {"window": {"start": window.start, "end": window.end}, "window_id": window.window_id,
            "granularity": GRANULARITY, "log_type": log_type, "model_version": model_version, "slice_key": None,
            "slice_value": None, "source": window.source, "run_id": run_id}
    rows = [{**_empty(base), "column_name": TABLE_ROW, "data_type": "table", "count": profile.rows}]
    for name, summary in profile.columns.items():
        rows.append({**_empty(base), **_column_row(name, summary, profile)})
    for name, per_species in profile.slices.items():
        for species, (mean, std) in per_species.items():
            rows.append({**_empty(base), "column_name": name, "data_type": "double", "slice_key": SLICE_KEY,
                         "slice_value": species, "avg": mean, "stddev": std})
    return rows


def _empty(base: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("count", "num_nulls", "percent_null", "avg", "stddev", "min", "max", "distinct_count", "num_outliers",
            "frequent_items", "histogram", "sorted_values", "data_type")
    return {**base, **dict.fromkeys(keys)}


def _column_row(name: str, summary: NumericSummary | CategoricalSummary, profile: WindowProfile) -> dict[str, Any]:
    common = {"column_name": name, "count": summary.count, "num_nulls": summary.nulls,
              "percent_null": summary.nulls / profile.rows if profile.rows else None}
    if isinstance(summary, CategoricalSummary):
        items = [{"item": k, "count": v} for k, v in summary.counts.items()]
        return {**common, "data_type": "string", "distinct_count": summary.distinct, "frequent_items": items}
    return {**common, "data_type": "double", "avg": summary.mean, "stddev": summary.std, "min": summary.minimum,
            "max": summary.maximum, "distinct_count": summary.distinct, "num_outliers": profile.outliers.get(name),
            "histogram": {"edges": list(summary.edges), "counts": list(summary.counts),
                          "tail_sums": list(summary.tail_sums)},
            "sorted_values": list(summary.values) if summary.values is not None else None}


def read_profile_rows(rows: Sequence[Mapping[str, Any]]) -> tuple[WindowProfile, ProfilePlan]:
    """A stored window profile (and the plan its bins and categories define) from its profile rows."""
    columns: dict[str, NumericSummary | CategoricalSummary] = {}
    slices: dict[str, dict[str, tuple[float | None, float | None]]] = {}
    outliers: dict[str, int] = {}
    total = 0
    for row in rows:
        name = row["column_name"]
        if name == TABLE_ROW:
            total = int(row["count"])
        elif row.get("slice_key"):
            slices.setdefault(name, {})[row["slice_value"]] = (row["avg"], row["stddev"])
        elif row["data_type"] == "string":
            counts = {i["item"]: int(i["count"]) for i in row["frequent_items"] or []}
            columns[name] = CategoricalSummary(int(row["count"]), int(row["num_nulls"]), counts)
        else:
            columns[name] = _numeric_from_row(row)
            if row.get("num_outliers") is not None:
                outliers[name] = int(row["num_outliers"])
    profile = WindowProfile(total, columns, outliers, slices=slices)
    plan = ProfilePlan(edges={n: s.edges for n, s in columns.items() if isinstance(s, NumericSummary)},
                       categories={n: tuple(s.counts) for n, s in columns.items() if isinstance(s, CategoricalSummary)},
                       sliced=tuple(slices))
    return profile, plan


def _numeric_from_row(row: Mapping[str, Any]) -> NumericSummary:
    histogram = row["histogram"]
    values = row.get("sorted_values")
    return NumericSummary(
        count=int(row["count"]), nulls=int(row["num_nulls"]), mean=row["avg"], std=row["stddev"],
        minimum=row["min"], maximum=row["max"], edges=tuple(float(e) for e in histogram["edges"]),
        counts=tuple(int(c) for c in histogram["counts"]),
        tail_sums=(float(histogram["tail_sums"][0]), float(histogram["tail_sums"][1])),
        values=tuple(float(v) for v in values) if values is not None else None,
        distinct=None if row["distinct_count"] is None else int(row["distinct_count"]))


def drift_rows(report: DriftReport, window: WindowInfo, *, compared: WindowInfo | None, drift_type: str,
               model_version: str | None, run_id: str, baseline: Mapping[str, ColumnSummary],
               current: Mapping[str, ColumnSummary]) -> list[dict[str, Any]]:
    """One row per column of a drift report: every statistic, the chosen test's verdict, the deltas to the baseline."""
    rows = []
    for column in report.columns:
        scores = column.scores
        ks = scores.ks if scores else None
        chi = scores.chi_square if scores else None
        rows.append({
            "window": {"start": window.start, "end": window.end},
            "window_cmp": None if compared is None else {"start": compared.start, "end": compared.end},
            "window_id": window.window_id, "granularity": GRANULARITY, "drift_type": drift_type,
            "model_version": model_version, "slice_key": None, "slice_value": None, "column_name": column.column,
            "data_type": "string" if chi is not None and ks is None else "double",
            "ks_test": None if ks is None else {"statistic": ks.statistic, "pvalue": ks.pvalue},
            "chi_squared_test": None if chi is None else {"statistic": _finite(chi.statistic), "pvalue": chi.pvalue},
            "js_distance": scores.jensenshannon if scores else None,
            "wasserstein_distance": scores.wasserstein if scores else None,
            "population_stability_index": scores.psi if scores else None,
            **column_deltas(baseline.get(column.column), current.get(column.column)),
            "test": column.test, "score": _finite(column.score), "threshold": column.threshold,
            "noise_threshold": _finite(column.noise_threshold), "drifted": column.drifted,
            "counted_in_share": column.counted, "run_id": run_id,
        })
    return rows


def run_row(*, run_id: str, window: WindowInfo, rows: int, status: str, created_at: datetime,
            result: WindowResult | None = None, reason: str | None = None, model_name: str | None = None,
            model_version: str | None = None, reference: str | None = None, source_table: str | None = None,
            source_version: int | None = None, report_location: str | None = None) -> dict[str, Any]:
    """The monitor_runs row of one run (a skipped run has a reason and no result)."""
    return {
        "run_id": run_id, "window": {"start": window.start, "end": window.end}, "window_id": window.window_id,
        "batches": list(window.batches), "source_table": source_table, "source_version": source_version,
        "rows": rows, "model_name": model_name, "model_version": model_version, "reference": reference,
        "status": status, "reason": reason,
        "dataset_drift": result.drift.dataset_drift if result else None,
        "drift_share": result.drift.drift_share if result else None,
        "performance": json.dumps(result.performance.as_dict(), default=str) if result and result.performance else None,
        "findings": json.dumps([finding_dict(f) for f in result.findings] if result else [], default=str),
        "report_location": report_location, "created_at": created_at,
    }


def _finite(value: float | None) -> float | None:
    return None if value is None or value != value or value in (float("inf"), float("-inf")) else value
