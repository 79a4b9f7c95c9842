"""A bundle job as the local runner sees it: python_wheel_tasks, their dependencies, run_if and retry settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iris_mlops.workflow.bundle import BundleError

RUN_IF = ("ALL_SUCCESS", "AT_LEAST_ONE_SUCCESS", "NONE_FAILED", "ALL_DONE", "AT_LEAST_ONE_FAILED", "ALL_FAILED")


@dataclass(frozen=True)
class WheelTask:
    """One python_wheel_task, its parameters still holding ${...} and {{...}} references."""

    key: str
    entry_point: str
    package_name: str
    parameters: tuple[str, ...] = ()
    named_parameters: tuple[tuple[str, str], ...] = ()
    depends_on: tuple[str, ...] = ()
    run_if: str = "ALL_SUCCESS"
    max_retries: int = 0
    min_retry_interval_millis: int = 0

    def argv(self) -> list[str]:
        """Command-line arguments as Databricks passes them: `parameters`, or `--name=value` per named parameter."""
        return [*self.parameters, *(f"--{name}={value}" for name, value in self.named_parameters)]


@dataclass(frozen=True)
class Job:
    key: str
    name: str
    tasks: tuple[WheelTask, ...]  # in dependency order
    parameters: tuple[tuple[str, str], ...] = ()  # job parameters and their defaults

    def task(self, key: str) -> WheelTask:
        for task in self.tasks:
            if task.key == key:
                return task
        from iris_mlops.suggest import did_you_mean, same_spelling

        keys = [t.key for t in self.tasks]
        found = same_spelling(key, keys)
        if found is not None:
            return self.task(found)
        hint = did_you_mean(key, keys)
        raise BundleError(f"job {self.key!r} has no task {key!r}; {hint}its tasks: {', '.join(keys)}")

    def dependants(self, key: str) -> list[str]:
        return [t.key for t in self.tasks if key in t.depends_on]


def parse_job(key: str, spec: Mapping[str, Any]) -> Job:
    """The job resource `key` as a Job whose tasks are in dependency order; refuse what cannot run locally."""
    tasks = [_parse_task(key, raw) for raw in spec.get("tasks") or []]
    if not tasks:
        raise BundleError(f"job {key!r} has no tasks")
    params = tuple((str(p["name"]), str(p.get("default", ""))) for p in spec.get("parameters") or [])
    return Job(key=key, name=str(spec.get("name", key)), tasks=tuple(dependency_order(key, tasks)), parameters=params)


def _parse_task(job: str, raw: Mapping[str, Any]) -> WheelTask:
    key = str(raw.get("task_key", ""))
    wheel = raw.get("python_wheel_task")
    if not isinstance(wheel, Mapping):
        kinds = sorted(k for k in raw if k.endswith("_task")) or ["no task type"]
        raise BundleError(f"job {job!r} task {key!r} is a {kinds[0]}: the local runner runs python_wheel_task only")
    run_if = str(raw.get("run_if", "ALL_SUCCESS"))
    if run_if not in RUN_IF:
        raise BundleError(f"job {job!r} task {key!r}: run_if {run_if!r} is not one of {', '.join(RUN_IF)}")
    return WheelTask(
        key=key,
        entry_point=str(wheel.get("entry_point", "")),
        package_name=str(wheel.get("package_name", "")),
        parameters=tuple(str(p) for p in wheel.get("parameters") or []),
        named_parameters=tuple((str(k), str(v)) for k, v in (wheel.get("named_parameters") or {}).items()),
        depends_on=tuple(str(d["task_key"]) for d in raw.get("depends_on") or []),
        run_if=run_if,
        max_retries=int(raw.get("max_retries", 0)),
        min_retry_interval_millis=int(raw.get("min_retry_interval_millis", 0)),
    )


def dependency_order(job: str, tasks: Sequence[WheelTask]) -> list[WheelTask]:
    """Tasks sorted so that each comes after its dependencies; ties keep the file's order. Refuses cycles."""
    by_key: dict[str, WheelTask] = {}
    for task in tasks:
        if task.key in by_key:
            raise BundleError(f"job {job!r}: task key {task.key!r} is used twice")
        by_key[task.key] = task
    for task in tasks:
        for dep in task.depends_on:
            if dep not in by_key:
                raise BundleError(f"job {job!r} task {task.key!r} depends on {dep!r}, which is not a task of the job")
    ordered: list[WheelTask] = []
    done: set[str] = set()
    while len(ordered) < len(tasks):
        ready = [t for t in tasks if t.key not in done and set(t.depends_on) <= done]
        if not ready:
            stuck = sorted(t.key for t in tasks if t.key not in done)
            raise BundleError(f"job {job!r}: depends_on forms a cycle among {', '.join(stuck)}")
        ordered.append(ready[0])
        done.add(ready[0].key)
    return ordered
