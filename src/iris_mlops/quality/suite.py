"""Expectation suites as versioned YAML files, validated completely when they are loaded."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iris_mlops.config import TablesConfig
from iris_mlops.errors import ConfigError
from iris_mlops.quality.catalogue import CATALOGUE, Kwargs, Spec

Severity = Literal["error", "warn"]
NUMERIC_TYPES = ("DoubleType", "FloatType", "LongType", "IntegerType", "ShortType", "ByteType", "DecimalType")


class SuiteError(ConfigError):
    """A suite or checkpoint file is malformed; the message names the file, the expectation and the problem."""


class _ExpectationFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    kwargs: dict[str, Any] = Field(default_factory=dict)
    severity: Severity | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class _SuiteFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    table: str = Field(min_length=1, description="table key in settings.tables, e.g. 'silver'")
    description: str = ""
    default_severity: Severity = "error"
    expectations: list[_ExpectationFile] = Field(min_length=1)


@dataclass(frozen=True)
class Expectation:
    """One validated expectation of a suite."""

    index: int
    type: str
    kwargs: Kwargs
    severity: Severity
    spec: Spec
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def column(self) -> str | None:
        return getattr(self.kwargs, "column", None)

    @property
    def label(self) -> str:
        """A short name for messages: the type and its column."""
        return f"{self.type}({self.column})" if self.column else self.type

    def kwargs_dict(self) -> dict[str, Any]:
        """The arguments as written (defaults left out), GX-style."""
        return self.kwargs.model_dump(exclude_unset=True)


@dataclass(frozen=True)
class Suite:
    name: str
    version: str
    table: str
    expectations: tuple[Expectation, ...]
    description: str = ""
    path: Path | None = None


def load_suite(path: Path, *, columns: Mapping[str, str] | None = None,
               other_columns: Mapping[str, Mapping[str, str]] | None = None) -> Suite:
    """Read and validate a suite file.

    Args:
        path: the YAML file.
        columns: the table's columns and Spark type class names ('DoubleType'); when None, the columns the suite
            itself declares with a column-list expectation are used, and types are not checked.
        other_columns: columns of other tables (by table key) for cross-table expectations.
    """
    return suite_from_mapping(_read(path), path=path, columns=columns, other_columns=other_columns)


def suite_from_mapping(raw: Mapping[str, Any], *, path: Path, columns: Mapping[str, str] | None = None,
                       other_columns: Mapping[str, Mapping[str, str]] | None = None) -> Suite:
    """Validate a suite already read (a YAML file's content, an imported GX suite); `path` names it in errors."""
    try:
        parsed = _SuiteFile.model_validate(raw)
    except ValidationError as exc:
        raise SuiteError(f"{path}: {_first_error(exc)}") from None
    items = [_expectation(path, i, item, parsed.default_severity) for i, item in enumerate(parsed.expectations, 1)]
    known = dict(columns) if columns is not None else _declared_columns(items)
    for item in items:
        _check_columns(path, item, known, typed=columns is not None)
        _check_other(path, item, other_columns or {})
    return Suite(parsed.name, parsed.version, parsed.table, tuple(items), parsed.description, path)


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SuiteError(f"suite file {path} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: a suite file must hold a mapping with name, version, table and expectations")
    return data


def _expectation(path: Path, index: int, item: _ExpectationFile, default: Severity) -> Expectation:
    spec = CATALOGUE.get(item.type)
    where = f"{path}: expectation #{index} ({item.type})"
    if spec is None:
        close = difflib.get_close_matches(item.type, CATALOGUE, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise SuiteError(f"{where}: unknown expectation{hint}")
    try:
        kwargs = spec.kwargs.model_validate(item.kwargs)
    except ValidationError as exc:
        raise SuiteError(f"{where}: {_first_error(exc)}") from None
    return Expectation(index, item.type, kwargs, item.severity or default, spec, item.meta)


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    kind = first["type"]
    if kind == "missing":
        return f"missing argument {where!r}"
    if kind == "extra_forbidden":
        return f"unknown argument {where!r}"
    message = first["msg"].removeprefix("Value error, ")
    return f"argument {where!r}: {message}" if where else message


def _declared_columns(items: list[Expectation]) -> dict[str, str]:
    for item in items:
        declared = getattr(item.kwargs, "column_list", None) or getattr(item.kwargs, "column_set", None)
        if declared:
            return {c: "" for c in declared}
    return {}


def _check_columns(path: Path, item: Expectation, known: Mapping[str, str], *, typed: bool) -> None:
    if not known:
        return
    where = f"{path}: expectation #{item.index} ({item.type})"
    for column in item.kwargs.columns():
        if column not in known:
            close = difflib.get_close_matches(column, list(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise SuiteError(f"{where}: unknown column {column!r}{hint}")
    target = item.column
    if not typed or not target:
        return
    found = known[target]
    if item.spec.numeric and getattr(item.kwargs, "parse_as", None) is None and found not in NUMERIC_TYPES:
        raise SuiteError(f"{where}: column {target!r} is {found}, not numeric; add parse_as: double to parse it")
    values = getattr(item.kwargs, "value_set", None) or getattr(item.kwargs, "groups", None) or []
    wrong = [v for v in values if not _comparable(v, found)]
    if wrong:  # Spark's ANSI mode would fail the whole scan on such a comparison
        raise SuiteError(f"{where}: value {wrong[0]!r} cannot be compared with column {target!r} ({found})")


def _comparable(value: Any, column_type: str) -> bool:
    if column_type in NUMERIC_TYPES:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if column_type == "StringType":
        return isinstance(value, str)
    if column_type == "BooleanType":
        return isinstance(value, bool)
    return True


def _check_other(path: Path, item: Expectation, other_columns: Mapping[str, Mapping[str, str]]) -> None:
    other = getattr(item.kwargs, "other_table", None)
    if not other:
        return
    if other not in TablesConfig.model_fields:
        known = ", ".join(TablesConfig.model_fields)
        raise SuiteError(f"{path}: expectation #{item.index} ({item.type}): unknown other_table {other!r} ({known})")
    other_column = getattr(item.kwargs, "other_column", None)
    if not other_column or other not in other_columns:
        return
    if other_column not in other_columns[other]:
        raise SuiteError(
            f"{path}: expectation #{item.index} ({item.type}): unknown column {other_column!r} in table {other!r}"
        )
