"""`iris-mlops workflow`: the bundle's jobs, run locally (`run`), listed (`list`) and checked (`validate`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from iris_mlops.tasks.context import user_errors
from iris_mlops.tasks.options import EnvOption, JsonOption

app = typer.Typer(help="Run and check the Databricks bundle's jobs locally, without a workspace.", no_args_is_help=True)

# typer reads these annotations at runtime: keep Optional[...] (PEP 604 unions break on Python 3.10's typer).
OnlyOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--only", help="Run only this task (repeat, or separate with commas); the others are EXCLUDED."),
]
FromOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--from", help="Run this task and every task downstream of it; the others are EXCLUDED."),
]
BundleDirOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--bundle-dir", help="Folder holding databricks.yml (default: the current folder or a parent)."),
]


@app.command("run")
def run(
    job: Annotated[str, typer.Argument(help="Job resource key, e.g. iris_workflow (see `workflow list`).")],
    env: EnvOption = None,
    only: OnlyOption = None,
    from_task: FromOption = None,
    bundle_dir: BundleDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a job's tasks in dependency order, in this process, with Databricks' run_if and retry semantics."""
    from iris_mlops.workflow.runner import run_job

    chosen = [key.strip() for value in only or [] for key in value.split(",") if key.strip()]
    if as_json:
        raise typer.Exit(run_as_json(job, env=env, only=chosen, from_task=from_task, bundle_dir=bundle_dir))
    code = run_job(job, env=env, only=chosen, from_task=from_task, bundle_dir=bundle_dir)
    raise typer.Exit(code)


def run_as_json(job: str, *, env: str | None, only: list[str], from_task: str | None, bundle_dir: Path | None) -> int:
    """Run the job with every line on stderr and print its result as JSON on stdout; returns the exit code."""
    from iris_mlops.errors import IrisMlopsError
    from iris_mlops.workflow.report import Reporter
    from iris_mlops.workflow.runner import execute_job

    def to_stderr(message: str) -> None:
        typer.echo(message, err=True)

    try:
        result = execute_job(job, env=env, only=only, from_task=from_task, bundle_dir=bundle_dir,
                             reporter=Reporter(progress=to_stderr, output=to_stderr))
    except IrisMlopsError as exc:
        typer.echo(f"error: {exc}", err=True)
        return exc.exit_code
    tasks = [{"task": t.key, "status": t.status.value, "attempts": t.attempts, "duration_s": round(t.duration, 2),
              "note": t.note} for t in result.tasks]
    data = {"job": result.job, "run_id": result.run_id, "state": result.state.value,
            "duration_s": round(result.duration, 2), "tasks": tasks}
    typer.echo(json.dumps(data, indent=2))
    return result.exit_code


@app.command("list")
def list_jobs(bundle_dir: BundleDirOption = None) -> None:
    """Show the bundle's jobs and their task graphs."""
    from iris_mlops.workflow.bundle import bundle_jobs, find_bundle_root, load_bundle
    from iris_mlops.workflow.model import parse_job

    with user_errors():
        jobs = bundle_jobs(load_bundle(bundle_dir or find_bundle_root()))
        for key in sorted(jobs):
            job = parse_job(key, jobs[key])
            schedule = (jobs[key].get("schedule") or {}).get("quartz_cron_expression")
            typer.echo(f"{key}  ({job.name}{f', schedule {schedule}' if schedule else ''})")
            for task in job.tasks:
                after = f"  after {', '.join(task.depends_on)}" if task.depends_on else ""
                run_if = f" [{task.run_if}]" if task.run_if != "ALL_SUCCESS" else ""
                retries = f"  retries {task.max_retries}" if task.max_retries else ""
                typer.echo(f"  {task.key:<16} {task.entry_point:<28}{after}{run_if}{retries}".rstrip())


@app.command("validate")
def validate(
    bundle_dir: BundleDirOption = None,
    schema: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--schema", help="Bundle JSON schema (default: $IRIS_MLOPS_BUNDLE_SCHEMA or a known location)."),
    ] = None,
    wheel: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--wheel", help="Wheel whose entry points the tasks must name (default: newest dist/*.whl)."),
    ] = None,
    require_schema: Annotated[bool, typer.Option("--require-schema", help="Fail when no schema is found.")] = False,
    target: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--target", "-t", help="Check the bundle as this target sees it (its overrides merged in)."),
    ] = None,
) -> None:
    """Check the bundle without a workspace: Databricks' JSON schema, then the cross-reference checks."""
    from iris_mlops.workflow.validate import validate_bundle

    with user_errors():
        code = validate_bundle(bundle_dir, schema=schema, wheel=wheel, require_schema=require_schema, target=target)
    raise typer.Exit(code)
