"""`iris-mlops tables list|show|history`: what the store holds, without opening a notebook (nor Spark, locally)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from iris_mlops.commands.names import resolve_table
from iris_mlops.storage.metadata import TableMetadata, open_metadata
from iris_mlops.tasks.context import load_task_settings, user_errors
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, SchemaOption

if TYPE_CHECKING:
    from iris_mlops.config import Settings
    from iris_mlops.storage import TableStore

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
        entries = [{"name": name, "version": store.version(name)} for name in names]
    if as_json:
        typer.echo(json.dumps(entries, indent=2))
        return
    if not entries:
        typer.echo(f"no tables in {settings.catalog}.{settings.schema_name}")
    for entry in entries:
        typer.echo(f"{entry['name']}  v{entry['version']}")


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


def _register_data_commands() -> None:
    from iris_mlops.commands.table_data import register

    register(app)


_register_data_commands()  # tables head / restore live in commands/table_data.py
