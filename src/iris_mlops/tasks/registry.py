"""The one list of tasks. The CLI subcommands, the console scripts (iris_mlops.entrypoints, pyproject's
[project.scripts]) and the bundle checks are all derived from TASKS; to add a task, see docs/architecture.md.
"""

from __future__ import annotations

from typing import Any

from iris_mlops.errors import ConfigError
from iris_mlops.tasks import (
    automl,
    eda_benchmark,
    features,
    inference,
    medallion,
    monitor,
    notify_failure,
    quality,
    serving,
    stream_inference,
    training,
)
from iris_mlops.tasks.command import Task

# In pipeline order; each entry is a `@task`-decorated run function.
TASKS: tuple[Task[Any, Any], ...] = (
    medallion.run_bronze,
    medallion.run_silver,
    medallion.run_gold,
    quality.run_data_quality,
    features.run_feature_store,
    training.run_train,
    serving.run_deploy_serving,
    automl.run_automl_task,
    eda_benchmark.run_eda_benchmark,
    inference.run_batch_inference,
    stream_inference.run_stream_inference,
    monitor.run_monitor,
    notify_failure.run_notify_failure,
)


def task_names() -> list[str]:
    """Every task name, in pipeline order."""
    return [t.name for t in TASKS]


def get_task(name: str) -> Task[Any, Any]:
    """The task called `name`."""
    for candidate in TASKS:
        if candidate.name == name:
            return candidate
    from iris_mlops.suggest import did_you_mean

    raise ConfigError(f"unknown task {name!r}; {did_you_mean(name, task_names())}tasks: {', '.join(task_names())}")
