"""Console scripts `iris-mlops-<task>`: the `entry_point` of each Databricks python_wheel_task.

Databricks' wheel launcher calls the function and ignores what it returns (`entry.load()()`), so a failing
task must RAISE: each console function ends a failure with `SystemExit(code)` and returns None on success.
The functions are derived from tasks.registry.TASKS: `iris_mlops.entrypoints:<task name with _>`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import typer

from iris_mlops.tasks.registry import TASKS, get_task

ConsoleFunction = Callable[..., None]


def run_task(name: str, argv: Sequence[str] | None = None) -> int:
    """Run the task `name` with command-line arguments and return its exit code (never raises SystemExit)."""
    task = get_task(name)
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                      context_settings={"help_option_names": ["-h", "--help"]})
    app.command(name, help=task.help)(task.command())
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    # Standalone mode lets typer report usage errors (exit 2), --help (exit 0) and task errors (their code)
    # itself; it ends with SystemExit, which becomes our return value.
    try:
        command.main(args=args, prog_name=task.console_script, standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def console(name: str) -> ConsoleFunction:
    """The console-script function for one task: returns None on success, raises SystemExit(code) on failure."""

    def main(argv: Sequence[str] | None = None) -> None:
        code = run_task(name, argv)
        if code != 0:
            raise SystemExit(code)

    main.__name__ = name.replace("-", "_")
    main.__doc__ = f"Console script iris-mlops-{name}."
    return main


CONSOLE_FUNCTIONS: dict[str, ConsoleFunction] = {t.function_name: console(t.name) for t in TASKS}


def __getattr__(name: str) -> ConsoleFunction:
    """`iris_mlops.entrypoints:<function>` as pyproject names it, looked up in CONSOLE_FUNCTIONS."""
    try:
        return CONSOLE_FUNCTIONS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
