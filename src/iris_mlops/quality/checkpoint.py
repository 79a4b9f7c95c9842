"""Checkpoints bind a suite to a table and to actions: write results, render the report, fail, notify.

This module decides which results each action applies to; the task (tasks/gate.py) carries the actions out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iris_mlops.config import TablesConfig
from iris_mlops.quality.notify import QualityEvent, event_for
from iris_mlops.quality.results import SuiteResult
from iris_mlops.quality.suite import Suite, SuiteError, load_suite
from iris_mlops.quality.tables import table_columns

Action = Literal["write_results", "render_report", "fail_on_error", "notify"]


class Checkpoint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    suite: str = Field(min_length=1, description="suite file name in the suites folder, without .yml")
    table: str = Field(description="table key in settings.tables")
    actions: tuple[Action, ...] = ("write_results", "render_report", "fail_on_error", "notify")
    notify_on: tuple[Literal["warn", "error"], ...] = ("warn", "error")

    def has(self, action: Action) -> bool:
        return action in self.actions


def load_checkpoint(path: Path) -> Checkpoint:
    """Read and validate one checkpoint file."""
    if not path.is_file():
        raise SuiteError(f"checkpoint file {path} not found")
    try:
        checkpoint = Checkpoint.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (ValidationError, yaml.YAMLError) as exc:
        detail = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": str(exc)}
        where = ".".join(str(p) for p in detail["loc"])
        raise SuiteError(f"{path}: {where + ': ' if where else ''}{detail['msg']}") from None
    if checkpoint.table not in TablesConfig.model_fields:
        raise SuiteError(f"{path}: unknown table key {checkpoint.table!r} ({', '.join(TablesConfig.model_fields)})")
    return checkpoint


def load_checkpoints(folder: Path) -> list[Checkpoint]:
    """Every checkpoint in `folder` (see quality.tables.checkpoints_dir), in file-name order."""
    return [load_checkpoint(p) for p in sorted(folder.glob("*.yml"))]


def checkpoint_for(checkpoints: Sequence[Checkpoint], table_key: str) -> Checkpoint | None:
    """The checkpoint that validates `table_key`, or None."""
    return next((c for c in checkpoints if c.table == table_key), None)


def suite_of(checkpoint: Checkpoint, *, folder: Path) -> Suite:
    """Load the checkpoint's suite from `folder`, validated against the table's known columns."""
    suite = load_suite(folder / f"{checkpoint.suite}.yml", columns=table_columns(checkpoint.table),
                       other_columns=_other_columns(checkpoint))
    if suite.table != checkpoint.table:
        raise SuiteError(f"checkpoint {checkpoint.name}: suite {suite.name} is for table {suite.table!r}, "
                         f"not {checkpoint.table!r}")
    return suite


def _other_columns(checkpoint: Checkpoint) -> dict[str, dict[str, str]]:
    found = {}
    for key in TablesConfig.model_fields:
        columns = table_columns(key) if key != checkpoint.table else None
        if columns:
            found[key] = columns
    return found


def stored(checkpoints: Sequence[Checkpoint], results: Sequence[SuiteResult]) -> list[SuiteResult]:
    """The results whose checkpoint writes them to dq_results."""
    return [r for c, r in zip(checkpoints, results, strict=True) if c.has("write_results")]


def reported(checkpoints: Sequence[Checkpoint], results: Sequence[SuiteResult]) -> list[SuiteResult]:
    """The results whose checkpoint renders them in the run's HTML report."""
    return [r for c, r in zip(checkpoints, results, strict=True) if c.has("render_report")]


def with_report(
    checkpoints: Sequence[Checkpoint], results: Sequence[SuiteResult], path: str
) -> list[SuiteResult]:
    """The results, those in the report carrying its path."""
    return [r.model_copy(update={"report_path": path}) if c.has("render_report") else r
            for c, r in zip(checkpoints, results, strict=True)]


def events(checkpoints: Sequence[Checkpoint], results: Sequence[SuiteResult]) -> list[QualityEvent]:
    """The notifications the checkpoints ask for (a warning or error at a level in `notify_on`)."""
    found = []
    for checkpoint, result in zip(checkpoints, results, strict=True):
        event = event_for(result)
        if checkpoint.has("notify") and event is not None and event.level in checkpoint.notify_on:
            found.append(event)
    return found
