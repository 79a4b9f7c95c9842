"""Databricks job semantics, as documented for Lakeflow Jobs: run_if conditions, task selection and the run result.

- A task runs once all its dependencies are done; its `run_if` condition (default ALL_SUCCESS) decides whether it runs.
  ALL_SUCCESS / AT_LEAST_ONE_SUCCESS / NONE_FAILED that are not met mark the task UPSTREAM_FAILED; AT_LEAST_ONE_FAILED /
  ALL_FAILED that are not met mark it EXCLUDED. ALL_DONE always runs.
- An EXCLUDED task is skipped and treated as successful; a task whose dependencies are all EXCLUDED is EXCLUDED.
- A dependency counts as failed when it FAILED or was UPSTREAM_FAILED; as executed when it SUCCEEDED or FAILED.
- The run's result comes from its leaf tasks (no dependants): FAILED when a leaf failed or was upstream-failed,
  SUCCESS_WITH_FAILURES when some other task failed, else SUCCESS.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum

from iris_mlops.workflow.bundle import BundleError
from iris_mlops.workflow.model import Job


class Status(str, Enum):
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    UPSTREAM_FAILED = "UPSTREAM_FAILED"
    EXCLUDED = "EXCLUDED"


class RunState(str, Enum):
    SUCCESS = "SUCCESS"
    SUCCESS_WITH_FAILURES = "SUCCESS_WITH_FAILURES"
    FAILED = "FAILED"


_SUCCEEDED = (Status.SUCCESS, Status.EXCLUDED)
_FAILED = (Status.FAILED, Status.UPSTREAM_FAILED)
_EXECUTED = (Status.SUCCESS, Status.FAILED)


def evaluate_run_if(condition: str, dependencies: Sequence[Status]) -> Status | None:
    """None when the task runs, else the status it gets without running."""
    if not dependencies:
        return None
    if all(s is Status.EXCLUDED for s in dependencies):
        return Status.EXCLUDED
    succeeded = [s in _SUCCEEDED for s in dependencies]
    failed = [s in _FAILED for s in dependencies]
    executed = [s in _EXECUTED for s in dependencies]
    met = {
        "ALL_SUCCESS": all(succeeded),
        "AT_LEAST_ONE_SUCCESS": any(succeeded),
        "NONE_FAILED": not any(failed) and any(executed),
        "ALL_DONE": True,
        "AT_LEAST_ONE_FAILED": any(failed),
        "ALL_FAILED": all(failed),
    }[condition]
    if met:
        return None
    return Status.EXCLUDED if condition in ("AT_LEAST_ONE_FAILED", "ALL_FAILED") else Status.UPSTREAM_FAILED


def run_state(statuses: dict[str, Status], leaves: Iterable[str]) -> RunState:
    """The run's result from its leaf tasks."""
    if any(statuses[leaf] in _FAILED for leaf in leaves):
        return RunState.FAILED
    if any(status in _FAILED for status in statuses.values()):
        return RunState.SUCCESS_WITH_FAILURES
    return RunState.SUCCESS


def select_tasks(job: Job, *, only: Sequence[str] = (), from_task: str | None = None) -> list[str]:
    """Keys of the tasks to run: all, the `only` ones, or `from_task` and everything downstream of it."""
    if only and from_task:
        raise BundleError("use --only or --from, not both")
    for key in [*only, *([from_task] if from_task else [])]:
        job.task(key)  # raises naming the job's tasks
    if only:
        return [t.key for t in job.tasks if t.key in set(only)]
    if from_task:
        selected = {from_task}
        for task in job.tasks:  # dependency order: a task's dependencies are decided before it
            if selected & set(task.depends_on):
                selected.add(task.key)
        return [t.key for t in job.tasks if t.key in selected]
    return [t.key for t in job.tasks]


def leaves(job: Job, selected: Sequence[str]) -> list[str]:
    """Selected tasks that no other selected task depends on."""
    chosen = set(selected)
    return [key for key in selected if not chosen & set(job.dependants(key))]
