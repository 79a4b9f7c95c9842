"""`iris-mlops tables list|show|history|head|restore|vacuum|optimize`: what the store holds, without a notebook.

list, show and history read the Delta log without Spark on the local store (storage/metadata.py).
"""

from __future__ import annotations

import dataclasses
import json
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from iris_mlops.commands.names import resolve_table
from iris_mlops.storage.metadata import TableMetadata, open_metadata
from iris_mlops.tasks.context import load_task_settings, user_errors
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, SchemaOption

if TYPE_CHECKING:
    from iris_mlops.config import Settings
    from iris_mlops.storage import TableStore
    from iris_mlops.storage.base import MaintenanceResult

app = typer.Typer(help="Inspect the tables of the configured catalog and schema.", no_args_is_help=True)

NameArgument = Annotated[
    str, typer.Argument(help="Table name: short (resolved in the configured schema) or catalog.schema.table.")
]


def _open_store(settings: Settings) -> TableStore:
    from iris_mlops.spark import get_spark
    from iris_mlops.storage import make_store

    return make_store(settings, get_spark())


@app.command("list")
def list_tables(
    env: EnvOption = None, catalog: CatalogOption = None, schema: SchemaOption = None, as_json: JsonOption = False
) -> None:
    """List the tables of the configured catalog and schema with their current version."""
    with user_errors():
        settings = load_task_settings(env, catalog, schema)
        store = open_metadata(settings)  # the Delta log on the local store: no Spark
        names = store.list_tables(settings.catalog, settings.schema_name)
        entries = [_entry(store, name) for name in names]
    if as_json:
        typer.echo(json.dumps(entries, indent=2))
        return
    if not entries:
        typer.echo(f"no tables in {settings.catalog}.{settings.schema_name}")
    for entry in entries:
        state = f"v{entry['version']}" if entry["version"] is not None else f"UNREADABLE: {entry['error']}"
        typer.echo(f"{entry['name']}  {state}")


def _entry(store: TableMetadata, name: str) -> dict[str, Any]:
    """One line of `tables list`: a corrupt table is listed as unreadable, the others still show."""
    from iris_mlops.errors import CorruptTableError

    try:
        return {"name": name, "version": store.version(name)}
    except CorruptTableError as exc:
        return {"name": name, "version": None, "error": str(exc)}


def describe_table(store: TableMetadata, name: str) -> dict[str, Any]:
    """Name, row count, version, columns, location, properties and description of one table."""
    properties = store.properties(name)
    return {
        "name": name,
        "rows": store.row_count(name),
        "version": store.version(name),
        "columns": store.columns(name),
        "location": store.location(name),
        "description": properties.get("comment"),
        "properties": properties,
    }


@app.command("show")
def show(
    name: NameArgument,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one table: rows, version, columns, location and properties."""
    with user_errors():
        settings = load_task_settings(env, catalog, schema)
        store = open_metadata(settings)
        info = describe_table(store, resolve_table(settings, store, name))
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    typer.echo(f"{info['name']}  v{info['version']}  {info['rows']} rows")
    typer.echo(f"location: {info['location']}")
    if info["description"]:
        typer.echo(f"description: {info['description']}")
    typer.echo("columns:")
    for column in info["columns"]:
        typer.echo(f"  {column['name']}: {column['type']}")
    other = {k: v for k, v in info["properties"].items() if k != "comment"}
    if other:
        typer.echo("properties:")
        for key, value in sorted(other.items()):
            typer.echo(f"  {key} = {value}")


@app.command("history")
def history(
    name: NameArgument,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a table's commits, newest first, with the run id that made each."""
    with user_errors():
        settings = load_task_settings(env, catalog, schema)
        store = open_metadata(settings)
        commits = store.history(resolve_table(settings, store, name))
    entries = [
        {
            "version": c.version,
            "timestamp": c.timestamp.isoformat() if c.timestamp else None,
            "operation": c.operation,
            "run_id": c.run_id,
        }
        for c in commits
    ]
    if as_json:
        typer.echo(json.dumps(entries, indent=2))
        return
    for entry in entries:
        typer.echo(f"v{entry['version']}  {entry['timestamp'] or '-'}  {entry['operation']}  {entry['run_id'] or '-'}")


RetainOption = Annotated[
    float, typer.Option("--retain-hours", min=0, help="Keep every version newer than this many hours (default a week).")
]
ReleaseOption = Annotated[
    Optional[list[int]],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option("--release-version", help="Let vacuum delete this version although a registered model used it."),
]


@app.command("vacuum")
def vacuum(
    name: NameArgument,
    retain_hours: RetainOption = 168.0,
    release: ReleaseOption = None,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete data files only versions older than --retain-hours need; versions models were trained on stay."""
    from iris_mlops.ml.lineage import protected_versions
    from iris_mlops.ml.tracking import configure_mlflow

    with user_errors():
        settings = load_task_settings(env, catalog, schema)
        table = settings.qualify(name)
        target = configure_mlflow(settings)
        keep = sorted(set(protected_versions(target.model_name, table)) - set(release or []))
        with _write_lock(settings):
            result = _open_store(settings).vacuum(table, retain_hours=retain_hours, keep_versions=keep)
    _maintenance_report(result, as_json=as_json, what="vacuumed")


@app.command("optimize")
def optimize(
    name: NameArgument,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compact the table's small files into larger ones (one commit; rows unchanged)."""
    from iris_mlops.runtime import new_run_id

    with user_errors():
        settings = load_task_settings(env, catalog, schema)
        with _write_lock(settings):
            result = _open_store(settings).optimize(settings.qualify(name), run_id=new_run_id())
    _maintenance_report(result, as_json=as_json, what="optimized")


def _write_lock(settings: Settings) -> AbstractContextManager[None]:
    from iris_mlops.runtime import home_lock

    return home_lock(settings.home) if settings.store == "local_delta" else nullcontext()


def _maintenance_report(result: MaintenanceResult, *, as_json: bool, what: str) -> None:
    data = dataclasses.asdict(result)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    kept = f", kept versions {', '.join(map(str, result.kept_versions))}" if result.kept_versions else ""
    removed = "?" if result.files_removed is None else result.files_removed
    typer.echo(f"{result.name} {what}: {removed} file(s) removed, now v{result.version}{kept}")


def _register_data_commands() -> None:
    from iris_mlops.commands.table_data import register

    register(app)


_register_data_commands()  # tables head / restore live in commands/table_data.py
