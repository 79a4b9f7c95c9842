"""One bundle target as `databricks bundle ... -t TARGET` sees it: its overrides merged in, its variables' values.

Mirrors the CLI (bundle/config/root.go `MergeTargetOverrides`, mutator/set_variables.go): `bundle`, `workspace`,
`artifacts`, `resources`, `sync`, `permissions` and `presets` merge (maps recursively, sequences concatenate);
`run_as` replaces (`mode` stays under `targets`: the schema has no place for it elsewhere); a target's variable
value (shorthand or `default:`) replaces the declared default, a `lookup:` replaces it too. A variable then takes
`BUNDLE_VAR_<name>`, else a lookup, else its default; one with none of them stops the CLI (`unset_variables`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from iris_mlops.workflow.bundle import BundleError, merge

MERGED_FIELDS = ("bundle", "workspace", "artifacts", "resources", "sync", "permissions", "presets")
BUNDLE_VAR_PREFIX = "BUNDLE_VAR_"


def select_target(document: Mapping[str, Any], target: str) -> dict[str, Any]:
    """The merged document with `targets.<target>` applied and `targets` removed (what the JSON schema describes)."""
    targets = document.get("targets") or {}
    if target not in targets:
        raise BundleError(f"no target {target!r} in the bundle; targets: {', '.join(sorted(targets)) or 'none'}")
    spec: Mapping[str, Any] = targets[target] or {}
    selected = copy.deepcopy({key: value for key, value in document.items() if key != "targets"})
    for field in MERGED_FIELDS:
        if field in spec:
            selected[field] = merge(selected.get(field), copy.deepcopy(spec[field]), field)
    selected["variables"] = _variables(selected.get("variables") or {}, spec.get("variables") or {}, target)
    if "run_as" in spec:
        selected["run_as"] = copy.deepcopy(spec["run_as"])
    return selected


def _variables(declared: Mapping[str, Any], overrides: Mapping[str, Any], target: str) -> dict[str, Any]:
    variables = {name: dict(spec or {}) for name, spec in declared.items()}
    for name, value in overrides.items():
        if name not in variables:
            raise BundleError(f"targets.{target}: variable {name} is not defined but is assigned a value")
        override = value if isinstance(value, Mapping) and ({"default", "lookup"} & set(value)) else {"default": value}
        if "default" in override:
            variables[name]["default"] = override["default"]
            variables[name].pop("lookup", None)
        if "lookup" in override:
            variables[name]["lookup"] = override["lookup"]
            variables[name].pop("default", None)
    return variables


def variable_values(selected: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """The value of each variable of a selected target that has one: BUNDLE_VAR_<name>, else a lookup, else default."""
    values: dict[str, Any] = {}
    for name, spec in (selected.get("variables") or {}).items():
        if f"{BUNDLE_VAR_PREFIX}{name}" in environ:
            values[name] = environ[f"{BUNDLE_VAR_PREFIX}{name}"]
        elif spec.get("lookup") is not None:
            values[name] = {"lookup": spec["lookup"]}  # resolved by the CLI against the workspace
        elif spec.get("default") is not None:
            values[name] = spec["default"]
    return values


def unset_variables(selected: Mapping[str, Any], environ: Mapping[str, str]) -> list[str]:
    """Variables of a selected target without a value: the CLI refuses to validate or deploy while any is left."""
    values = variable_values(selected, environ)
    return sorted(name for name in selected.get("variables") or {} if name not in values)
