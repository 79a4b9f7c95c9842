"""Resolve a task's parameters locally: bundle `${...}` references first, then Databricks `{{...}}` dynamic values."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from iris_mlops.errors import ConfigError

REFERENCE = re.compile(r"\$\{([A-Za-z0-9_.\-\[\]]+)\}")
DYNAMIC = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")
_MAX_DEPTH = 10


def variable_values(
    document: Mapping[str, Any], *, target: str, config: Mapping[str, Any]
) -> dict[str, Any]:
    """`var.*` values: declared defaults, then the target's overrides (when `target` is a bundle target), then the
    environment's configuration for variables named like a top-level config key (catalog, schema)."""
    declared = document.get("variables") or {}
    values: dict[str, Any] = {
        name: spec["default"] for name, spec in declared.items() if isinstance(spec, Mapping) and "default" in spec
    }
    target_spec = (document.get("targets") or {}).get(target) or {}
    for name, value in (target_spec.get("variables") or {}).items():
        values[name] = value.get("default") if isinstance(value, Mapping) else value
    for name in declared:
        if isinstance(config.get(name), (str, int, float, bool)):
            values[name] = config[name]
    return values


def reference_values(
    document: Mapping[str, Any], *, target: str, config: Mapping[str, Any], bundle_dir: Path | None = None
) -> dict[str, Any]:
    """Every `${...}` reference the local runner can resolve."""
    variables = variable_values(document, target=target, config=config)
    values: dict[str, Any] = {f"var.{name}": value for name, value in variables.items()}
    values["bundle.target"] = target
    values["bundle.name"] = (document.get("bundle") or {}).get("name", "")
    values["bundle.git.commit"] = git_commit(bundle_dir) if bundle_dir is not None else ""
    return values


def git_commit(folder: Path) -> str:
    """The commit checked out in `folder`, as the CLI fills `${bundle.git.commit}` at deploy time; "" outside git."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):  # git missing or hanging: the commit is simply unknown
        return ""
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", commit) else ""


def resolve_references(text: str, references: Mapping[str, Any], *, where: str) -> str:
    """Substitute `${...}`; values may themselves hold references. Unknown ones raise a ConfigError naming `where`."""
    for _ in range(_MAX_DEPTH):
        if not REFERENCE.search(text):
            return text
        text = REFERENCE.sub(lambda m: _lookup(m.group(1), references, where=where), text)
    raise ConfigError(f"{where}: ${{...}} references nest deeper than {_MAX_DEPTH} levels (a self-reference?)")


def _lookup(name: str, references: Mapping[str, Any], *, where: str) -> str:
    if name not in references:
        hint = " (no default: give it one or set it in conf/<env>.yml)" if name.startswith("var.") else ""
        raise ConfigError(f"{where}: cannot resolve ${{{name}}} locally{hint}")
    value = references[name]
    if value is None:
        raise ConfigError(f"{where}: ${{{name}}} has no value")
    return str(value).lower() if isinstance(value, bool) else str(value)


def dynamic_values(*, job_key: str, job_name: str, run_id: str, task_key: str, started: datetime,
                   job_parameters: Mapping[str, str]) -> dict[str, str]:
    """The `{{...}}` dynamic value references of one task run, with local stand-ins for the Databricks ids."""
    values = {
        "job.id": job_key,
        "job.name": job_name,
        "job.run_id": run_id,
        "job.repair_count": "0",
        "job.trigger.type": "one_time",
        "job.start_time.iso_datetime": started.isoformat(timespec="seconds"),
        "job.start_time.iso_date": started.date().isoformat(),
        "job.start_time.timestamp_ms": str(int(started.timestamp() * 1000)),
        "task.name": task_key,
        "task.run_id": f"{run_id}-{task_key}",
        "task.execution_count": "1",
    }
    values.update({f"job.parameters.{name}": value for name, value in job_parameters.items()})
    return values


def resolve_dynamic(text: str, values: Mapping[str, str], *, where: str) -> str:
    """Substitute `{{...}}` dynamic values; unknown ones raise a ConfigError listing what the runner knows."""

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            known = ", ".join(sorted(values))
            raise ConfigError(f"{where}: unknown dynamic value {{{{{name}}}}}; known locally: {known}")
        return values[name]

    return DYNAMIC.sub(lookup, text)
