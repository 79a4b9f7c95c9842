"""Local runs: start Spark, then create the MLflow store, in the background while the first task reads its source.

On Databricks a task starts on compute that is already up and a tracking server that already exists. Locally
the JVM takes seconds to start, and a new SQLite MLflow store seconds more to migrate. The runner starts both in
one background thread as the run begins, so they overlap the tasks' own work; `get_spark()` and
`configure_mlflow()` wait for whatever is still in progress, and report its errors themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from iris_mlops.tasks.command import Task
from iris_mlops.tasks.registry import TASKS

if TYPE_CHECKING:
    from iris_mlops.config import Settings
    from iris_mlops.workflow.model import WheelTask

PACKAGE = "iris_mlops"


def known_tasks(tasks: Sequence[WheelTask]) -> list[Task[Any, Any]]:
    """The registered tasks behind the job's wheel tasks (entry points of other packages are not ours to warm)."""
    by_script = {task.console_script: task for task in TASKS}
    return [by_script[t.entry_point] for t in tasks
            if t.package_name.replace("-", "_") == PACKAGE and t.entry_point in by_script]


class WarmUp(threading.Thread):
    """Starts the local Spark session, then (if a task will log to MLflow) the local MLflow store."""

    def __init__(self, settings: Settings, *, mlflow: bool) -> None:
        super().__init__(name="warm-up", daemon=True)
        self.settings = settings
        self.mlflow = mlflow
        self._lock = threading.Lock()
        self._finishing = False
        self._store_started = False

    def run(self) -> None:
        from iris_mlops.spark import get_spark
        from iris_mlops.storage import local_data_bytes

        # A failure is not reported here: the first task that needs Spark meets it again, in context.
        with suppress(Exception):
            get_spark(local_data_bytes=local_data_bytes(self.settings))
        with self._lock:
            if self._finishing or not self.mlflow:
                return
            self._store_started = True
        from iris_mlops.ml.tracking import prepare_local_store

        with suppress(Exception):  # configure_mlflow reports an unusable store as a one-line error
            prepare_local_store(self.settings)

    def finish(self) -> None:
        """At the end of the run: skip the store if not begun, or wait for it (never leave it half-migrated).

        A Spark start still in progress is abandoned: the JVM ends with this process.
        """
        with self._lock:
            self._finishing = True
            started = self._store_started
        if started:
            self.join()


def start_warm_up(settings: Settings, tasks: Sequence[WheelTask]) -> WarmUp | None:
    """Start warming what the job's tasks need; None when none of them is one of ours."""
    ours = known_tasks(tasks)
    if not ours:
        return None
    try:
        _import_shared_libraries()
    except ImportError:  # no local extra (pyspark): the first task says so, with the install command
        return None
    warm_up = WarmUp(settings, mlflow=any(t.uses_mlflow for t in ours))
    warm_up.start()
    return warm_up


def _import_shared_libraries() -> None:
    """Import, in this thread, the libraries both Spark's start and the first task load.

    Two threads importing the same package at once can meet on Python's per-module import locks (a circular
    import across threads raises a deadlock error); once these are loaded, the warm-up thread (pyspark,
    protobuf) and the tasks (scikit-learn, scipy) import disjoint packages.
    """
    import cloudpickle  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401
    import pyspark.sql  # noqa: F401
