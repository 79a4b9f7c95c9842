"""Checkpoints bind a suite to a table and to actions: write results, render the report, fail, notify."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iris_mlops.config import Settings, TablesConfig
from iris_mlops.quality.notify import dispatch, event_for
from iris_mlops.quality.report import write_report
from iris_mlops.quality.results import SuiteResult
from iris_mlops.quality.suite import Suite, SuiteError, load_suite
from iris_mlops.quality.tables import checkpoints_dir, suites_dir, table_columns

if TYPE_CHECKING:
    from iris_mlops.tasks.context import TaskContext

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


def load_checkpoints(settings: Settings) -> list[Checkpoint]:
    """Every checkpoint in the checkpoints folder, in file-name order."""
    return [load_checkpoint(p) for p in sorted(checkpoints_dir(settings).glob("*.yml"))]


def checkpoint_for(settings: Settings, table_key: str) -> Checkpoint | None:
    """The checkpoint that validates `table_key`, or None."""
    return next((c for c in load_checkpoints(settings) if c.table == table_key), None)


def suite_of(settings: Settings, checkpoint: Checkpoint) -> Suite:
    """Load the checkpoint's suite, validated against the table's known columns."""
    suite = load_suite(suites_dir(settings) / f"{checkpoint.suite}.yml", columns=table_columns(checkpoint.table),
                       other_columns=_other_columns(settings, checkpoint))
    if suite.table != checkpoint.table:
        raise SuiteError(f"checkpoint {checkpoint.name}: suite {suite.name} is for table {suite.table!r}, "
                         f"not {checkpoint.table!r}")
    return suite


def _other_columns(settings: Settings, checkpoint: Checkpoint) -> dict[str, dict[str, str]]:
    found = {}
    for key in TablesConfig.model_fields:
        columns = table_columns(key) if key != checkpoint.table else None
        if columns:
            found[key] = columns
    return found


def publish(ctx: TaskContext, checkpoints: Sequence[Checkpoint], results: Sequence[SuiteResult]) -> list[SuiteResult]:
    """Run the checkpoints' actions other than failing: dq_results, one report for the run, notifications."""
    from iris_mlops.quality.history import append_results

    settings = ctx.settings
    pairs = list(zip(checkpoints, results, strict=True))
    stored = [r for c, r in pairs if c.has("write_results")]
    if stored and settings.quality.write_results:
        append_results(ctx.store, settings.table("dq_results"), stored, run_id=ctx.run_id)
    reported = [r for c, r in pairs if c.has("render_report")]
    out = list(results)
    if reported and settings.quality.html_report:
        path = str(write_report(settings.reports_dir / "quality", ctx.run_id, reported))
        out = [r.model_copy(update={"report_path": path}) if c.has("render_report") else r
               for c, r in zip(checkpoints, results, strict=True)]
    for checkpoint, result in zip(checkpoints, out, strict=True):
        event = event_for(result)
        if checkpoint.has("notify") and event is not None and event.level in checkpoint.notify_on:
            dispatch(event)
    return out
