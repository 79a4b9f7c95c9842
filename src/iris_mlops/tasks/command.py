"""The task decorator: a `run_<task>(ctx, *, options) -> Result` function becomes a CLI command and console script.

The decorator adds what every task shares, so no task writes it out: the options --env, --catalog, --schema,
--run-id, --git-commit and --json, the task context (settings, lock, one-line user errors), the JSON output
(the result dataclass, serialized) and the exit code (`TaskResult.raise_for_status`).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, get_type_hints

import typer

from iris_mlops.tasks.context import TaskContext, task_context
from iris_mlops.tasks.options import (
    CatalogOption,
    EnvOption,
    GitCommitOption,
    JsonOption,
    RunIdOption,
    SchemaOption,
)

SCRIPT_PREFIX = "iris-mlops-"  # console script = prefix + task name = the bundle's entry_point
P = ParamSpec("P")
R = TypeVar("R", bound="TaskResult")

# name -> (annotation, default) of the options every task takes, in the order --help lists them.
SHARED_OPTIONS: dict[str, tuple[Any, Any]] = {
    "env": (EnvOption, None),
    "catalog": (CatalogOption, None),
    "schema": (SchemaOption, None),
    "run_id": (RunIdOption, None),
    "git_commit": (GitCommitOption, None),
    "as_json": (JsonOption, False),
}


@dataclass
class TaskResult:
    """Base of every task's result: a dataclass whose fields are what --json prints."""

    def to_json(self) -> str:
        """The result as one JSON object (keys sorted; dates and paths as strings).

        A field declared `= None` and still None is left out: the part of the task that fills it did not run.
        """
        data = dataclasses.asdict(self)
        for item in dataclasses.fields(self):
            if item.default is None and data[item.name] is None:
                del data[item.name]
        return json.dumps(data, default=str, sort_keys=True)

    def raise_for_status(self) -> None:
        """Raise an IrisMlopsError when the result means the task failed (after --json was printed)."""
        return None

    def summary(self) -> str:
        """One line for stdout without --json: the result's short scalar fields (a result may say it better)."""
        data = dataclasses.asdict(self)
        shown = [f"{k} {v}" for k, v in data.items()
                 if k != "run_id" and v is not None and isinstance(v, str | int | float) and len(str(v)) <= 80]
        return ", ".join(shown) or "done"


# The local runner runs tasks in this process, and its stdout is the run's summary table: it turns these off.
_summaries = {"on": True}


@contextmanager
def summaries_off() -> Iterator[None]:
    """No per-task summary line on stdout while the local runner runs tasks (their progress stays on stderr)."""
    before, _summaries["on"] = _summaries["on"], False
    try:
        yield
    finally:
        _summaries["on"] = before


@dataclass(frozen=True)
class Task(Generic[P, R]):
    """One job task: its kebab-case name (CLI subcommand = bundle task_key) and its run function."""

    name: str
    help: str
    run: Callable[Concatenate[TaskContext, P], R]
    uses_mlflow: bool = False  # the local runner prepares the MLflow store ahead of such tasks

    def __call__(self, ctx: TaskContext, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the task in an open context (tests, benchmarks and other tasks call it this way)."""
        return self.run(ctx, *args, **kwargs)

    @property
    def console_script(self) -> str:
        return f"{SCRIPT_PREFIX}{self.name}"

    @property
    def function_name(self) -> str:
        """The attribute of iris_mlops.entrypoints that pyproject's console script names."""
        return self.name.replace("-", "_")

    def command(self) -> Callable[..., None]:
        """A typer command: the run function's own options plus the shared ones."""
        hints = get_type_hints(self.run, include_extras=True)
        own = list(inspect.signature(self.run).parameters.values())[1:]  # the first is the context
        params = [p.replace(annotation=hints[p.name], kind=inspect.Parameter.KEYWORD_ONLY) for p in own]
        params += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=a, default=d)
                   for n, (a, d) in SHARED_OPTIONS.items()]

        def command(**values: Any) -> None:
            shared = {name: values.pop(name) for name in SHARED_OPTIONS}
            as_json = shared.pop("as_json")
            with task_context(self.name, quiet=as_json, **shared) as ctx:
                result = self.run(ctx, **values)  # type: ignore[call-arg]
                if as_json:
                    typer.echo(result.to_json())
                elif _summaries["on"]:  # a person (or a Databricks job log) sees the outcome on stdout
                    typer.echo(f"{self.name}: {result.summary()}")
                result.raise_for_status()

        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        command.__name__ = self.function_name
        command.__doc__ = self.help
        return command


def task(
    name: str, *, help: str, uses_mlflow: bool = False
) -> Callable[[Callable[Concatenate[TaskContext, P], R]], Task[P, R]]:
    """Declare `run_<task>(ctx, *, options) -> Result` as the task `name` (list it in tasks/registry.py)."""

    def declare(run: Callable[Concatenate[TaskContext, P], R]) -> Task[P, R]:
        return Task(name=name, help=help, run=run, uses_mlflow=uses_mlflow)

    return declare
