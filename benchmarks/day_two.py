"""A large file on day two: bronze, silver and gold as the CLI runs them, per local JIT mode, same run.

    python benchmarks/day_two.py [--rows 10000000] [--modes auto quick] [--workdir DIR]

A seeded CSV of --rows plausible Iris rows (benchmarks/ingest.py's generator: some values out of range, so a
share of rows is quarantined) is written once. For each IRIS_MLOPS_SPARK_JIT mode, a fresh process with its own
empty IRIS_MLOPS_HOME runs the `bronze --source FILE`, `silver` and `gold` tasks through the CLI's entry point,
one after the other in that process. It reports each task's seconds and the peak RSS of that Python process and
of its Spark JVM. Each mode's total is also given as a ratio of the first mode's. Figures only, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TASKS = ("bronze", "silver", "gold")


def child(source: Path) -> dict[str, Any]:
    """Run the three tasks in this process (IRIS_MLOPS_HOME and the JIT mode come from the environment)."""
    from iris_mlops.entrypoints import run_task
    from storage import jvm_pid, peak_rss_mb

    seconds = {}
    for task in TASKS:
        start = time.perf_counter()
        code = run_task(task, ["--env", "local", *(["--source", str(source)] if task == "bronze" else [])])
        seconds[task] = round(time.perf_counter() - start, 2)
        if code:
            raise SystemExit(f"{task} exited with {code}")
    jvm = jvm_pid()
    return {"seconds": seconds, "python_mb": round(peak_rss_mb(os.getpid())),
            "jvm_mb": round(peak_rss_mb(jvm)) if jvm else 0}


def run_mode(mode: str, source: Path, workdir: Path) -> dict[str, Any]:
    """One mode in a fresh process and a fresh home."""
    home = Path(tempfile.mkdtemp(prefix=f"home-{mode}-", dir=workdir))
    env = {**os.environ, "IRIS_MLOPS_HOME": str(home), "IRIS_MLOPS_ENV": "local", "IRIS_MLOPS_SPARK_JIT": mode}
    done = subprocess.run([sys.executable, __file__, "--child", str(source)], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--modes", nargs="+", default=["auto", "quick"], choices=["auto", "quick", "full"])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "iris-mlops-bench-day-two")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    from ingest import generate

    args.workdir.mkdir(parents=True, exist_ok=True)
    source = args.workdir / f"iris-{args.rows}.csv"
    if not source.exists():
        generate(source, args.rows)
    print(f"rows: {args.rows:,}  source: {source} ({source.stat().st_size / 2**20:.0f} MB)  cores: {os.cpu_count()}")
    first = None
    for mode in args.modes:
        result = run_mode(mode, source, args.workdir)
        total = sum(result["seconds"].values())
        first = first or total
        tasks = ", ".join(f"{task} {s:.1f} s" for task, s in result["seconds"].items())
        print(f"JIT {mode:5}: {tasks}; total {total:.1f} s ({total / first:.2f}x the first mode); "
              f"peak RSS Python {result['python_mb']} MB, JVM {result['jvm_mb']} MB")


if __name__ == "__main__":
    main()
