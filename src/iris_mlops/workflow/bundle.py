"""Load a Databricks Asset Bundle: databricks.yml merged with its `include` files, as the CLI merges them.

Mirrors the CLI loader closely enough for schema checks and the local runner: include globs are relative to the
bundle root (each pattern's matches sorted, a file loaded once), maps merge recursively, sequences concatenate,
scalars are replaced, and one resource key defined in two files is an error. Variables are not resolved here.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from iris_mlops.errors import ConfigError

ROOT_FILE_NAMES = ("databricks.yml", "databricks.yaml", "bundle.yml", "bundle.yaml")
CONFIG_SUFFIXES = (".yml", ".yaml", ".json")
GLOB_CHARS = "*?["
BUNDLE_DIR_ENV = "IRIS_MLOPS_BUNDLE_DIR"


class BundleError(ConfigError):
    """The bundle files cannot be found, read or merged."""


def find_bundle_root(start: Path | None = None) -> Path:
    """The folder holding databricks.yml: $IRIS_MLOPS_BUNDLE_DIR, `start` (default cwd) or a parent, or the packaged.

    The packaged copy (iris_mlops/bundle in the wheel) makes `iris-mlops run` work from any folder.
    """
    explicit = os.environ.get(BUNDLE_DIR_ENV)
    if explicit:
        root = Path(explicit)
        find_root_file(root)
        return root.resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _has_root_file(folder):
            return folder
    packaged = packaged_bundle_dir()
    if packaged is not None:
        return packaged
    raise BundleError(f"no databricks.yml in {here} or its parents: run from the project or set {BUNDLE_DIR_ENV}")


def packaged_bundle_dir() -> Path | None:
    """The job definitions shipped with the package (iris_mlops/bundle in a wheel, the checkout's root), or None."""
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "bundle", package.parents[1]):
        if _has_root_file(folder) and (folder / "resources").is_dir():
            return folder
    return None


def _has_root_file(folder: Path) -> bool:
    return any((folder / name).is_file() for name in ROOT_FILE_NAMES)


def find_root_file(bundle_dir: Path) -> Path:
    for name in ROOT_FILE_NAMES:
        candidate = bundle_dir / name
        if candidate.is_file():
            return candidate
    raise BundleError(f"no databricks.yml in {bundle_dir}")


def load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise BundleError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise BundleError(f"{path}: top level must be a mapping")
    return data


def expand_includes(bundle_dir: Path, patterns: list[str], root_file: Path) -> list[Path]:
    """The files the `include` patterns name, in the CLI's order."""
    seen = {root_file.resolve()}
    files: list[Path] = []
    for pattern in patterns:
        if Path(pattern).is_absolute():
            raise BundleError(f"{pattern}: includes must be relative paths")
        matches = sorted(glob.glob(pattern, root_dir=bundle_dir))
        if not matches and not any(c in pattern for c in GLOB_CHARS):
            raise BundleError(f"{pattern} defined in 'include' section does not match any files")
        for rel in matches:
            path = (bundle_dir / rel).resolve()
            if path in seen:
                continue
            seen.add(path)
            if path.suffix not in CONFIG_SUFFIXES:
                raise BundleError(f"{rel}: files in 'include' must be YAML or JSON")
            files.append(path)
    return files


def merge(a: Any, b: Any, where: str = "") -> Any:
    """CLI merge semantics: maps merge, sequences concatenate, scalars are replaced."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, dict):
        if not isinstance(b, dict):
            raise BundleError(f"{where or '<root>'}: cannot merge map with {type(b).__name__}")
        out = dict(a)
        for key, value in b.items():
            out[key] = merge(out[key], value, f"{where}.{key}".lstrip(".")) if key in out else value
        return out
    if isinstance(a, list):
        if not isinstance(b, list):
            raise BundleError(f"{where}: cannot merge sequence with {type(b).__name__}")
        return a + b
    if isinstance(b, (dict, list)):
        raise BundleError(f"{where}: cannot merge {type(a).__name__} with {type(b).__name__}")
    return b


def resource_keys(doc: Mapping[str, Any]) -> set[str]:
    resources = doc.get("resources") or {}
    return {key for group in resources.values() if isinstance(group, dict) for key in group}


def load_bundle(bundle_dir: Path) -> dict[str, Any]:
    """The merged bundle document (what the JSON schema describes); variables unresolved, no target selected."""
    root_file = find_root_file(bundle_dir)
    merged = load_yaml(root_file)
    owner = {key: root_file.name for key in resource_keys(merged)}
    for path in expand_includes(bundle_dir, merged.get("include") or [], root_file):
        fragment = load_yaml(path)
        rel = str(path.relative_to(bundle_dir.resolve()))
        fragment.pop("include", None)  # the CLI ignores (and warns about) includes outside the root file
        for key in resource_keys(fragment):
            if key in owner:
                raise BundleError(f"resource key {key!r} defined in both {owner[key]} and {rel}")
            owner[key] = rel
        merged = merge(merged, fragment)
    return merged


def bundle_jobs(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The job resources of a merged bundle, by resource key."""
    jobs = (document.get("resources") or {}).get("jobs") or {}
    return {key: value for key, value in jobs.items() if isinstance(value, dict)}
