"""`iris-mlops models list|promote`: the registered versions of iris_classifier, and moving `champion` by hand."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from iris_mlops.tasks.context import load_task_settings, user_errors
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, SchemaOption

app = typer.Typer(help="List the registered model versions or promote one to champion.", no_args_is_help=True)

COLUMNS = ("version", "aliases", "f1_macro", "accuracy", "gate", "promoted_by", "feature_version", "created", "run_id")
ReasonOption = Annotated[str, typer.Option("--reason", help="Why this version becomes champion (recorded in a tag).")]


def _cell(value: Any) -> str:
    if value is None or value == []:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


@app.command("list")
def list_models(
    env: EnvOption = None, catalog: CatalogOption = None, schema: SchemaOption = None, as_json: JsonOption = False
) -> None:
    """Show every version with its aliases, held-out metrics and gate decision."""
    from iris_mlops.ml.registry import list_versions
    from iris_mlops.ml.tracking import configure_mlflow

    with user_errors():
        target = configure_mlflow(load_task_settings(env, catalog, schema))
        rows = list_versions(target.model_name)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo(f"no version of {target.model_name} yet: run `iris-mlops train`")
        return
    table = [COLUMNS, *[tuple(_cell(r[c]) for c in COLUMNS) for r in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    typer.echo(f"model {target.model_name} ({target.registry_uri})")
    for line in table:
        typer.echo("  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)).rstrip())


@app.command("promote")
def promote_model(
    version: Annotated[str, typer.Argument(help="The model version that becomes champion.")],
    reason: ReasonOption,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
) -> None:
    """Move the `champion` alias to VERSION by hand, recording who and why on the version."""
    from iris_mlops.errors import ModelError
    from iris_mlops.ml.registry import promote
    from iris_mlops.ml.tracking import configure_mlflow

    with user_errors():
        if not reason.strip():
            raise ModelError("--reason must say why the version is promoted")
        target = configure_mlflow(load_task_settings(env, catalog, schema))
        previous = promote(target.model_name, version, reason=reason)
    typer.echo(f"{target.model_name} version {version} is now champion (was {previous or 'none'}): {reason}")
