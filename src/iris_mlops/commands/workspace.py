"""`iris-mlops workspace`: who am I on the workspace, and start a deployed bundle job (databricks-sdk).

Credentials come from the environment (DATABRICKS_HOST plus DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and
DATABRICKS_CLIENT_SECRET, or DATABRICKS_CONFIG_PROFILE), with a `.env` file in the current folder filling in what the
environment lacks. Jobs are found by the `iris_mlops_job` and `iris_mlops_target` tags the bundle sets, never by their
display name, which development mode prefixes.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from iris_mlops.errors import IrisMlopsError
from iris_mlops.tasks.context import user_errors

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

app = typer.Typer(help="Check workspace credentials and start deployed bundle jobs.", no_args_is_help=True)

JOB_TAG, TARGET_TAG = "iris_mlops_job", "iris_mlops_target"
TIMEOUT_VARIABLE = "IRIS_MLOPS_WORKSPACE_TIMEOUT_SECONDS"
# Run and task `status` (Jobs API 2.2): TERMINATED is the one end state; the termination code says how it ended.
TERMINATED = "TERMINATED"


class WorkspaceError(IrisMlopsError):
    """The workspace refused a request, or what was asked for is not deployed there."""


def load_dotenv(path: Path = Path(".env")) -> None:
    """Set KEY=VALUE lines of `path` as environment variables that are not set yet (comments and blanks skipped)."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip().removeprefix("export ").strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(key.strip(), value)


@contextmanager
def workspace_errors() -> Iterator[None]:
    """Turn databricks-sdk failures into one-line WorkspaceErrors."""
    from databricks.sdk.errors import DatabricksError, PermissionDenied, Unauthenticated
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from requests.exceptions import Timeout as RequestsTimeout

    host = os.environ.get("DATABRICKS_HOST", "the workspace")
    try:
        yield
    except (Unauthenticated, PermissionDenied) as exc:
        raise WorkspaceError(f"authentication failed at {host}: {_first_line(exc)} (check DATABRICKS_TOKEN)") from None
    except (RequestsConnectionError, RequestsTimeout, TimeoutError):
        raise WorkspaceError(
            f"cannot reach {host} within {timeout_seconds():.0f}s: check DATABRICKS_HOST and the network "
            f"(or raise {TIMEOUT_VARIABLE})"
        ) from None
    except DatabricksError as exc:
        raise WorkspaceError(f"{host}: {_first_line(exc)}") from None
    except ValueError as exc:  # the SDK's "cannot configure default credentials"
        raise WorkspaceError(f"no usable Databricks credentials: {_first_line(exc)} (see .env.example)") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def timeout_seconds() -> float:
    """Seconds one workspace request may take, retries included ($IRIS_MLOPS_WORKSPACE_TIMEOUT_SECONDS, 30)."""
    raw = os.environ.get(TIMEOUT_VARIABLE, "30")
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < 86400:
        raise WorkspaceError(f"{TIMEOUT_VARIABLE}={raw!r} is not a number of seconds above 0")
    return value


def client() -> WorkspaceClient:
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.config import Config

    load_dotenv()
    logging.getLogger("databricks.sdk").setLevel(logging.ERROR)  # its fallback warnings would add lines to errors
    # The SDK's defaults (60 s per request, retries for 5 minutes) left an unreachable host hanging for minutes.
    limit = timeout_seconds()
    return WorkspaceClient(config=Config(http_timeout_seconds=limit, retry_timeout_seconds=max(1, int(limit))))


@app.command("auth-check")
def auth_check() -> None:
    """Show who the credentials authenticate as, on which host (the seed's `make test-auth`)."""
    with user_errors(), workspace_errors():
        workspace = client()
        me = workspace.current_user.me()
        typer.echo(f"host: {workspace.config.host}")
        typer.echo(f"user: {me.user_name} ({me.display_name or 'no display name'})")
        typer.echo(f"auth: {workspace.config.auth_type}")


@app.command("run-job")
def run_job(
    name: Annotated[str, typer.Argument(help="Bundle resource key of the job, e.g. iris_workflow.")],
    target: Annotated[str, typer.Option("--target", "-t", help="Bundle target the job was deployed to.")] = "dev",
    wait: Annotated[bool, typer.Option("--wait", help="Follow the run; exit with its result.")] = False,
    poll_seconds: Annotated[float, typer.Option("--poll-seconds", help="Seconds between status checks.")] = 10.0,
    timeout_minutes: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option("--timeout-minutes", help="Stop waiting after this long (the run goes on)."),
    ] = None,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial",
            help="Exit 0 when the run ends SUCCESS_WITH_FAILURES (a task failed but no leaf did); default: exit 1.",
        ),
    ] = False,
) -> None:
    """Start a deployed job by its bundle resource key and target (matched on tags, not the display name)."""
    with user_errors(), workspace_errors():
        workspace = client()
        job = find_job(workspace, name, target)
        started = workspace.jobs.run_now(job_id=job.job_id).response
        if started is None or started.run_id is None:
            raise WorkspaceError(f"the workspace did not return a run id for job {job.job_id}")
        run_id = started.run_id
        run = workspace.jobs.get_run(run_id)
        typer.echo(f"started run {run_id} of {name} ({target}, job id {job.job_id}): {run.run_page_url}")
        if not wait:
            return
        code = wait_for_run(
            workspace, run_id, poll_seconds=poll_seconds, timeout_minutes=timeout_minutes, allow_partial=allow_partial
        )
    raise typer.Exit(code)


def find_job(workspace: WorkspaceClient, name: str, target: str) -> Any:
    """The job deployed from resource key `name` to `target`; with several, the one the current user created."""
    matches = [
        job
        for job in workspace.jobs.list()
        if job.settings is not None
        and (job.settings.tags or {}).get(JOB_TAG) == name
        and (job.settings.tags or {}).get(TARGET_TAG) == target
    ]
    if len(matches) > 1:
        me = workspace.current_user.me().user_name
        matches = [job for job in matches if job.creator_user_name == me] or matches
    if not matches:
        raise WorkspaceError(
            f"no job deployed with tags {JOB_TAG}={name}, {TARGET_TAG}={target}: "
            f"deploy it with `make deploy TARGET={target}`"
        )
    if len(matches) > 1:
        ids = ", ".join(str(job.job_id) for job in matches)
        raise WorkspaceError(f"{len(matches)} jobs carry {JOB_TAG}={name}, {TARGET_TAG}={target}: ids {ids}")
    return matches[0]


def wait_for_run(
    workspace: WorkspaceClient,
    run_id: int,
    *,
    poll_seconds: float,
    timeout_minutes: float | None,
    allow_partial: bool = False,
) -> int:
    """Print each task's status as it changes until the run ends; 0 when it succeeded, 1 otherwise."""
    deadline = None if timeout_minutes is None else time.monotonic() + timeout_minutes * 60
    seen: dict[str, str] = {}
    while True:
        run = workspace.jobs.get_run(run_id)
        for task in run.tasks or []:
            status = _status(task.status)
            if seen.get(str(task.task_key)) != status:
                seen[str(task.task_key)] = status
                typer.echo(f"  {task.task_key}: {status}")
        state = run.status.state.value if run.status and run.status.state else "PENDING"
        if state == TERMINATED:
            return _run_exit_code(run, allow_partial=allow_partial)
        if deadline is not None and time.monotonic() > deadline:
            raise WorkspaceError(f"run {run_id} still {state} after {timeout_minutes} minutes: {run.run_page_url}")
        time.sleep(poll_seconds)


def _status(status: Any) -> str:
    """`STATE` or `TERMINATED CODE` from a run's or task's `status` (the deprecated `state` is not read)."""
    if status is None or status.state is None:
        return "PENDING"
    code = _termination_code(status)
    return f"{status.state.value} {code}" if code else status.state.value


def _termination_code(status: Any) -> str | None:
    details = status.termination_details if status is not None else None
    return details.code.value if details is not None and details.code is not None else None


def _run_exit_code(run: Any, *, allow_partial: bool) -> int:
    code = _termination_code(run.status) or "UNKNOWN"
    details = run.status.termination_details
    message = f": {details.message}" if details is not None and details.message else ""
    typer.echo(f"run {run.run_id}: {code}{message} ({run.run_page_url})")
    if code == "SUCCESS_WITH_FAILURES":
        failed = [str(t.task_key) for t in run.tasks or [] if _termination_code(t.status) != "SUCCESS"]
        hint = "accepted (--allow-partial)" if allow_partial else "counted as a failure (--allow-partial accepts it)"
        typer.echo(f"run {run.run_id}: tasks that did not succeed: {', '.join(failed) or 'none listed'}; {hint}")
        return 0 if allow_partial else 1
    return 0 if code == "SUCCESS" else 1
