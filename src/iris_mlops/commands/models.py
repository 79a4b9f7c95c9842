"""`iris-mlops models list|describe|promote|unpin`: the registered versions, their lineage, and decisions by hand."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from iris_mlops.masking import mask_text
from iris_mlops.tasks.context import load_task_settings, user_errors
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, SchemaOption

app = typer.Typer(help="List, describe and promote the registered model versions.", no_args_is_help=True)

COLUMNS = ("version", "aliases", "algorithm", "f1_macro", "accuracy", "data", "feature_version", "gate", "pinned",
           "promoted_by", "created", "run_id")
ReasonOption = Annotated[str, typer.Option("--reason", help="Why this version becomes champion (recorded in a tag).")]
SHOWN = ("f1_macro", "accuracy", "precision_macro", "recall_macro", "train_accuracy")
VersionArgument = Annotated[str, typer.Argument(help="The model version.")]


def _cell(value: Any) -> str:
    if value is None or value == [] or value is False:
        return "-"
    if value is True:
        return "yes"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def _table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> list[str]:
    table = [columns, *[tuple(_cell(r.get(c)) for c in columns) for r in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    return ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in table]


@app.command("list")
def list_models(
    env: EnvOption = None, catalog: CatalogOption = None, schema: SchemaOption = None, as_json: JsonOption = False
) -> None:
    """Show every version: aliases, algorithm, held-out metrics, data version, gate decision and pin."""
    from iris_mlops.ml.tracking import configure_mlflow
    from iris_mlops.ml.versions import list_versions

    with user_errors():
        target = configure_mlflow(load_task_settings(env, catalog, schema))
        rows = list_versions(target.model_name)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo(f"no version of {target.model_name} yet: run `iris-mlops train`")
        return
    typer.echo(f"model {target.model_name} ({mask_text(target.registry_uri)})")
    for line in _table(rows, COLUMNS):
        typer.echo(line)


@app.command("describe")
def describe_model(
    version: VersionArgument,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show VERSION's lineage: tables and versions it was trained on, feature version, commit, MLflow run, gate."""
    from iris_mlops.ml.tracking import configure_mlflow
    from iris_mlops.ml.versions import describe_version

    with user_errors():
        target = configure_mlflow(load_task_settings(env, catalog, schema))
        info = describe_version(target.model_name, version)
    if as_json:
        typer.echo(json.dumps(info, indent=2, default=str))
        return
    for line in _describe_lines(info, ui=target.ui_command()):
        typer.echo(line)


def _describe_lines(info: dict[str, Any], *, ui: str) -> list[str]:
    lineage = info["lineage"]
    aliases = ", ".join(f"@{a}" for a in info["aliases"]) or "no alias"
    source = f"{lineage['source_table']} v{lineage['source_table_version']}" if lineage["source_table"] else "-"
    lines = [
        f"{info['model']} version {info['version']} ({aliases}{', pinned' if info['pinned'] else ''})",
        f"  algorithm       {_cell(info['algorithm'])}",
        "  metrics         " + ", ".join(f"{k} {info['metrics'][k]:.4f}" for k in SHOWN if k in info["metrics"]),
        "  lineage",
        f"    silver        {source}",
        f"    features      {_cell(lineage['features_table'])} v{_cell(lineage['features_table_version'])} "
        f"(feature version {_cell(lineage['feature_version'])})",
        f"    model         {info['model']} version {info['version']}",
        f"  code            commit {_cell(lineage['git_commit'])}, fingerprint {_cell(lineage['fingerprint'])}",
        f"  pipeline run    {_cell(lineage['pipeline_run_id'])} (task {_cell(lineage['task'])})",
        f"  MLflow run      {info['mlflow_run_id']} (experiment {info['experiment_id']}): {ui}",
        f"  gate            {_cell(info['gate']['decision'])}: {_cell(info['gate']['reason'])}",
    ]
    promotion = info["promotion"]
    if promotion.get("promoted_by"):
        lines.append(f"  promoted by     {promotion['promoted_by']} at {promotion['promoted_at']}: "
                     f"{promotion['promotion_reason']}")
    return lines


@app.command("promote")
def promote_model(
    version: Annotated[str, typer.Argument(help="The model version that becomes champion.")],
    reason: ReasonOption,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
) -> None:
    """Move `champion` to VERSION by hand and pin it there, recording who and why; the gate then leaves it alone."""
    from iris_mlops.errors import InputError
    from iris_mlops.ml.registry import promote
    from iris_mlops.ml.tracking import configure_mlflow

    with user_errors():
        if not reason.strip():
            raise InputError("--reason must say why the version is promoted")
        target = configure_mlflow(load_task_settings(env, catalog, schema))
        previous = promote(target.model_name, version, reason=reason)
    typer.echo(f"{target.model_name} version {version} is now champion (was {previous or 'none'}) and pinned: "
               f"{reason}. Automatic runs keep it until `iris-mlops models unpin` or `iris-mlops train --force`.")


@app.command("unpin")
def unpin_model(env: EnvOption = None, catalog: CatalogOption = None, schema: SchemaOption = None) -> None:
    """Let the automatic gate move `champion` again (it stays where it is until a better challenger comes)."""
    from iris_mlops.ml.registry import unpin
    from iris_mlops.ml.tracking import configure_mlflow

    with user_errors():
        target = configure_mlflow(load_task_settings(env, catalog, schema))
        lifted = unpin(target.model_name)
    if lifted is None:
        typer.echo(f"{target.model_name}: champion was not pinned; nothing to do")
        return
    typer.echo(f"{target.model_name}: pin on version {lifted.version} (by {lifted.by}, {lifted.at}: {lifted.reason}) "
               "lifted; the gate decides again from the next run")
