"""Console scripts `iris-mlops-<task>`: the `entry_point` of each Databricks python_wheel_task."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import typer

from iris_mlops.tasks.registry import load_tasks


def run_task(name: str, argv: Sequence[str] | None = None) -> int:
    """Run the task `name` with command-line arguments and return its exit code (never calls sys.exit)."""
    task = load_tasks()[name]
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command(name, help=task.help)(task.func)
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    # Standalone mode lets typer report usage errors (exit 2), --help (exit 0) and task errors (their code)
    # itself; it ends with SystemExit, which becomes our return value so the local runner can go on.
    try:
        command.main(args=args, prog_name=task.console_script, standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def console(name: str) -> Callable[[], int]:
    """The console-script function for one task (setuptools wraps it in sys.exit)."""

    def main(argv: Sequence[str] | None = None) -> int:
        return run_task(name, argv)

    main.__name__ = name.replace("-", "_")
    main.__doc__ = f"Console script iris-mlops-{name}."
    return main


bronze = console("bronze")
silver = console("silver")
gold = console("gold")
data_quality = console("data-quality")
feature_store = console("feature-store")
train = console("train")
automl = console("automl")
eda_benchmark = console("eda-benchmark")
