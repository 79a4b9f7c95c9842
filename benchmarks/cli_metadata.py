"""Wall time of the metadata commands: the Delta log through delta-rs (no Spark) against the Spark path.

    python benchmarks/cli_metadata.py [--repeat 3] [--home DIR]

Prepares one temporary home (bronze -> silver -> gold, untimed), then runs each command as its own process,
as a person would: `tables list`, `tables show`, `tables history`, `batches list` and `--help`, and, as the
baseline measured in the same run, the same answers computed the way these commands did before (a local
SparkSession reading the tables through the store). Target on 2 cores: each command under 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-c", "from iris_mlops.cli import main; main()"]
COMMANDS = {
    "tables list": ["tables", "list"],
    "tables show": ["tables", "show", "iris_silver"],
    "tables history": ["tables", "history", "iris_silver"],
    "batches list": ["batches", "list"],
    "--help": ["--help"],
}
# The pre-change code path: a SparkSession and the Spark-reading store answer the same questions.
SPARK_BASELINE = """
from iris_mlops.config import load_settings
from iris_mlops.spark import get_spark
from iris_mlops.storage import make_store
settings = load_settings()
store = make_store(settings, get_spark())
name = settings.table("silver")
tables = [(n, store.version(n)) for n in store.list_tables(settings.catalog, settings.schema_name)]
rows = store.read(name).count()
history = store.history(name)
"""
SPARK_BATCHES = """
from iris_mlops.commands.batches import batch_rows
from iris_mlops.tasks.context import task_context
with task_context("batches", env=None) as ctx:
    batch_rows(ctx)
"""


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one process; a failing command stops the benchmark with its output."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{argv[-1]} failed ({done.returncode}): {done.stderr.strip()[:500]}")
    return time.perf_counter() - started


def prepare(home: Path, env: dict[str, str]) -> None:
    """Fill the home: the embedded Iris data through bronze, silver and gold (not timed)."""
    for task in ("bronze", "silver", "gold"):
        subprocess.run([*CLI, task], env=env, check=True, capture_output=True)


def main() -> None:
    """Print the median wall time of each command and of the Spark baseline, with their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--home", type=Path, default=None)
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="iris-mlops-bench-"))
    env = {**os.environ, "IRIS_MLOPS_HOME": str(home), "IRIS_MLOPS_ENV": "local"}
    print(f"home {home}; {os.cpu_count()} CPUs; median of {args.repeat}")
    prepare(home, env)
    figures = {label: [timed([*CLI, *argv], env) for _ in range(args.repeat)] for label, argv in COMMANDS.items()}
    spark = [timed([sys.executable, "-c", SPARK_BASELINE], env) for _ in range(args.repeat)]
    spark_batches = [timed([sys.executable, "-c", SPARK_BATCHES], env) for _ in range(args.repeat)]
    baseline = statistics.median(spark)
    print(f"{'command':<16} {'median s':>9} {'max s':>7}  target 1.5 s")
    for label, times in figures.items():
        median = statistics.median(times)
        mark = "ok" if max(times) < 1.5 else "SLOW"
        print(f"{label:<16} {median:>9.2f} {max(times):>7.2f}  {mark}")
    print(f"{'spark: list+show+history':<26} {baseline:.2f} s (one process answering all three)")
    print(f"{'spark: batches list':<26} {statistics.median(spark_batches):.2f} s")
    fast = statistics.median(figures["tables show"])
    print(f"ratio tables show / spark baseline: {fast / baseline:.2f} ({baseline / fast:.1f}x faster)")
    batches = statistics.median(figures["batches list"]) / statistics.median(spark_batches)
    print(f"ratio batches list / spark: {batches:.2f}")


if __name__ == "__main__":
    main()
