"""Write-audit-publish, the quality side: validate a layer's new data before it is committed.

Plain values in, a typed result out: the task (tasks/gate.py) reads the data, calls `audit`, publishes the
result (dq_results, report, notifications) and raises `failure(...)` before the write, so that an `error`
failure leaves the published table at its previous version and downstream tasks do not run.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from iris_mlops.errors import DataQualityError
from iris_mlops.quality.checkpoint import Checkpoint
from iris_mlops.quality.cross import OtherReader
from iris_mlops.quality.results import SuiteResult
from iris_mlops.quality.suite import Suite

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def audit(
    suite: Suite,
    df: DataFrame,
    *,
    table: str,
    run_id: str,
    table_version: int | None,
    sample_size: int,
    read_other: OtherReader | None,
) -> SuiteResult:
    """Validate `df` (the data about to be written to `table`) with `suite`; never raises for failures.

    Args:
        table_version: the version the result is recorded against (e.g. the version being replaced).
        read_other: table key -> DataFrame, for cross-table expectations (at the versions the caller pins).
    """
    from iris_mlops.quality.engine import validate

    return validate(df, suite, table=table, run_id=run_id, table_version=table_version, sample_size=sample_size,
                    read_other=read_other)


def unchecked(*, table: str, run_id: str, table_version: int | None) -> SuiteResult:
    """The empty, successful result of a table without a checkpoint (or with quality disabled)."""
    now = datetime.now(timezone.utc)
    return SuiteResult(run_id=run_id, suite="", suite_version="", table=table, table_version=table_version,
                       success=True, started_at=now, finished_at=now, results=[])


def failure(checkpoint: Checkpoint, result: SuiteResult, *, suite_file: str | None = None) -> DataQualityError | None:
    """The error naming the failed `error` expectations and where to change them; None when nothing stops."""
    if result.errors and checkpoint.has("fail_on_error"):
        return DataQualityError(f"data quality failed: {result.summary()}. {change_hint(result, suite_file)}")
    return None


def change_hint(result: SuiteResult, suite_file: str | None) -> str:
    """What to do when the data is right and the rule is wrong: the file and the expectations to edit."""
    where = suite_file or f"the suite {result.suite}"
    labels = ", ".join(dict.fromkeys(r.label for r in result.errors))
    return f"If the data is right, change {labels} in {where} (or give it `severity: warn`)"
