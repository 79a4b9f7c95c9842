"""The `notify-failure` task: the last task of a job (run_if AT_LEAST_ONE_FAILED); alerts, then fails.

Databricks takes a run's result from its leaf tasks. This task is the leaf that runs only when an upstream task
failed; it sends a critical alert naming the run and then exits non-zero, so the run stays failed. When every
task succeeded it is excluded, which counts as a success.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Optional

import typer

from iris_mlops.errors import RunFailedError
from iris_mlops.tasks.command import TaskResult, task
from iris_mlops.tasks.context import TaskContext

JobOption = Annotated[str, typer.Option("--job", help="The bundle job whose run failed.")]
FailedTaskOption = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option("--failed-task", help="A task that failed (repeatable); on Databricks read from the run."),
]
RunUrlOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--run-url", help="The run's page; on Databricks read from the run."),
]


@dataclass
class NotifyFailureResult(TaskResult):
    job: str
    run_id: str
    failed_tasks: list[str] = field(default_factory=list)
    channels: list[dict[str, Any]] = field(default_factory=list)  # channel, status, attempts, http_status, error

    def raise_for_status(self) -> None:
        sent = [c["channel"] for c in self.channels if c["status"] == "delivered"]
        tasks = ", ".join(self.failed_tasks) or "unknown tasks"
        where = f"alert sent to {', '.join(sent)}" if sent else "no alert delivered"
        raise RunFailedError(f"run {self.run_id} of {self.job} failed ({tasks}); {where}")


@task("notify-failure", help="Alert that a job run failed (its failed tasks, its page), then exit non-zero.")
def run_notify_failure(
    ctx: TaskContext, *, job: JobOption = "iris_workflow", failed_task: FailedTaskOption = None,
    run_url: RunUrlOption = None,
) -> NotifyFailureResult:
    """Send a critical alert for the failed run (the result always raises: the run failed)."""
    from iris_mlops.tasks.alerts import notify_job_failure, report_json

    report = notify_job_failure(ctx, job=job, failed_tasks=tuple(failed_task or ()), run_url=run_url)
    failed = list(report.message.findings[0].evidence.get("failed_tasks", [])) if report.message else []
    return NotifyFailureResult(job=job, run_id=ctx.run_id, failed_tasks=failed,
                               channels=report_json(report)["channels"])
