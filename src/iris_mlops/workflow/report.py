"""What a local run shows: one line per task event on stderr, then a summary table on stdout."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import typer

from iris_mlops import progress

if TYPE_CHECKING:
    from iris_mlops.workflow.runner import RunResult


def _stderr(message: str) -> None:
    progress.echo(message)  # above a live progress line, when a task shows one


def _stdout(message: str) -> None:
    typer.echo(message)


class Reporter:
    """Progress lines (stderr, next to the tasks' own logs) and the final summary table (stdout)."""

    def __init__(self, progress: Callable[[str], None] = _stderr, output: Callable[[str], None] = _stdout) -> None:
        self.progress = progress
        self.output = output

    def header(self, job: str, env: str, run_id: str, selected: Sequence[str], total: int) -> None:
        scope = "all tasks" if len(selected) == total else f"{len(selected)} of {total} tasks: {', '.join(selected)}"
        self.progress(f"[workflow] {job} (env {env}, run {run_id}): {scope}")

    def started(self, key: str, position: str, attempt: int, attempts: int, command: Sequence[str]) -> None:
        retry = f", attempt {attempt}/{attempts}" if attempts > 1 else ""
        self.progress(f"[workflow] [{position}] {key} started{retry}: {shlex.join(command)}")

    def retrying(self, key: str, code: int, wait: float) -> None:
        self.progress(f"[workflow] {key} failed with exit code {code}; retrying in {wait:.1f} s")

    def finished(self, key: str, status: str, duration: float, note: str) -> None:
        self.progress(f"[workflow] {key} {status} in {duration:.1f} s" + (f" ({note})" if note else ""))

    def skipped(self, key: str, status: str, note: str) -> None:
        self.progress(f"[workflow] {key} {status}: {note}")

    def summary(self, result: RunResult) -> None:
        rows = [("task", "status", "duration", "attempt", "note")]
        for task in result.tasks:
            ran = task.attempts > 0
            duration = f"{task.duration:.1f} s" if ran else "-"
            attempt = f"{task.attempts}/{task.max_attempts}" if ran else "-"
            rows.append((task.key, task.status.value, duration, attempt, task.note))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]), row[3].rjust(widths[3])]
            self.output("  ".join([*cells, row[4]]).rstrip())
        self.output(f"{result.job}: {result.state.value} in {result.duration:.1f} s (run {result.run_id})")
