"""What a failed Databricks job run was: its failed tasks and its page, read through databricks-sdk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

FAILED_STATES = frozenset({"FAILED", "TIMEDOUT", "CANCELED", "MAXIMUM_CONCURRENT_RUNS_REACHED", "UPSTREAM_FAILED",
                           "UPSTREAM_CANCELED", "INTERNAL_ERROR"})


@dataclass(frozen=True)
class RunFacts:
    """The failed tasks of a run and its page URL (None when unknown)."""

    failed_tasks: tuple[str, ...] = ()
    run_page_url: str | None = None
    run_name: str | None = None


def databricks_run_facts(run_id: str, *, client_factory: Callable[[], object] | None = None) -> RunFacts:
    """The job run's failed tasks and page; empty facts when the run cannot be read (the alert still goes out)."""
    if not run_id.isdigit():
        return RunFacts()
    try:
        client = client_factory() if client_factory else _workspace_client()
        run = client.jobs.get_run(run_id=int(run_id))  # type: ignore[attr-defined]
    except Exception:  # best effort: the alert matters more than its detail
        return RunFacts()
    failed = tuple(t.task_key for t in (run.tasks or []) if _result(t) in FAILED_STATES)
    return RunFacts(failed_tasks=failed, run_page_url=run.run_page_url, run_name=run.run_name)


def _result(task: object) -> str:
    state = getattr(task, "state", None)
    result = getattr(state, "result_state", None)
    return str(getattr(result, "value", result or ""))


def _workspace_client() -> object:
    from databricks.sdk import WorkspaceClient

    return WorkspaceClient()
