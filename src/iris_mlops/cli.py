"""The `iris-mlops` command: every task as a subcommand, plus the inspection command groups."""

from __future__ import annotations

import typer

from iris_mlops import __version__
from iris_mlops.commands import alerts as alerts_commands
from iris_mlops.commands import batches as batches_commands
from iris_mlops.commands import config as config_commands
from iris_mlops.commands import models as models_commands
from iris_mlops.commands import quality as quality_commands
from iris_mlops.commands import serving as serving_commands
from iris_mlops.commands import simulate as simulate_commands
from iris_mlops.commands import tables as tables_commands
from iris_mlops.commands import workflow as workflow_commands
from iris_mlops.commands import workspace as workspace_commands
from iris_mlops.commands.quarantine import quarantine as quarantine_command
from iris_mlops.commands.report import report as report_command
from iris_mlops.commands.spark_archive import spark_archive as spark_archive_command
from iris_mlops.config import Settings, load_settings
from iris_mlops.logs import set_verbose
from iris_mlops.tasks.context import user_errors
from iris_mlops.tasks.options import EnvOption, JsonOption
from iris_mlops.tasks.registry import TASKS

# -h as well as --help, on every command and group.
HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="iris-mlops",
    help="A reference MLOps pipeline for Iris: local Delta + Spark + MLflow, or Databricks.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings=HELP_OPTIONS,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Show the JVM's and libraries' logs on stderr (default: $IRIS_MLOPS_HOME/logs)."
    ),
) -> None:
    """iris-mlops: bronze -> silver -> gold -> quality -> features -> training, locally or on Databricks."""
    if verbose:
        set_verbose(True)  # through IRIS_MLOPS_VERBOSE, so the tasks and console scripts it runs see it too


@app.command("run")
def run(
    env: EnvOption = None,
    job: str = typer.Option("iris_workflow", "--job", help="The bundle job to run (resources/jobs/<job>.job.yml)."),
    as_json: JsonOption = False,
) -> None:
    """Run the whole pipeline: the bundle's main job through the local runner, then say where everything is."""
    from iris_mlops.workflow.runner import run_job

    if as_json:  # the run's result on stdout, every other line on stderr
        raise typer.Exit(workflow_commands.run_as_json(job, env=env, only=[], from_task=None, bundle_dir=None))
    code = run_job(job, env=env, only=None, from_task=None, bundle_dir=None)
    if code == 0:
        with user_errors():
            _print_locations(load_settings(env))
    raise typer.Exit(code)


def _print_locations(settings: Settings) -> None:
    if settings.store != "local_delta":
        typer.echo(f"tables: {settings.catalog}.{settings.schema_name}.*")
        return
    warehouse = settings.warehouse_dir / settings.catalog / settings.schema_name
    typer.echo(f"tables:  {warehouse}/<table>  (iris-mlops tables list)")
    typer.echo(f"reports: {settings.reports_dir}  (iris-mlops quality report)")
    typer.echo(f"summary: {settings.reports_dir / 'runs' / 'index.html'}  (iris-mlops report --open)")
    typer.echo(f"MLflow:  mlflow ui --backend-store-uri sqlite:///{settings.home / 'mlflow.db'}")


for _task in TASKS:
    app.command(_task.name, help=_task.help)(_task.command())

app.command("report")(report_command)
app.command("quarantine")(quarantine_command)
app.command("spark-archive")(spark_archive_command)
app.add_typer(config_commands.app, name="config")
app.add_typer(models_commands.app, name="models")
app.add_typer(quality_commands.app, name="quality")
app.add_typer(workflow_commands.app, name="workflow")
app.add_typer(workspace_commands.app, name="workspace")
app.add_typer(batches_commands.app, name="batches")
app.add_typer(tables_commands.app, name="tables")
app.command("serve")(serving_commands.serve)
app.command("simulate")(simulate_commands.simulate)
app.add_typer(serving_commands.app, name="ab")
app.add_typer(alerts_commands.app, name="alerts")


def main() -> None:
    """Entry point of the `iris-mlops` console script."""
    app()
