"""What every task shares: resolved settings, the run id, Spark, the store, the lock and error reporting."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import typer

from iris_mlops import progress
from iris_mlops.config import Settings, load_settings
from iris_mlops.errors import IrisMlopsError
from iris_mlops.logs import configure_logging
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
    git_commit: str | None = None

    @cached_property
    def spark(self) -> SparkSession:
        from iris_mlops.spark import get_spark
        from iris_mlops.storage import local_data_bytes

        return get_spark(local_data_bytes=local_data_bytes(self.settings))

    @cached_property
    def store(self) -> TableStore:
        from iris_mlops.storage import make_store

        return make_store(self.settings, self.spark)

    def echo(self, message: str) -> None:
        """Progress for humans, on stderr so that --json output stays clean on stdout."""
        if not self.quiet:
            progress.echo(f"[{self.name}] {message}")

    @property
    def mlflow_tags(self) -> dict[str, str]:
        """Tags every MLflow run this task opens carries: the run id, the task and the git commit when known."""
        tags = {"iris_mlops.run_id": self.run_id, "iris_mlops.task": self.name}
        if self.git_commit:  # `git_commit` for queries; MLflow's own tag shows it in the UI
            tags |= {"git_commit": self.git_commit, "mlflow.source.git.commit": self.git_commit}
        return tags


def load_task_settings(env: str | None, catalog: str | None, schema: str | None) -> Settings:
    """Settings for a task, with the --catalog/--schema options applied last."""
    return load_settings(env, overrides={"catalog": catalog, "schema": schema})


def resolve_git_commit(explicit: str | None) -> str | None:
    """--git-commit (the bundle passes ${bundle.git.commit}), else $GIT_COMMIT/$GITHUB_SHA, else `git rev-parse`."""
    if explicit and not explicit.startswith("${"):  # an unresolved bundle variable is no commit
        return explicit
    for key in ("GIT_COMMIT", "GITHUB_SHA"):
        if os.environ.get(key):
            return os.environ[key]
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


@contextmanager
def task_context(
    name: str,
    *,
    env: str | None,
    catalog: str | None = None,
    schema: str | None = None,
    run_id: str | None = None,
    quiet: bool = False,
    git_commit: str | None = None,
) -> Iterator[TaskContext]:
    """Resolve settings, take the home lock (local store only), and turn user errors into one line + exit code."""
    with user_errors():
        settings = load_task_settings(env, catalog, schema)
        configure_logging(settings.home)  # library and JVM chatter to <home>/logs, unless verbose
        ctx = TaskContext(name=name, settings=settings, run_id=resolve_run_id(run_id), quiet=quiet,
                          git_commit=resolve_git_commit(git_commit))
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
