"""Write-audit-publish: validate a layer's new data before it is committed.

Inside a layer task, call `audit(ctx, "silver", df, table_version=...)` right before the write. An
`error` failure raises DataQualityError (one line naming the failed expectations): the write never
happens, so the published table stays at its previous version and downstream tasks do not run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from iris_mlops.errors import DataQualityError
from iris_mlops.quality.checkpoint import Checkpoint, checkpoint_for, publish, suite_of
from iris_mlops.quality.results import SuiteResult

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from iris_mlops.tasks.context import TaskContext


def audit(
    ctx: TaskContext,
    table_key: str,
    df: DataFrame,
    *,
    table_version: int | None,
    other_versions: Mapping[str, int] | None = None,
) -> SuiteResult:
    """Validate `df` (the data about to be written to `table_key`) with the table's checkpoint.

    Args:
        table_version: the version the result is recorded against (e.g. the version being replaced).
        other_versions: versions of other tables that cross-table checks read (default: current).

    Raises:
        DataQualityError: an `error` expectation failed and the checkpoint has `fail_on_error`.
    """
    settings = ctx.settings
    table = settings.table(table_key)
    checkpoint = checkpoint_for(settings, table_key)
    if checkpoint is None or not settings.quality.enabled:
        ctx.echo(f"quality: no checkpoint for {table_key}" if checkpoint is None else "quality: disabled")
        now = datetime.now(timezone.utc)
        return SuiteResult(run_id=ctx.run_id, suite="", suite_version="", table=table, table_version=table_version,
                           success=True, started_at=now, finished_at=now, results=[])
    result = run_checkpoint(ctx, checkpoint, df, table_version=table_version, other_versions=other_versions)
    raise_on_error(checkpoint, result)
    return result


def audit_before_write(
    ctx: TaskContext, table_key: str, df: DataFrame, *, other_versions: Mapping[str, int] | None = None
) -> SuiteResult:
    """`audit` recorded against the table's current version (none before its first write)."""
    name = ctx.settings.table(table_key)
    current = ctx.store.version(name) if ctx.store.exists(name) else None
    return audit(ctx, table_key, df, table_version=current, other_versions=other_versions)


def run_checkpoint(
    ctx: TaskContext,
    checkpoint: Checkpoint,
    df: DataFrame,
    *,
    table_version: int | None,
    other_versions: Mapping[str, int] | None = None,
) -> SuiteResult:
    """Validate and publish (dq_results, report, notify) without failing."""
    result = validate_checkpoint(ctx, checkpoint, df, table_version=table_version, other_versions=other_versions)
    result = publish(ctx, [checkpoint], [result])[0]
    ctx.echo(f"quality: {result.summary()}" + (f" — report {result.report_path}" if result.report_path else ""))
    return result


def validate_checkpoint(
    ctx: TaskContext,
    checkpoint: Checkpoint,
    df: DataFrame,
    *,
    table_version: int | None,
    other_versions: Mapping[str, int] | None = None,
) -> SuiteResult:
    """Load the checkpoint's suite (malformed suites fail here, before any data is read) and run the engine."""
    from iris_mlops.quality.engine import validate

    settings = ctx.settings
    suite = suite_of(settings, checkpoint)
    versions = dict(other_versions or {})

    def read_other(key: str) -> DataFrame:
        return ctx.store.read(settings.table(key), version=versions.get(key))

    return validate(df, suite, table=settings.table(checkpoint.table), run_id=ctx.run_id, table_version=table_version,
                    sample_size=settings.quality.sample_size, read_other=read_other)


def raise_on_error(checkpoint: Checkpoint, result: SuiteResult) -> None:
    """Raise DataQualityError naming the failed `error` expectations, if the checkpoint fails on errors."""
    if result.errors and checkpoint.has("fail_on_error"):
        raise DataQualityError(f"data quality failed: {result.summary()}")
