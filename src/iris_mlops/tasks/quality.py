"""The `data-quality` task: validate the published tables this run has not validated yet, and write one report.

Each layer task's write-audit-publish gate (tasks/gate.py) validates its table once per run and records the
result in dq_results under the run id. This task validates the rest (every table when run on its own, or
with --all), so no table is validated twice in one run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Optional

import typer

from iris_mlops.errors import ConfigError, DataQualityError, TableNotFoundError
from iris_mlops.tasks.command import TaskResult, task
from iris_mlops.tasks.context import TaskContext

TableOption = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option("--table", help="Validate only this table (key such as 'silver', short or three-level name)."),
]
AllOption = Annotated[
    bool, typer.Option("--all", help="Validate every table, also those a gate already validated in this run.")
]


@dataclass
class DataQualityResult(TaskResult):
    run_id: str
    report: str | None
    results: list[dict[str, Any]] = field(default_factory=list)
    already_validated: list[str] = field(default_factory=list)  # tables their gate validated in this run

    def raise_for_status(self) -> None:
        failed = [r for r in self.results if r["status"] == "failed" and r["fail_on_error"]]
        if failed:
            raise DataQualityError("data quality failed: " + " | ".join(r["summary"] for r in failed))


@task("data-quality", help="Validate every published table that has a suite (or --table NAME); write one report.")
def run_data_quality(
    ctx: TaskContext, *, table: TableOption = None, validate_all: AllOption = False
) -> DataQualityResult:
    """Validate, then publish all results together (dq_results, one HTML report, notifications)."""
    from iris_mlops.quality.checkpoint import load_checkpoints
    from iris_mlops.quality.tables import checkpoints_dir
    from iris_mlops.tasks.gate import publish, validate

    settings = ctx.settings
    chosen = [c for c in load_checkpoints(checkpoints_dir(settings.quality))
              if table is None or _matches(ctx, c.table, table)]
    if table is not None and not chosen:
        raise ConfigError(f"no quality checkpoint validates table {table!r}")
    seen = set() if table is not None or validate_all else validated_in_run(ctx)
    done, results, skipped = [], [], []
    for checkpoint in chosen:
        name = settings.table(checkpoint.table)
        if name in seen:
            skipped.append(name)
            ctx.echo(f"skip {name}: its write-audit-publish gate validated it in this run")
            continue
        if not ctx.store.exists(name):
            if table is not None:
                raise TableNotFoundError(f"table {name} does not exist yet: run the pipeline first")
            ctx.echo(f"skip {name}: the table does not exist yet")
            continue
        version = ctx.store.version(name)
        results.append(validate(ctx, checkpoint, ctx.store.read(name, version=version), table_version=version))
        done.append(checkpoint)
    results = publish(ctx, done, results)
    for result in results:
        ctx.echo(f"{result.status}: {result.summary()}")
    report = results[0].report_path if results else None
    if report:
        ctx.echo(f"report: {report}")
    return DataQualityResult(
        run_id=ctx.run_id,
        report=report,
        results=[_summary(c.has("fail_on_error"), r) for c, r in zip(done, results, strict=True)],
        already_validated=skipped,
    )


def validated_in_run(ctx: TaskContext) -> set[str]:
    """Tables with dq_results rows under this run id: a gate validated them earlier in the run."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.schemas import DQ_RESULTS_TABLE_NAME, RUN_ID

    dq_results = ctx.settings.table("dq_results")
    if not ctx.settings.quality.write_results or not ctx.store.exists(dq_results):
        return set()
    rows = ctx.store.read(dq_results).where(F.col(RUN_ID) == ctx.run_id).select(DQ_RESULTS_TABLE_NAME).distinct()
    return {row[DQ_RESULTS_TABLE_NAME] for row in rows.collect()}


def _matches(ctx: TaskContext, key: str, wanted: str) -> bool:
    settings = ctx.settings
    return wanted in (key, getattr(settings.tables, key)) or settings.qualify(wanted) == settings.table(key)


def _summary(fail_on_error: bool, result: Any) -> dict[str, Any]:
    data: dict[str, Any] = result.model_dump(mode="json")
    data.update(status=result.status, summary=result.summary(), fail_on_error=fail_on_error)
    return data
