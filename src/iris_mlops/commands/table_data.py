"""`iris-mlops tables head|restore`: look at a table's rows (any version) and roll a table back."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from iris_mlops.commands.names import resolve_table
from iris_mlops.errors import ConfigError
from iris_mlops.storage.metadata import DeltaLog, open_metadata
from iris_mlops.tasks.context import load_task_settings, task_context, user_errors
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, RunIdOption, SchemaOption

if TYPE_CHECKING:
    from iris_mlops.config import Settings

NameArgument = Annotated[str, typer.Argument(help="Table name: short or catalog.schema.table.")]
LimitOption = Annotated[int, typer.Option("--limit", "-n", min=1, help="Rows to show.")]
WhereOption = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option("--where", help="A Spark SQL condition, e.g. \"species = 'setosa' and petal_length > 1.5\"."),
]
VersionOption = Annotated[Optional[int], typer.Option("--version", min=0, help="Read this version.")]  # noqa: UP045
RestoreVersion = Annotated[int, typer.Option("--version", min=0, help="The version to bring back.")]


def head_rows(settings: Settings, name: str, *, limit: int, where: str | None, version: int | None) -> list[dict]:
    """The first `limit` rows of a table (at `version`) matching `where`; the Delta log alone when it can."""
    store = open_metadata(settings)
    table = resolve_table(settings, store, name)
    if isinstance(store, DeltaLog) and where is None:  # no Spark needed: read the snapshot with delta-rs
        return store.rows(table, version=version, limit=limit)
    return _spark_head(settings, table, limit=limit, where=where, version=version)


def _spark_head(settings: Settings, table: str, *, limit: int, where: str | None, version: int | None) -> list[dict]:
    from iris_mlops.logs import configure_logging
    from iris_mlops.spark import get_spark
    from iris_mlops.storage import make_store

    configure_logging(settings.home)  # Spark's own error log goes to the log file, the error to one line
    df = make_store(settings, get_spark()).read(table, version=version)
    if where:
        # PySpark logs the analysis error itself (a JSON line on stderr); we report it in one line instead.
        context_log = logging.getLogger("SQLQueryContextLogger")
        context_log.disabled = True
        try:
            rows = df.filter(where).limit(limit).collect()
        except Exception as exc:  # AnalysisException, ParseException: the condition is the user's input
            first = (str(exc).strip().splitlines() or [""])[0]
            raise ConfigError(f"--where {where!r} is not a valid condition on {table}: {first[:200]}") from None
        finally:
            context_log.disabled = False
    else:
        rows = df.limit(limit).collect()
    return [row.asDict(recursive=True) for row in rows]


def print_rows(rows: list[dict[str, Any]]) -> None:
    """Rows as an aligned text table on stdout."""
    if not rows:
        typer.echo("no rows")
        return
    columns = list(rows[0])
    cells = [columns, *[["-" if r[c] is None else str(r[c]) for c in columns] for r in rows]]
    widths = [min(30, max(len(line[i]) for line in cells)) for i in range(len(columns))]
    for line in cells:
        typer.echo("  ".join(v[:w].ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())


def head(
    name: NameArgument,
    limit: LimitOption = 10,
    where: WhereOption = None,
    version: VersionOption = None,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the first rows of a table, optionally filtered (--where) or at an older version (--version)."""
    with user_errors():
        rows = head_rows(load_task_settings(env, catalog, schema), name, limit=limit, where=where, version=version)
    if as_json:
        typer.echo(json.dumps(rows, default=str, indent=2))
        return
    print_rows(rows)


def restore(
    name: NameArgument,
    version: RestoreVersion,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    run_id: RunIdOption = None,
    as_json: JsonOption = False,
) -> None:
    """Commit a new version equal to an older one (Delta's RESTORE); the history keeps every version."""
    with task_context("tables", env=env, catalog=catalog, schema=schema, run_id=run_id, quiet=as_json) as ctx:
        store = open_metadata(ctx.settings)
        table = resolve_table(ctx.settings, store, name)
        if isinstance(store, DeltaLog):
            new_version = store.restore(table, version=version, run_id=ctx.run_id)
        else:
            new_version = ctx.store.restore(table, version=version, run_id=ctx.run_id)
    result = {"table": table, "restored_version": version, "version": new_version, "run_id": ctx.run_id}
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"{table} v{new_version}: restored to the content of v{version}")


def register(app: typer.Typer) -> None:
    """Add `head` and `restore` to the `tables` command group."""
    app.command("head")(head)
    app.command("restore")(restore)
