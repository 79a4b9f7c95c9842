"""The task registry: one kebab-case name per task, used by the CLI, the console scripts and the bundle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Task:
    name: str
    help: str
    func: Callable[..., Any]
    uses_mlflow: bool = False  # the local runner prepares the MLflow store ahead of such tasks

    @property
    def console_script(self) -> str:
        return f"iris-mlops-{self.name}"


TASKS: dict[str, Task] = {}


def task(name: str, *, help: str, uses_mlflow: bool = False) -> Callable[[F], F]:
    """Register a typer-style function as the task `name`."""

    def register(func: F) -> F:
        if name in TASKS:
            raise ValueError(f"task {name!r} registered twice")
        TASKS[name] = Task(name=name, help=help, func=func, uses_mlflow=uses_mlflow)
        return func

    return register


def load_tasks() -> dict[str, Task]:
    """Import every task module so that it registers itself; return the registry."""
    from iris_mlops.tasks import (
        automl,  # noqa: F401
        eda_benchmark,  # noqa: F401
        features,  # noqa: F401
        medallion,  # noqa: F401
        quality,  # noqa: F401
        training,  # noqa: F401
    )

    return TASKS
