"""Options every task shares, so that the CLI, console scripts and bundle parameters agree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

# typer reads these annotations at runtime: keep Optional[...] (PEP 604 unions break on Python 3.10's typer).
EnvOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--env", help="Environment: local, dev, staging or prod (default: $IRIS_MLOPS_ENV or local)."),
]
CatalogOption = Annotated[Optional[str], typer.Option("--catalog", help="Override the configured catalog.")]  # noqa: UP045
SchemaOption = Annotated[Optional[str], typer.Option("--schema", help="Override the configured schema.")]  # noqa: UP045
RunIdOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--run-id", help="Run id to record (the bundle passes the Databricks job run id)."),
]
SourceOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--source", help="Input file (CSV, JSON lines or Parquet); default: the Iris data bundled with scikit-learn."
    ),
]
GitCommitOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--git-commit", help="Commit being run (the bundle passes ${bundle.git.commit}); default: git."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
