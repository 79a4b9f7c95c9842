"""Write-audit-publish, the task side: read what the quality package needs, publish its results, raise.

A layer task calls `audit_before_write(ctx, "silver", df)` right before its write. The quality package
validates plain values; this module writes dq_results, the HTML report, hands events to the notifiers,
prints, and raises DataQualityError (before the write) when an `error` expectation failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from iris_mlops.tasks.context import TaskContext

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from iris_mlops.quality.checkpoint import Checkpoint
    from iris_mlops.quality.results import SuiteResult


def audit_before_write(
    ctx: TaskContext, table_key: str, df: DataFrame, *, other_versions: Mapping[str, int] | None = None
) -> SuiteResult:
    """Validate `df` with the table's checkpoint, recorded against the table's current version; publish; raise.

    Args:
        other_versions: versions of other tables that cross-table checks read (default: current).

    Raises:
        DataQualityError: an `error` expectation failed and the checkpoint has `fail_on_error`.
    """
    name = ctx.settings.table(table_key)
    current = ctx.store.version(name) if ctx.store.exists(name) else None
    return audit(ctx, table_key, df, table_version=current, other_versions=other_versions)


def audit(
    ctx: TaskContext,
    table_key: str,
    df: DataFrame,
    *,
    table_version: int | None,
    other_versions: Mapping[str, int] | None = None,
) -> SuiteResult:
    """`audit_before_write` with the version to record given explicitly."""
    from iris_mlops.quality.checkpoint import checkpoint_for, load_checkpoints
    from iris_mlops.quality.gate import failure, unchecked
    from iris_mlops.quality.tables import checkpoints_dir, suites_dir

    settings = ctx.settings
    table = settings.table(table_key)
    checkpoint = checkpoint_for(load_checkpoints(checkpoints_dir(settings.quality)), table_key)
    if checkpoint is None or not settings.quality.enabled:
        ctx.echo(f"quality: no checkpoint for {table_key}" if checkpoint is None else "quality: disabled")
        return unchecked(table=table, run_id=ctx.run_id, table_version=table_version)
    result = validate(ctx, checkpoint, df, table_version=table_version, other_versions=other_versions)
    result = publish(ctx, [checkpoint], [result])[0]
    ctx.echo(f"quality: {result.summary()}" + (f" — report {result.report_path}" if result.report_path else ""))
    error = failure(checkpoint, result, suite_file=str(suites_dir(settings.quality) / f"{checkpoint.suite}.yml"))
    if error is not None:
        raise error
    return result


def validate(
    ctx: TaskContext,
    checkpoint: Checkpoint,
    df: DataFrame,
    *,
    table_version: int | None,
    other_versions: Mapping[str, int] | None = None,
) -> SuiteResult:
    """Load the checkpoint's suite (malformed suites fail here, before any data is read) and validate `df`."""
    from iris_mlops.quality.checkpoint import suite_of
    from iris_mlops.quality.gate import audit as audit_frame
    from iris_mlops.quality.tables import suites_dir

    settings = ctx.settings
    suite = suite_of(checkpoint, folder=suites_dir(settings.quality))
    versions = dict(other_versions or {})

    def read_other(key: str) -> DataFrame:
        return ctx.store.read(settings.table(key), version=versions.get(key))

    return audit_frame(suite, df, table=settings.table(checkpoint.table), run_id=ctx.run_id,
                       table_version=table_version, sample_size=settings.quality.sample_size, read_other=read_other)


def publish(ctx: TaskContext, checkpoints: Sequence[Checkpoint], results: Sequence[SuiteResult]) -> list[SuiteResult]:
    """Carry out the checkpoints' actions other than failing: dq_results, one report for the run, notifications."""
    from iris_mlops.quality.checkpoint import events, reported, stored, with_report
    from iris_mlops.quality.notify import dispatch
    from iris_mlops.quality.report import write_report
    from iris_mlops.quality.results import result_rows
    from iris_mlops.schemas import DQ_RESULTS_SCHEMA

    settings = ctx.settings
    rows = [row for result in stored(checkpoints, results) for row in result_rows(result)]
    if rows and settings.quality.write_results:
        ctx.store.append_records(settings.table("dq_results"), rows, schema=DQ_RESULTS_SCHEMA, run_id=ctx.run_id)
    out = list(results)
    in_report = reported(checkpoints, results)
    if in_report and settings.quality.html_report:
        path = write_report(settings.reports_dir / "quality", ctx.run_id, in_report)
        out = with_report(checkpoints, results, str(path))
    for event in events(checkpoints, out):
        dispatch(event)
    _alert(ctx, checkpoints, out)
    return out


def _alert(ctx: TaskContext, checkpoints: Sequence[Checkpoint], results: Sequence[SuiteResult]) -> None:
    """The `notify` action's alert (docs/alerts.md): one message for the failed expectations at `notify_on` levels."""
    from iris_mlops.tasks.alerts import notify_quality

    chosen = [(r, c.notify_on) for c, r in zip(checkpoints, results, strict=True) if c.has("notify")]
    if chosen:
        notify_quality(ctx, chosen)
