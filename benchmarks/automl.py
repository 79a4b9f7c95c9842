"""Wall time of `iris-mlops automl` and `iris-mlops eda-benchmark`, and where it goes.

    python benchmarks/automl.py [--repeat 1] [--n-jobs 1 2] [--home DIR]

Prepares one temporary home (bronze -> silver -> feature-store, untimed), then runs each task as its own
process (`--json`), alternating, once per repeat and per `n_jobs` value. Prints the wall time of every
process and the phases the tasks report: model fitting (CV search, winner refit; benchmark CV), MLflow
logging, chart rendering, reading the tables; the rest is interpreter start, imports and Spark start.
Targets on 2 cores: automl < 60 s, eda-benchmark < 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CLI = str(Path(sys.executable).with_name("iris-mlops"))
FIT_PHASES = {"search_fit", "winner_fit_and_log", "benchmark_fit"}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: list[str], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    """Run the CLI once; return its wall time and its --json result (plus the CPU seconds it used)."""
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([CLI, *args], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    print(f"  [{' '.join(args)}: {wall:.1f} s wall, {_children_cpu() - cpu:.1f} s CPU (Python + JVM), "
          f"load average {os.getloadavg()[0]:.1f}]")
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, json.loads(done.stdout) if "--json" in args else {}


def show(name: str, wall: float, timings: dict[str, float]) -> None:
    accounted = sum(timings.values())
    print(f"{name}: {wall:.1f} s wall")
    for phase, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
        print(f"    {phase:<22} {seconds:6.2f} s  {seconds / wall:5.1%}")
    print(f"    {'start, imports, Spark':<22} {wall - accounted:6.2f} s  {(wall - accounted) / wall:5.1%}")
    fit = sum(v for k, v in timings.items() if k in FIT_PHASES)
    print(f"    -> model fitting {fit / wall:.0%}, MLflow logging {timings.get('mlflow_logging', 0) / wall:.0%}, "
          f"chart rendering {timings.get('chart_rendering', 0) / wall:.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1])
    parser.add_argument("--home", type=Path, help="reuse a home whose feature table exists (skips the set-up)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="iris-mlops-bench-") as scratch:
        home = str(args.home or scratch)
        env = {k: v for k, v in os.environ.items() if not k.startswith("IRIS_MLOPS_")} | {"IRIS_MLOPS_HOME": home}
        for step in () if args.home else ("bronze", "silver", "feature-store"):
            run([step], env)
        walls: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            for n_jobs in args.n_jobs:
                jobs = {"IRIS_MLOPS_AUTOML__N_JOBS": str(n_jobs), "IRIS_MLOPS_BENCHMARK__N_JOBS": str(n_jobs)}
                for task in ("automl", "eda-benchmark"):
                    wall, result = run([task, "--json"], env | jobs)
                    show(f"{task} (n_jobs={n_jobs})", wall, result["timings"])
                    walls.setdefault(f"{task} n_jobs={n_jobs}", []).append(wall)
        print("\nmedian wall time (target < 60 s each on 2 cores):")
        for key, values in walls.items():
            print(f"    {key:<28} {statistics.median(values):6.1f} s over {len(values)} run(s)")


if __name__ == "__main__":
    main()
