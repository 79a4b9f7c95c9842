"""The `mlops_full` job in one process vs the same work as three commands (`run`, `automl`, `eda-benchmark`).

    python benchmarks/mlops_full.py [--repeat 1]

Baseline: `iris-mlops run` (the iris_workflow job), then `iris-mlops automl`, then `iris-mlops eda-benchmark`, each
its own process (its own Python start-up, Spark JVM and MLflow store opening). Ours: `iris-mlops workflow run
mlops_full`, one process sharing one Spark session and one MLflow store across its eight tasks. Each side starts from
an empty home of its own, the two alternating per repeat; the parent measures wall time. Where the time goes comes
from the runner's per-task progress lines (`[workflow] <task> SUCCESS in N s`).
Target (issue 12): ours <= 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).parent / "iris-mlops"
TASK_LINE = re.compile(r"^\[workflow\] (\S+) (SUCCESS|FAILED) in ([\d.]+) s", re.MULTILINE)
TARGET_SECONDS = 60.0


def _run(args: list[str], home: Path) -> tuple[float, str]:
    """Run one command with `home` as IRIS_MLOPS_HOME; return its wall time and stderr. A failure stops the script."""
    env = {**os.environ, "IRIS_MLOPS_HOME": str(home), "IRIS_MLOPS_ENV": "local"}
    start = time.perf_counter()
    done = subprocess.run([str(CLI), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"`iris-mlops {' '.join(args)}` exited {done.returncode}:\n{tail}")
    return wall, done.stderr


def three_commands(home: Path) -> dict[str, float]:
    """The baseline: three processes, one after the other, sharing only the home folder."""
    steps: dict[str, float] = {}
    wall, log = _run(["run"], home)
    steps["run (process)"] = wall
    steps.update({f"  run: {task}": float(sec) for task, _, sec in TASK_LINE.findall(log)})
    steps["automl (process)"], _ = _run(["automl"], home)
    steps["eda-benchmark (process)"], _ = _run(["eda-benchmark"], home)
    steps["total"] = steps["run (process)"] + steps["automl (process)"] + steps["eda-benchmark (process)"]
    return steps


def one_process(home: Path) -> dict[str, float]:
    """Ours: the mlops_full job through the local runner, in one process."""
    wall, log = _run(["workflow", "run", "mlops_full"], home)
    steps = {f"  task {task}": float(sec) for task, _, sec in TASK_LINE.findall(log)}
    steps["total"] = wall
    return steps


def _median(samples: list[dict[str, float]]) -> dict[str, float]:
    keys = [key for key in samples[0] if all(key in s for s in samples)]
    return {key: statistics.median(s[key] for s in samples) for key in keys}


def _show(title: str, steps: dict[str, float]) -> None:
    print(f"\n{title}")
    for key, seconds in steps.items():
        if key != "total":
            print(f"  {key:<40} {seconds:7.1f} s")
    print(f"  {'wall time':<40} {steps['total']:7.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="Alternating runs per side (median shown).")
    args = parser.parse_args()
    print(f"mlops_full: {os.cpu_count()} cores, Python {sys.version.split()[0]}, repeat {args.repeat}", flush=True)
    baseline: list[dict[str, float]] = []
    ours: list[dict[str, float]] = []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="iris-bench-3cmd-") as a, tempfile.TemporaryDirectory(
            prefix="iris-bench-full-"
        ) as b:
            baseline.append(three_commands(Path(a)))
            ours.append(one_process(Path(b)))
        print(f"  repeat {i + 1}: three commands {baseline[-1]['total']:.1f} s, "
              f"mlops_full {ours[-1]['total']:.1f} s", flush=True)
    base, mine = _median(baseline), _median(ours)
    _show("three commands (run, automl, eda-benchmark), each its own process:", base)
    _show("mlops_full in one process (one Spark session, one MLflow store):", mine)
    verdict = "meets" if mine["total"] <= TARGET_SECONDS else "misses"
    print(f"\nratio one process / three commands: {mine['total'] / base['total']:.2f}x "
          f"(saves {base['total'] - mine['total']:.1f} s); {verdict} the {TARGET_SECONDS:.0f} s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
