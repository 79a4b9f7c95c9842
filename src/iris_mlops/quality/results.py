"""Validation results as pydantic models: per expectation and per suite run."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ExpectationResult(BaseModel):
    """The outcome of one expectation, with GX's result fields where GX has them."""

    model_config = ConfigDict(frozen=True)

    expectation_type: str
    arguments: dict[str, Any]
    column: str | None = None
    severity: Literal["error", "warn"]
    success: bool
    observed_value: Any = None
    element_count: int | None = None
    missing_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    unexpected_sample: list[Any] = Field(default_factory=list)
    failing_rows: list[dict[str, Any]] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    exception: str | None = None

    @property
    def label(self) -> str:
        return f"{self.expectation_type}({self.column})" if self.column else self.expectation_type

    @property
    def expected(self) -> str:
        """The arguments that decide success, for reports."""
        shown = {k: v for k, v in self.arguments.items() if k != "column"}
        return ", ".join(f"{k}={v}" for k, v in shown.items())


class SuiteResult(BaseModel):
    """One suite validated on one table version."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    suite: str
    suite_version: str
    table: str
    table_version: int | None = None
    success: bool
    started_at: datetime
    finished_at: datetime
    timings: dict[str, float] = Field(default_factory=dict)
    spark_jobs: dict[str, int] = Field(default_factory=dict)
    results: list[ExpectationResult]
    report_path: str | None = None

    @property
    def failed(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success]

    @property
    def errors(self) -> list[ExpectationResult]:
        return [r for r in self.failed if r.severity == "error"]

    @property
    def warnings(self) -> list[ExpectationResult]:
        return [r for r in self.failed if r.severity == "warn"]

    @property
    def status(self) -> Literal["passed", "warned", "failed"]:
        if self.errors:
            return "failed"
        return "warned" if self.warnings else "passed"

    def summary(self) -> str:
        """One line: the table, the counts and the failed expectations with their unexpected counts."""
        # No version yet: the audit of a table's first write, before it exists.
        version = f"v{self.table_version}" if self.table_version is not None else "(new table)"
        passed = len(self.results) - len(self.failed)
        head = f"{self.table} {version} suite {self.suite}@{self.suite_version}: {passed}/{len(self.results)} passed"
        parts = [head]
        if self.errors:
            parts.append("error: " + ", ".join(_short(r) for r in self.errors))
        if self.warnings:
            parts.append("warn: " + ", ".join(_short(r) for r in self.warnings))
        return "; ".join(parts)


def _short(result: ExpectationResult) -> str:
    if result.exception:
        return f"{result.label} [{result.exception}]"
    if result.unexpected_count:
        return f"{result.label} [{result.unexpected_count} unexpected]"
    return f"{result.label} [observed {_brief(result.observed_value)}]"


def _brief(value: Any) -> str:
    text = json.dumps(jsonable(value))
    return text if len(text) <= 60 else text[:57] + "..."


def jsonable(value: Any) -> Any:
    """Plain JSON data: NaN and infinities as strings, dates as ISO text, other objects as str."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def result_rows(result: SuiteResult) -> list[dict[str, Any]]:
    """One dq_results row per expectation (history across runs)."""
    return [
        {
            "run_id": result.run_id,
            "validated_at": result.finished_at,
            "suite": result.suite,
            "suite_version": result.suite_version,
            "table_name": result.table,
            "table_version": result.table_version,
            "expectation_type": r.expectation_type,
            "column_name": r.column,
            "kwargs": json.dumps(jsonable(r.arguments), sort_keys=True),
            "severity": r.severity,
            "success": r.success,
            "observed_value": json.dumps(jsonable(r.observed_value)),
            "element_count": r.element_count,
            "unexpected_count": r.unexpected_count,
            "unexpected_percent": r.unexpected_percent,
            "unexpected_sample": json.dumps(jsonable(r.unexpected_sample)),
            "exception": r.exception,
        }
        for r in result.results
    ]
