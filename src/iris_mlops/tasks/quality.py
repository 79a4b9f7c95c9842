"""The `data-quality` task: validate published tables with their checkpoints and write one report."""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer

from iris_mlops.errors import ConfigError, DataQualityError, TableNotFoundError
from iris_mlops.tasks.context import TaskContext, task_context
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, RunIdOption, SchemaOption
from iris_mlops.tasks.registry import task

TableOption = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option("--table", help="Validate only this table (key such as 'silver', short or three-level name)."),
]


@task("data-quality", help="Validate every published table that has a suite (or --table NAME); write one report.")
def data_quality(
    table: TableOption = None,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    run_id: RunIdOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the checkpoints on the tables' current versions; exit non-zero when an `error` expectation fails."""
    with task_context("data-quality", env=env, catalog=catalog, schema=schema, run_id=run_id, quiet=as_json) as ctx:
        outcome = run_data_quality(ctx, table=table)
        if as_json:
            typer.echo(json.dumps(outcome, default=str, sort_keys=True))
        failed = [r for r in outcome["results"] if r["status"] == "failed" and r["fail_on_error"]]
        if failed:
            raise DataQualityError("data quality failed: " + " | ".join(r["summary"] for r in failed))


def run_data_quality(ctx: TaskContext, *, table: str | None) -> dict[str, Any]:
    """Validate, then publish all results together (dq_results, one HTML report, notifications)."""
    from iris_mlops.quality.checkpoint import load_checkpoints, publish
    from iris_mlops.quality.gate import validate_checkpoint

    settings = ctx.settings
    chosen = [c for c in load_checkpoints(settings) if table is None or _matches(ctx, c.table, table)]
    if table is not None and not chosen:
        raise ConfigError(f"no quality checkpoint validates table {table!r}")
    done, results = [], []
    for checkpoint in chosen:
        name = settings.table(checkpoint.table)
        if not ctx.store.exists(name):
            if table is not None:
                raise TableNotFoundError(f"table {name} does not exist yet: run the pipeline first")
            ctx.echo(f"skip {name}: the table does not exist yet")
            continue
        version = ctx.store.version(name)
        df = ctx.store.read(name, version=version)
        results.append(validate_checkpoint(ctx, checkpoint, df, table_version=version))
        done.append(checkpoint)
    results = publish(ctx, done, results)
    for result in results:
        ctx.echo(f"{result.status}: {result.summary()}")
    report = results[0].report_path if results else None
    if report:
        ctx.echo(f"report: {report}")
    return {
        "run_id": ctx.run_id,
        "report": report,
        "results": [_summary(c.has("fail_on_error"), r) for c, r in zip(done, results, strict=True)],
    }


def _matches(ctx: TaskContext, key: str, wanted: str) -> bool:
    settings = ctx.settings
    return wanted in (key, getattr(settings.tables, key)) or settings.qualify(wanted) == settings.table(key)


def _summary(fail_on_error: bool, result: Any) -> dict[str, Any]:
    data: dict[str, Any] = result.model_dump(mode="json")
    data.update(status=result.status, summary=result.summary(), fail_on_error=fail_on_error)
    return data
