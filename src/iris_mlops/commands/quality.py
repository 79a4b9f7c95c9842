"""`iris-mlops quality report|export|import`: the latest report; suites to and from Great Expectations."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from iris_mlops.errors import ConfigError, IrisMlopsError
from iris_mlops.tasks.context import load_task_settings, user_errors
from iris_mlops.tasks.options import CatalogOption, EnvOption, SchemaOption

app = typer.Typer(help="Data-quality reports, suite export and import.", no_args_is_help=True)


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


@app.command("import")
def import_suite(
    file: Annotated[Path, typer.Argument(help="A Great Expectations 1.x suite JSON file.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Import format.")] = ExportFormat.gx,
    table: Annotated[Optional[str], typer.Option("--table", help="Table key the suite validates ('silver'); "  # noqa: UP045
                                                 "default: the one an exported suite names.")] = None,
    version: Annotated[Optional[str], typer.Option("--version", help="Suite version to write.")] = None,  # noqa: UP045
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,  # noqa: UP045
) -> None:
    """Convert a GX 1.x suite into our YAML suite format, validated as `conf/expectations/*.yml` files are."""
    import yaml

    from iris_mlops.quality.gx_import import from_gx
    from iris_mlops.quality.suite import suite_from_mapping
    from iris_mlops.quality.tables import table_columns

    with user_errors():
        document = _read_json(file)
        suite = from_gx(document, table=table, version=version)
        key = suite["table"]
        # Checked like a suite file: arguments, column names and (when the table is known) column types.
        loaded = suite_from_mapping(suite, path=file, columns=table_columns(key) if key in TABLE_KEYS else None)
        text = yaml.safe_dump(suite, sort_keys=False, allow_unicode=True)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output} ({len(loaded.expectations)} expectations for table {key})", err=True)


TABLE_KEYS = ("bronze", "silver", "quarantine", "gold", "features")


def _read_json(file: Path) -> object:
    from iris_mlops.errors import InputError

    if not file.is_file():
        raise InputError(f"GX suite file {file} not found")
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{file} is not a JSON file ({str(exc).splitlines()[0]}): expected a GX 1.x suite") from None
