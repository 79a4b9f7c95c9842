"""`iris-mlops workflow validate`: the schema and cross-reference checks of `make validate TARGET=local`."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from iris_mlops.errors import ConfigError
from iris_mlops.workflow.bundle import find_bundle_root, load_bundle
from iris_mlops.workflow.checks import check_bundle, installed_console_scripts, wheel_console_scripts
from iris_mlops.workflow.schema import find_schema, validate_file
from iris_mlops.workflow.targets import BUNDLE_VAR_PREFIX, select_target, unset_variables

SCHEMA_HINT = "get it with `databricks bundle schema > .databricks/bundle_schema.json` or set IRIS_MLOPS_BUNDLE_SCHEMA"


def validate_bundle(
    bundle_dir: Path | None,
    *,
    schema: Path | None = None,
    wheel: Path | None = None,
    require_schema: bool = False,
    target: str | None = None,
) -> int:
    """Print what is wrong with the bundle (with `target`: as that target sees it); 0 when nothing is, 1 otherwise."""
    root = (bundle_dir or find_bundle_root()).resolve()
    document = load_bundle(root)
    if target is not None:
        document = select_target(document, target)
        unset = [f"{BUNDLE_VAR_PREFIX}{name}" for name in unset_variables(document, os.environ)]
        typer.echo(f"target {target}: " + (f"needs {', '.join(unset)} (CD passes them)" if unset else
                                           "every variable has a value"))
    schema_path = schema or find_schema(root)
    problems: list[str] = []
    if schema_path is None:
        if require_schema:
            raise ConfigError(f"no bundle JSON schema found: {SCHEMA_HINT}")
        typer.echo(f"schema: SKIPPED, no schema file ({SCHEMA_HINT})")
    else:
        problems += [f"schema: {line}" for line in validate_file(document, schema_path)]
        typer.echo(f"schema: checked against {schema_path}")
    scripts, source = _scripts(root, wheel)
    typer.echo(f"entry points: from {source}")
    problems += [str(p) for p in check_bundle(document, scripts=scripts)]
    for line in problems:
        typer.echo(f"  - {line}")
    typer.echo(f"{root / 'databricks.yml'}: " + (f"INVALID, {len(problems)} problem(s)" if problems else "OK"))
    return 1 if problems else 0


def _scripts(root: Path, wheel: Path | None) -> tuple[set[str], str]:
    if wheel is None:
        built = sorted((root / "dist").glob("*.whl"), key=lambda p: p.stat().st_mtime)
        wheel = built[-1] if built else None
    if wheel is not None:
        return wheel_console_scripts(wheel), str(wheel)
    return installed_console_scripts(), "the installed iris-mlops distribution (no dist/*.whl)"
