"""Progress of long steps (Spark start, AutoML trials, benchmark folds, charts): a live line on a terminal.

The display goes to stderr and only when stderr is a terminal; piped or redirected output gets nothing, so
`--json` on stdout stays parseable. Lower packages never import this module: they take a plain
`ProgressCallback(done, total)` and the task passes `step(...)`'s callback in.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

ProgressCallback = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """A ProgressCallback that shows nothing."""


def enabled() -> bool:
    """True when stderr is a terminal (a live display would corrupt a log file or a pipe)."""
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


class _Display:
    """One shared rich Progress for the whole process: a task and the runner's warm-up thread share it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._progress: Any = None
        self._users = 0

    def add(self, label: str, total: int | None) -> tuple[Any, Any]:
        with self._lock:
            if self._progress is None:
                self._progress = _new_progress()
                self._progress.start()
            self._users += 1
            return self._progress, self._progress.add_task(label, total=total)

    def print(self, message: str) -> bool:
        """Print `message` above the live display; False when there is no display."""
        with self._lock:
            if self._progress is None:
                return False
            self._progress.console.print(message, markup=False, highlight=False, soft_wrap=True)
            return True

    def remove(self, task: Any) -> None:
        with self._lock:
            self._progress.remove_task(task)
            self._users -= 1
            if self._users == 0:
                self._progress.stop()
                self._progress = None


def _new_progress() -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class Count(ProgressColumn):
        """`n/total` for counted steps, nothing for a plain spinner."""

        def render(self, task: Task) -> Text:
            return Text(f"{int(task.completed)}/{int(task.total)}" if task.total else "")

    # transient: the line disappears when the step ends; our own result lines stay. stdout is never redirected.
    return Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=24), Count(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True, redirect_stdout=False,
    )


_DISPLAY = _Display()


def echo(message: str) -> None:
    """One progress line on stderr, printed above a live display when one is showing (never through it)."""
    if not _DISPLAY.print(message):
        import typer

        typer.echo(message, err=True)


@contextmanager
def step(label: str, *, total: int | None = None) -> Iterator[ProgressCallback]:
    """Show `label` with a spinner (or an n/total bar) and the elapsed time while the block runs.

    Yields the callback to report `(done, total)`; a no-op when stderr is not a terminal.
    """
    if not enabled():
        yield no_progress
        return
    progress, task = _DISPLAY.add(label, total)

    def update(done: int, new_total: int) -> None:
        progress.update(task, completed=done, total=new_total, refresh=True)

    try:
        yield update
    finally:
        _DISPLAY.remove(task)
