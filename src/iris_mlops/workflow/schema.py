"""Validate a merged bundle against the Databricks CLI's JSON schema (`databricks bundle schema`).

The schema's `${...}` patterns use ECMAScript Unicode classes (\\p{L}) that Python's `re` rejects, so the `pattern`
keyword is checked with `regress` (the engine check-jsonschema uses). Every value in the schema is
`oneOf: [<real type>, <"${var...}" string>]`; errors are reported from the branch matching the instance's JSON
type, so that they name the real cause (unknown key, wrong type, bad enum), not a bare "not valid under any".
Needs the `dev` extra (jsonschema and regress come with check-jsonschema).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from iris_mlops.errors import ConfigError

SCHEMA_ENV = "IRIS_MLOPS_BUNDLE_SCHEMA"
# Where the schema is looked for, relative to the bundle root: the first is what
# `databricks bundle schema > .databricks/bundle_schema.json` writes; the second, the copy shared next to this checkout.
SCHEMA_CANDIDATES = (Path(".databricks/bundle_schema.json"), Path("../shared/databricks/bundle_jsonschema.json"))


def find_schema(bundle_root: Path) -> Path | None:
    """The schema file: $IRIS_MLOPS_BUNDLE_SCHEMA, else the first candidate that exists, else None."""
    explicit = os.environ.get(SCHEMA_ENV)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{SCHEMA_ENV}={explicit}: no such file")
        return path
    for candidate in SCHEMA_CANDIDATES:
        path = bundle_root / candidate
        if path.is_file():
            return path.resolve()
    return None


def validate_document(document: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Sorted `path: message` lines, one per schema violation; empty when the document is valid."""
    validator = _validator_class()(schema, format_checker=None)
    causes = [pair for error in validator.iter_errors(document) for pair in _root_causes(error)]
    return sorted({_format_cause(cause, parent) for cause, parent in causes})


def validate_file(document: Mapping[str, Any], schema_path: Path) -> list[str]:
    return validate_document(document, json.loads(schema_path.read_text(encoding="utf-8")))


def _validator_class() -> Any:
    try:
        import regress
        from jsonschema import Draft202012Validator, ValidationError, validators
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ConfigError(f"schema validation needs the dev extra ({exc.name} missing): pip install '.[dev]'") from None
    cache: dict[str, Any] = {}

    def pattern(validator: Any, value: str, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
        if value not in cache:
            cache[value] = regress.Regex(value, flags="u")
        if validator.is_type(instance, "string") and cache[value].find(instance) is None:
            yield ValidationError(f"{instance!r} does not match {value!r}")

    return validators.extend(Draft202012Validator, {"pattern": pattern})


def json_type(instance: Any) -> str:
    if isinstance(instance, bool):
        return "boolean"
    if isinstance(instance, dict):
        return "object"
    if isinstance(instance, list):
        return "array"
    if isinstance(instance, str):
        return "string"
    if isinstance(instance, (int, float)):
        return "number"
    return "null"


def _branch_type(schema: Mapping[str, Any]) -> Any:
    declared = schema.get("type")
    return "number" if declared in ("integer", "number") else declared


def _branch_errors(error: Any) -> list[Any]:
    """Errors of the oneOf branch that best fits the instance: its own JSON type, not the `${var.*}` pattern branch."""
    by_branch: dict[int, list[Any]] = {}
    for sub in error.context:
        by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)
    branches = error.validator_value
    wanted = json_type(error.instance)

    def rank(index: int) -> tuple[bool, bool]:
        branch = branches[index]
        return (_branch_type(branch) != wanted, "pattern" in branch)

    return by_branch[min(by_branch, key=rank)]


def _root_causes(error: Any, parent: Any = None) -> list[tuple[Any, Any]]:
    if error.validator != "oneOf" or not error.context:
        return [(error, parent)]
    return [pair for sub in _branch_errors(error) for pair in _root_causes(sub, error)]


def _format_cause(cause: Any, parent: Any) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in cause.absolute_path)
    message = cause.message
    in_slot = parent is not None and list(cause.absolute_path) == list(parent.absolute_path)
    if in_slot and cause.validator in ("type", "pattern"):
        real = sorted({b["type"] for b in parent.validator_value if "pattern" not in b and "type" in b})
        expected = " or ".join(real) if real else "a value"
        got = json_type(cause.instance)
        if cause.validator == "pattern":
            message = (
                f"{cause.instance!r} is not a valid ${{...}} reference, "
                f"and a plain {got} is not allowed here (expected {expected})"
            )
        else:
            message = f"{cause.instance!r} is a {got}; expected {expected} (or a ${{var.*}} reference)"
    return f"{path.lstrip('.') or '<root>'}: {message}"
