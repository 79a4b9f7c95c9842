"""What every task shares: resolved settings, the run id, Spark, the store, the lock and error reporting."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import typer

from iris_mlops.config import Settings, load_settings
from iris_mlops.errors import IrisMlopsError
from iris_mlops.runtime import home_lock, resolve_run_id

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from iris_mlops.storage import TableStore


@dataclass
class TaskContext:
    """Resolved once at the entry point, then passed down as plain values."""

    name: str
    settings: Settings
    run_id: str
    quiet: bool = False
    _extras: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def spark(self) -> SparkSession:
        from iris_mlops.spark import get_spark

        return get_spark()

    @cached_property
    def store(self) -> TableStore:
        from iris_mlops.storage import make_store

        return make_store(self.settings, self.spark)

    def echo(self, message: str) -> None:
        """Progress for humans, on stderr so that --json output stays clean on stdout."""
        if not self.quiet:
            typer.echo(f"[{self.name}] {message}", err=True)


def load_task_settings(env: str | None, catalog: str | None, schema: str | None) -> Settings:
    """Settings for a task, with the --catalog/--schema options applied last."""
    return load_settings(env, overrides={"catalog": catalog, "schema": schema})


@contextmanager
def task_context(
    name: str,
    *,
    env: str | None,
    catalog: str | None = None,
    schema: str | None = None,
    run_id: str | None = None,
    quiet: bool = False,
) -> Iterator[TaskContext]:
    """Resolve settings, take the home lock (local store only), and turn user errors into one line + exit code."""
    with user_errors():
        settings = load_task_settings(env, catalog, schema)
        ctx = TaskContext(name=name, settings=settings, run_id=resolve_run_id(run_id), quiet=quiet)
        if settings.store == "local_delta":
            with home_lock(settings.home):
                yield ctx
        else:
            yield ctx


@contextmanager
def user_errors() -> Iterator[None]:
    """Print an IrisMlopsError as one line on stderr and exit with its code; no traceback."""
    try:
        yield
    except IrisMlopsError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.stderr.flush()
        raise typer.Exit(exc.exit_code) from None
