"""`iris-mlops batches list|delete`: the ingested batches with their rows per layer, and removing one batch."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from iris_mlops.errors import InputError, IrisMlopsError
from iris_mlops.schemas import BATCH_ID
from iris_mlops.tasks.context import TaskContext, task_context
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, RunIdOption, SchemaOption

app = typer.Typer(
    help="List the ingested batches or delete one from bronze, silver, quarantine and features.", no_args_is_help=True
)

COLUMNS = ("batch_id", "source", "ingested_at", "bronze_rows", "silver_rows", "quarantine_rows", "status")
# Delete order, downstream first: a crash leaves the batch in bronze, so `batches list` still shows it and
# re-running the delete (or silver) finishes the job.
LAYERS = ("features", "quarantine", "silver", "bronze")
YesOption = Annotated[bool, typer.Option("--yes", help="Confirm: delete the batch's rows from every table.")]


def batch_rows(ctx: TaskContext) -> list[dict[str, Any]]:
    """Every batch with its source, ingestion time, rows per layer and status (done, pending, orphan)."""
    from iris_mlops.tasks.medallion import batch_status_frame

    frame = batch_status_frame(ctx)
    if frame is None:
        return []
    rows = [row.asDict() for row in frame.collect()]
    return sorted(rows, key=lambda r: (r["ingested_at"] is None, str(r["ingested_at"]), r["batch_id"]))


def batch_rows_without_spark(ctx: TaskContext) -> list[dict[str, Any]]:
    """`batch_rows` from the Delta log with delta-rs (the local store): no JVM."""
    from iris_mlops.commands.batch_log import batch_rows_from_log
    from iris_mlops.storage.metadata import DeltaLog

    names = {layer: ctx.settings.table(layer) for layer in ("bronze", "silver", "quarantine")}
    rows = batch_rows_from_log(DeltaLog(ctx.settings.warehouse_dir), names)
    return sorted(rows, key=lambda r: (r["ingested_at"] is None, str(r["ingested_at"]), r["batch_id"]))


@app.command("list")
def list_batches(
    env: EnvOption = None, catalog: CatalogOption = None, schema: SchemaOption = None, as_json: JsonOption = False
) -> None:
    """Show the ingested batches with their row counts in bronze, silver and quarantine."""
    with task_context("batches", env=env, catalog=catalog, schema=schema, quiet=as_json) as ctx:
        rows = batch_rows_without_spark(ctx) if ctx.settings.store == "local_delta" else batch_rows(ctx)
    if as_json:
        typer.echo(json.dumps(rows, default=str, indent=2))
        return
    if not rows:
        typer.echo("no batches: run `iris-mlops bronze` first")
        return
    table = [COLUMNS, *[tuple("-" if r[c] is None else str(r[c]) for c in COLUMNS) for r in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    for line in table:
        typer.echo("  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)).rstrip())


def _rows_in(ctx: TaskContext, layer: str, batch: str, status: dict[str, Any]) -> int:
    """The batch's rows in `layer` (the status row has the medallion counts; features are counted here)."""
    if layer != "features":
        return int(status[f"{layer}_rows"] or 0)
    name = ctx.settings.table("features")
    if not ctx.store.exists(name):
        return 0
    df = ctx.store.read(name)
    return df.filter(df[BATCH_ID] == batch).count()


def resolve_batch(wanted: str, known: list[str]) -> str:
    """The batch id named exactly, or by a unique prefix of at least 4 characters."""
    if wanted in known:
        return wanted
    matches = [b for b in known if len(wanted) >= 4 and b.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise IrisMlopsError(f"batch prefix {wanted!r} is ambiguous: {', '.join(sorted(matches))}")
    raise IrisMlopsError(f"no batch {wanted!r} in bronze, silver or quarantine (see `iris-mlops batches list`)")


@app.command("delete")
def delete_batch(
    batch_id: Annotated[str, typer.Argument(help="Batch id (or a unique prefix of at least 4 characters).")],
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    run_id: RunIdOption = None,
    as_json: JsonOption = False,
    yes: YesOption = False,
) -> None:
    """Delete one batch from features, quarantine, silver and bronze: one commit per table that holds it."""
    with task_context("batches", env=env, catalog=catalog, schema=schema, run_id=run_id, quiet=as_json) as ctx:
        rows = {r["batch_id"]: r for r in batch_rows(ctx)}
        batch = resolve_batch(batch_id, list(rows))
        counts = {layer: _rows_in(ctx, layer, batch, rows[batch]) for layer in LAYERS}
        if not yes:
            held = ", ".join(f"{n} in {layer}" for layer, n in counts.items() if n) or "no rows"
            raise InputError(f"batch {batch} holds {held}: deleting it is permanent, add --yes to confirm")
        versions = {}
        for layer, count in counts.items():
            if count:
                name = ctx.settings.table(layer)
                versions[name] = ctx.store.delete_where(name, column=BATCH_ID, values=[batch], run_id=ctx.run_id)
                ctx.echo(f"deleted {count} rows of batch {batch} from {name} (version {versions[name]})")
        ctx.echo("gold and models still reflect the previous data: run `iris-mlops gold` (and retrain) to refresh")
    if as_json:
        typer.echo(json.dumps({"batch_id": batch, "versions": versions, "run_id": ctx.run_id}))
