"""`iris-mlops spark-archive [--force]`: build the local Spark driver's class archive (see iris_mlops.spark_archive).

The archive records the classes a real local run loads: a child process runs the medallion tasks on a scratch
home with the dump option set, then closes its JVM and waits for it, because the JVM writes the archive as it
exits. The file is written under a temporary name and renamed when complete, so a run never maps half an archive.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from iris_mlops.spark_archive import ARCHIVE_ENV, DUMP_ENV, archive_path, prune_stale, record_owner

ForceOption = Annotated[bool, typer.Option("--force", help="Build it again even when it exists.")]
# What the child runs: the tasks of a daily run that use Spark (no MLflow: the archive holds JVM classes only).
WORKLOAD = ("bronze", "silver", "gold", "feature-store", "data-quality")
TIMEOUT_S = 600


def spark_archive(force: ForceOption = False) -> None:
    """Build the class archive that makes local Spark start faster (`make run` and `make test` call this)."""
    path = archive_path()
    if path is None:
        typer.echo(f"no Spark class archive: turned off ({ARCHIVE_ENV}=off), or Java or pyspark is missing")
        return
    with contextlib.suppress(OSError):  # tidying up is optional; an unreadable folder is reported by the build
        for stale in prune_stale(path.parent) if path.parent.is_dir() else []:
            typer.echo(f"removed {stale.name}: its virtualenv or its build process is gone", err=True)
    if path.is_file() and not force:
        typer.echo(f"Spark class archive: {path}")
        return
    typer.echo("building the Spark class archive (once per Java and pyspark, about a minute)…", err=True)
    built = build_archive(path)
    typer.echo(f"Spark class archive: {built}" if built else "the Spark class archive could not be built: local "
               "runs work without it, only their start is slower (details above)")


def build_archive(path: Path) -> Path | None:
    """Run the workload in a child process that dumps to a temporary file; rename it to `path` when complete."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        problem = _dump_in_child(partial)
        if problem is None:
            os.replace(partial, path)
            record_owner(path)
            return path
    except (OSError, subprocess.TimeoutExpired) as exc:  # an unwritable cache, a full disk, a hung child
        problem = f"{type(exc).__name__}: {exc}"
    typer.echo(f"  {problem}", err=True)
    with contextlib.suppress(OSError):
        partial.unlink(missing_ok=True)
    return None


def _dump_in_child(partial: Path) -> str | None:
    """Run the workload in a child process dumping to `partial`; None when the archive is complete, else why not."""
    with tempfile.TemporaryDirectory(prefix="iris-mlops-archive-") as home:
        env = {**os.environ, DUMP_ENV: str(partial), "IRIS_MLOPS_HOME": home, "IRIS_MLOPS_ENV": "local"}
        done = subprocess.run([sys.executable, "-m", "iris_mlops.commands.spark_archive"], env=env, text=True,
                              capture_output=True, timeout=TIMEOUT_S, check=False)
    if done.returncode == 0 and partial.is_file() and partial.stat().st_size > 0:
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit code {done.returncode}"


def _dump() -> int:
    """In the child: run the workload, then end the JVM and wait while it writes the archive."""
    from pyspark import SparkContext

    from iris_mlops.workflow.runner import execute_job

    code = execute_job("iris_workflow", env="local", only=list(WORKLOAD)).exit_code
    gateway = SparkContext._gateway
    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()
    process = getattr(gateway, "proc", None)
    if process is not None and process.stdin is not None:
        process.stdin.close()  # Spark's gateway exits when its stdin closes
        process.wait(timeout=TIMEOUT_S)
    return code


if __name__ == "__main__":
    sys.exit(_dump())
