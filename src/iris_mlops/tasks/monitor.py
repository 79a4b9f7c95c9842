"""Task `monitor`: drift, performance, quality, volume and freshness of the newest window (docs/monitoring.md).

Table mode: reference = the @champion's training rows (profiled once, stored as BASELINE rows of
monitor_profile_metrics); current window = the silver batches no monitor run has seen (or --batches /
--since), with the predictions table's rows of those batches when it exists. Writes profile and drift
metrics, then the monitor_runs row last: a window counts as monitored only once its run row exists.
Ad hoc mode (--reference-source A --current-source B): two files, the same checks, no table, no champion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from iris_mlops.errors import InputError, IrisMlopsError
from iris_mlops.tasks.command import TaskResult, task
from iris_mlops.tasks.context import TaskContext

SinceOption = Annotated[
    Optional[datetime],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option("--since", help="Monitor the silver batches ingested since this time (ISO 8601, UTC)."),
]
BatchesOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--batches", help="Monitor exactly these silver batch ids (repeatable); re-runs give the same rows."),
]
ReferenceSourceOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--reference-source", help="Ad hoc: the reference file (any layout bronze reads)."),
]
CurrentSourceOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--current-source", help="Ad hoc: the current file, compared with --reference-source."),
]
FailOnOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--fail-on", help="Exit 1 when drift, performance or quality raised an alert (repeatable)."),
]


class MonitorAlertError(IrisMlopsError):
    """--fail-on: the monitor found what it was asked to fail on."""


@dataclass
class MonitorResult(TaskResult):
    """What --json prints: the verdicts, the columns' tests, the findings, the window and where it was recorded."""

    status: str
    run_id: str
    mode: str  # tables | ad_hoc
    rows: int
    window: dict[str, Any] = field(default_factory=dict)
    dataset_drift: bool | None = None
    drift_share: float | None = None
    columns: list[dict[str, Any]] = field(default_factory=list)
    consecutive: dict[str, Any] | None = None
    performance: dict[str, Any] | None = None
    expected_accuracy: float | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None
    model_version: str | None = None
    report: str | None = None
    fail_on: list[str] = field(default_factory=list)

    def raise_for_status(self) -> None:
        from iris_mlops.monitoring.checks import FAIL_ON

        kinds = {k for kind in self.fail_on for k in FAIL_ON[kind]}
        hits = [f for f in self.findings if f["kind"] in kinds and f["severity"] in ("error", "critical")]
        if hits:
            raise MonitorAlertError(f"monitor --fail-on {','.join(self.fail_on)}: {hits[0]['message']}")


@task("monitor", help="Check drift, model performance, data quality, volume and freshness of the newest window.",
      uses_mlflow=True)
def run_monitor(
    ctx: TaskContext, *, since: SinceOption = None, batches: BatchesOption = None,
    reference_source: ReferenceSourceOption = None, current_source: CurrentSourceOption = None,
    fail_on: FailOnOption = None,
) -> MonitorResult:
    """Profile the window once, compare it with the reference and the previous window, record, report."""
    kinds = _fail_on(fail_on)
    if (reference_source is None) != (current_source is None):
        raise InputError("--reference-source and --current-source go together: give both files, or neither")
    if reference_source is not None and current_source is not None:
        return _ad_hoc(ctx, reference_source, current_source, kinds)
    from iris_mlops.tasks.monitor_run import monitor_tables

    return monitor_tables(ctx, since=since, batches=batches, fail_on=kinds)


def _fail_on(values: list[str] | None) -> list[str]:
    kinds = [k for value in values or [] for k in value.split(",") if k]
    unknown = sorted(set(kinds) - {"drift", "performance", "quality"})
    if unknown:
        raise InputError(f"--fail-on {', '.join(unknown)}: choose drift, performance or quality")
    return kinds


def _ad_hoc(ctx: TaskContext, reference: Path, current: Path, fail_on: list[str]) -> MonitorResult:
    from iris_mlops.monitoring.checks import WindowInputs, evaluate_window
    from iris_mlops.tasks.monitor_io import source_frame
    from iris_mlops.tasks.monitor_profiles import build_reference, profile_window

    config = ctx.settings.monitoring
    ref_df, cur_df = source_frame(ctx, reference), source_frame(ctx, current)  # bad files fail before any work
    profile = build_reference(ref_df, config=config, source=str(reference))
    if profile.rows == 0:
        raise InputError(f"reference file {reference} holds no row")
    window = profile_window(cur_df, profile.plan_for_window(outlier_z=config.outlier_z),
                            exact_limit=config.exact_row_limit)
    info = {"reference": str(reference), "current": str(current)}
    if window.rows == 0:
        return MonitorResult("SKIPPED", ctx.run_id, "ad_hoc", 0, info, reason=f"{current} holds no row",
                             fail_on=fail_on)
    result = evaluate_window(WindowInputs(reference=profile, current=window), config=config,
                             margin=_margin(ctx))
    ctx.echo(f"{result.status}: {len(result.drift.drifted_columns)} drifted column(s), "
             f"drift share {result.drift.drift_share:.0%}, {len(result.findings)} finding(s)")
    if config.alert_ad_hoc:
        deliver_findings(ctx, result, subject=f"{reference.name} vs {current.name}", report=None, fail_on=fail_on)
    return to_result(result, ctx=ctx, mode="ad_hoc", rows=window.rows, window=info, fail_on=fail_on)


def _margin(ctx: TaskContext) -> float:
    margin = ctx.settings.monitoring.performance_margin
    return ctx.settings.training.promotion_margin if margin is None else margin


def to_result(result: Any, *, ctx: TaskContext, mode: str, rows: int, window: dict[str, Any], fail_on: list[str],
              model_version: str | None = None, report: str | None = None) -> MonitorResult:
    """The task's result from a WindowResult (the same values the tables and the report carry)."""
    data = result.as_dict()
    return MonitorResult(
        data["status"], ctx.run_id, mode, rows, json.loads(json.dumps(window, default=str)), data["dataset_drift"],
        data["drift_share"], data["columns"], data["consecutive"], data["performance"], data["expected_accuracy"],
        data["findings"], None, model_version, report, fail_on)


def deliver_findings(ctx: TaskContext, result: Any, *, subject: str, report: str | None,
                     fail_on: list[str]) -> None:
    """Send the run's findings as one message per channel (the notifier dedupes and records them)."""
    from iris_mlops.tasks.alerts import send_findings

    # The findings already carry the monitor's scale (WARN -> warning, ALERT -> error); the run itself
    # failed only when --fail-on turns a finding into exit 1.
    status = "failed" if result.failed(fail_on) else {"OK": "succeeded"}.get(result.status, "warned")
    send_findings(ctx, list(result.findings), run_status=status, title=f"Monitor {result.status}: {subject}",
                  links={"Monitoring report": report} if report else None)


def now_utc() -> datetime:
    """The time of the check (freshness, created_at)."""
    return datetime.now(timezone.utc)
