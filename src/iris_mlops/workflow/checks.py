"""What the bundle's JSON schema cannot see: cross-references between its parts, and the entry points of the wheel."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Collection, Iterator, Mapping
from configparser import ConfigParser
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

from iris_mlops.tasks.command import SCRIPT_PREFIX
from iris_mlops.workflow.bundle import bundle_jobs
from iris_mlops.workflow.cron import CronError, validate_quartz
from iris_mlops.workflow.resolve import DYNAMIC, REFERENCE

MODES = ("development", "production")
JOB_TAG = "iris_mlops_job"
# Dynamic value references Databricks documents for job tasks (prefixes end with a dot).
DYNAMIC_PREFIXES = ("job.start_time.", "job.trigger.", "job.parameters.", "tasks.", "backfill.", "workspace.")
DYNAMIC_NAMES = ("job.id", "job.name", "job.run_id", "job.repair_count", "task.name", "task.run_id",
                 "task.execution_count", "task.notebook_path")


@dataclass(frozen=True)
class Problem:
    check: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message} [{self.check}]"


def check_bundle(
    document: Mapping[str, Any], *, scripts: Collection[str], package: str = "iris_mlops"
) -> list[Problem]:
    """Every cross-reference problem of a merged bundle; `scripts` are the console scripts of the built wheel."""
    problems = [*_check_modes(document), *_check_variables(document), *_check_dynamic_values(document)]
    for key, job in bundle_jobs(document).items():
        problems += _check_job(key, job, scripts=scripts, package=package)
    return problems


def _check_modes(document: Mapping[str, Any]) -> Iterator[Problem]:
    for name, target in (document.get("targets") or {}).items():
        mode = (target or {}).get("mode")
        if mode is not None and mode not in MODES:
            yield Problem("mode", f"targets.{name}.mode", f"{mode!r} is not one of {', '.join(MODES)}")


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}".lstrip("."))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}[{index}]")


def _check_variables(document: Mapping[str, Any]) -> Iterator[Problem]:
    declared = set(document.get("variables") or {})
    for path, text in _strings(document):
        for match in REFERENCE.finditer(text):
            parts = match.group(1).split(".")
            if parts[0] == "var" and re.sub(r"\[\d+\]$", "", parts[1] if len(parts) > 1 else "") not in declared:
                yield Problem("variables", path, f"${{{match.group(1)}}} is not declared under `variables`")
    for name, target in (document.get("targets") or {}).items():
        for var in (target or {}).get("variables") or {}:
            if var not in declared:
                yield Problem("variables", f"targets.{name}.variables.{var}", "sets a variable that is not declared")


def _check_dynamic_values(document: Mapping[str, Any]) -> Iterator[Problem]:
    for path, text in _strings(document):
        for match in DYNAMIC.finditer(text):
            name = match.group(1)
            if name not in DYNAMIC_NAMES and not name.startswith(DYNAMIC_PREFIXES):
                yield Problem("dynamic", path, f"{{{{{name}}}}} is not a documented dynamic value reference")


def _check_job(key: str, job: Mapping[str, Any], *, scripts: Collection[str], package: str) -> list[Problem]:
    where = f"resources.jobs.{key}"
    problems: list[Problem] = []
    if (job.get("tags") or {}).get(JOB_TAG) != key:
        message = f"needs {JOB_TAG}: {key} (workspace run-job finds the deployed job by it)"
        problems.append(Problem("tags", f"{where}.tags", message))
    schedule = job.get("schedule") or {}
    if "quartz_cron_expression" in schedule:
        try:
            validate_quartz(str(schedule["quartz_cron_expression"]))
        except CronError as exc:
            problems.append(Problem("cron", f"{where}.schedule.quartz_cron_expression", str(exc)))
    tasks = [t for t in job.get("tasks") or [] if isinstance(t, Mapping)]
    keys = [str(t.get("task_key")) for t in tasks]
    environments = {str(e.get("environment_key")) for e in job.get("environments") or []}
    for index, task in enumerate(tasks):
        here = f"{where}.tasks[{index}]"
        if keys.count(keys[index]) > 1:
            problems.append(Problem("task_key", f"{here}.task_key", f"{keys[index]!r} is used twice in the job"))
        for dep in task.get("depends_on") or []:
            if dep.get("task_key") not in keys:
                message = f"{dep.get('task_key')!r} is not a task of {key}"
                problems.append(Problem("depends_on", f"{here}.depends_on", message))
        env_key = task.get("environment_key")
        if env_key is not None and env_key not in environments:
            message = f"{env_key!r} is not in the job's environments"
            problems.append(Problem("environment_key", f"{here}.environment_key", message))
        problems += _check_wheel_task(here, task, scripts=scripts, package=package)
    return problems


def _check_wheel_task(where: str, task: Mapping[str, Any], *, scripts: Collection[str], package: str) -> list[Problem]:
    wheel = task.get("python_wheel_task")
    if not isinstance(wheel, Mapping):
        return []
    problems: list[Problem] = []
    entry_point, key = str(wheel.get("entry_point", "")), str(task.get("task_key", ""))
    if entry_point not in scripts:
        problems.append(Problem("entry_point", f"{where}.python_wheel_task.entry_point",
                                f"{entry_point!r} is not a console script of the built wheel"))
    if _normalize(str(wheel.get("package_name", ""))) != _normalize(package):
        problems.append(Problem("package_name", f"{where}.python_wheel_task.package_name", f"should be {package!r}"))
    name = entry_point.removeprefix(SCRIPT_PREFIX)
    if not (key == name or key.startswith(f"{name}-")):
        problems.append(Problem("task_key", f"{where}.task_key", f"{key!r} should equal its task's name {name!r} "
                                f"(or start with '{name}-' when the job runs the task twice)"))
    return problems


def _normalize(name: str) -> str:
    return name.lower().replace("-", "_")


def wheel_console_scripts(wheel: Path) -> set[str]:
    """Console scripts declared in a built wheel's entry_points.txt."""
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = archive.read(names[0]).decode("utf-8") if names else ""
    return _console_scripts(text)


def installed_console_scripts(dist: str = "iris-mlops") -> set[str]:
    """Console scripts of the installed distribution (an editable install reflects pyproject.toml at install time)."""
    try:
        return {ep.name for ep in distribution(dist).entry_points if ep.group == "console_scripts"}
    except PackageNotFoundError:
        return set()


def _console_scripts(entry_points_txt: str) -> set[str]:
    parser = ConfigParser(delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(entry_points_txt)
    return set(parser["console_scripts"]) if parser.has_section("console_scripts") else set()
