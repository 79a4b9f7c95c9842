"""`iris-mlops config show`: the resolved configuration, secrets masked."""

from __future__ import annotations

import json

import typer
import yaml

from iris_mlops.config import masked
from iris_mlops.tasks.context import load_task_settings, user_errors
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, SchemaOption

app = typer.Typer(help="Inspect the resolved configuration.", no_args_is_help=True)


@app.command("show")
def show(
    env: EnvOption = None, catalog: CatalogOption = None, schema: SchemaOption = None, as_json: JsonOption = False
) -> None:
    """Print the configuration an environment resolves to (base.yml + <env>.yml + IRIS_MLOPS_* variables)."""
    with user_errors():
        data = masked(load_task_settings(env, catalog, schema))
    typer.echo(json.dumps(data, indent=2) if as_json else yaml.safe_dump(data, sort_keys=False).rstrip())
