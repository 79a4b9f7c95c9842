"""`iris-mlops quality report|export`: find the latest report; export a suite for Great Expectations."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from iris_mlops.errors import ConfigError, IrisMlopsError
from iris_mlops.tasks.context import load_task_settings, user_errors
from iris_mlops.tasks.options import CatalogOption, EnvOption, SchemaOption

app = typer.Typer(help="Data-quality reports and suite export.", no_args_is_help=True)


class ExportFormat(str, Enum):
    gx = "gx"


@app.command("report")
def report(env: EnvOption = None, catalog: CatalogOption = None, schema: SchemaOption = None) -> None:
    """Print the path of the latest data-quality HTML report."""
    from iris_mlops.quality.report import latest_report

    with user_errors():
        settings = load_task_settings(env, catalog, schema)
        found = latest_report(settings.reports_dir / "quality")
        if found is None:
            raise IrisMlopsError(f"no data-quality report under {settings.reports_dir / 'quality'} yet: "
                                 "run `iris-mlops data-quality` first")
    typer.echo(str(found))


@app.command("export")
def export(
    table: Annotated[str, typer.Option("--table", help="Table key ('silver'), short or three-level name.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Export format.")] = ExportFormat.gx,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,  # noqa: UP045
    env: EnvOption = None,
) -> None:
    """Write the table's suite as Great Expectations 1.x suite JSON; what GX cannot express goes to stderr."""
    from iris_mlops.quality.checkpoint import load_checkpoints, suite_of
    from iris_mlops.quality.export import to_gx
    from iris_mlops.quality.tables import checkpoints_dir, suites_dir

    with user_errors():
        settings = load_task_settings(env, None, None)
        matches = [c for c in load_checkpoints(checkpoints_dir(settings.quality))
                   if table in (c.table, getattr(settings.tables, c.table)) or table == settings.table(c.table)]
        if not matches:
            raise ConfigError(f"no quality suite validates table {table!r}")
        document, skipped = to_gx(suite_of(matches[0], folder=suites_dir(settings.quality)))
    text = json.dumps(document, indent=2)
    for line in skipped:
        typer.echo(f"not exported: {line}", err=True)
    if output is None:
        typer.echo(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {output} ({len(document['expectations'])} expectations, {len(skipped)} not exported)",
                   err=True)
