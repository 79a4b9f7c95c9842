"""The whole `make run` pipeline (bronze -> champion) vs a minimal hand-written PySpark + sklearn + MLflow script.

    python benchmarks/pipeline.py [--repeat 3]

Each side runs in its own fresh Python process (its own Spark JVM, its own empty home / MLflow store), the two
alternating; the parent measures wall time and peak RSS of the Python process and of its JVM. Ours is
`iris-mlops run` (the bundle's iris_workflow through the local runner: bronze, silver, gold, feature-store,
data-quality, train + register + gate; its serving, batch-inference and monitor tasks have no hand-written
counterpart and are left out), instrumented from outside to show where the time goes. The
hand-written side does bronze -> silver -> gold as Parquet, a Random Forest with the same hyper-parameters,
an MLflow SQLite run with the model (explicit pip requirements, like ours), registration and an alias.
Ours maps the Spark class archive that `make run` builds (iris_mlops.spark_archive; built here first when
missing); the hand-written script starts a plain JVM, or maps the same archive with --hand-archive (like-for-like
start). IRIS_MLOPS_SPARK_ARCHIVE=off measures ours without it.
Targets (issue 11): ours <= 1.2x the hand-written wall time and <= 1.25x its peak memory (Python + JVM RSS).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TIMINGS: dict[str, float] = {}
HAND_ARCHIVE = "BENCH_HAND_ARCHIVE"  # set for the hand-written child with --hand-archive


def _timed(label: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            TIMINGS[label] = TIMINGS.get(label, 0.0) + time.perf_counter() - start

    return wrapper


def _instrument() -> None:
    """Wrap the steps of interest (benchmark-only: the package is not modified)."""
    import iris_mlops.ml.packaging as packaging
    import iris_mlops.ml.registry as registry
    import iris_mlops.workflow.warmup as warmup
    from iris_mlops.ml import data, tracking, train
    from iris_mlops.tasks.registry import TASKS

    warmup.WarmUp.run = _timed("warm-up: Spark start, then MLflow store", warmup.WarmUp.run)
    tracking.prepare_local_store = _timed("  warm-up: of which MLflow store", tracking.prepare_local_store)
    for task in TASKS:  # Task is frozen: the registry's own objects are what the CLI runs
        label = f"task {task.name}" + (" (all)" if task.name == "train" else "")
        object.__setattr__(task, "run", _timed(label, task.run))
    tracking.configure_mlflow = _timed("  train: configure MLflow (SQLite)", tracking.configure_mlflow)
    data.load_training_frame = _timed("  train: read feature table", data.load_training_frame)
    train.train_model = _timed("  train: fit + evaluate + log run", train.train_model)
    packaging.log_pipeline_model = _timed("  train:   of which log_model", packaging.log_pipeline_model)
    registry.register_and_gate = _timed("  train: register + gate", registry.register_and_gate)
    registry.score_model = _timed("  train:   of which load + score models", registry.score_model)


# The iris_workflow tasks that do what the hand-written side does. The daily job also serves, scores and monitors
# (deploy-serving, batch-inference, monitor); the hand-written script has no counterpart, so they are left out here.
SAME_WORK = ("bronze", "silver", "gold", "feature-store", "data-quality", "train")


def side_ours(home: Path) -> dict[str, Any]:
    """`iris-mlops run` in this process, on the tasks the hand-written side also does."""
    _instrument()
    from iris_mlops.workflow.runner import run_job

    start = time.perf_counter()
    code = run_job("iris_workflow", env="local", only=SAME_WORK)
    total = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"iris_workflow failed with exit code {code}")
    return {"total": total, "steps": TIMINGS}


def side_hand(home: Path) -> dict[str, Any]:
    """The minimal script: plain PySpark, scikit-learn and MLflow, no package code."""
    steps: dict[str, float] = {}
    mark = time.perf_counter()

    def step(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        steps[name] = now - mark
        mark = now

    start = mark
    import mlflow
    import pandas as pd
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F  # noqa: N812
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    step("imports")
    builder = SparkSession.builder.master("local[2]").config("spark.sql.shuffle.partitions", "2")
    if os.environ.get(HAND_ARCHIVE):  # --hand-archive: the same class archive as ours, to compare like with like
        builder = builder.config("spark.driver.extraJavaOptions", f"-XX:SharedArchiveFile={os.environ[HAND_ARCHIVE]}")
    spark = builder.config("spark.ui.enabled", "false").getOrCreate()
    step("spark session start")
    iris = load_iris(as_frame=True)
    raw = iris.frame.iloc[:, :4].astype(str)
    raw.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    raw["species"] = [str(iris.target_names[t]) for t in iris.target]
    spark.createDataFrame(raw).write.mode("overwrite").parquet(str(home / "bronze"))
    step("bronze")
    bronze = spark.read.parquet(str(home / "bronze"))
    silver = bronze.select(*[F.expr(f"try_cast({c} AS double)").alias(c) for c in raw.columns[:4]], "species")
    silver.dropna().write.mode("overwrite").parquet(str(home / "silver"))
    step("silver")
    gold = spark.read.parquet(str(home / "silver")).groupBy("species").agg(
        F.count("*").alias("count"), *[F.mean(c).alias(f"{c}_mean") for c in raw.columns[:4]])
    gold.write.mode("overwrite").parquet(str(home / "gold"))
    step("gold")
    frame = spark.read.parquet(str(home / "silver")).toPandas()
    x_train, x_test, y_train, y_test = train_test_split(
        frame.iloc[:, :4], frame["species"], test_size=0.2, stratify=frame["species"], random_state=42)
    model = RandomForestClassifier(n_estimators=200, random_state=42).fit(x_train, y_train)
    predicted = model.predict(x_test)
    step("fit")
    mlflow.set_tracking_uri(f"sqlite:///{home / 'mlflow.db'}")
    mlflow.set_experiment("hand")
    with mlflow.start_run():
        mlflow.log_params(model.get_params())
        mlflow.log_metrics({"accuracy": accuracy_score(y_test, predicted),
                            "f1_macro": f1_score(y_test, predicted, average="macro")})
        info = mlflow.sklearn.log_model(model, name="model", serialization_format="cloudpickle",
                                        input_example=pd.DataFrame(x_test.head(5)),
                                        pip_requirements=["scikit-learn", "pandas", "numpy", "cloudpickle"])
    step("MLflow run + log_model")
    version = mlflow.register_model(info.model_uri, "iris_hand").version
    mlflow.MlflowClient().set_registered_model_alias("iris_hand", "champion", version)
    step("register + alias")
    return {"total": time.perf_counter() - start, "steps": steps}


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def run_side(side: str) -> dict[str, Any]:
    """Run one side in a fresh process with a fresh home; wall time, peak RSS (Python, JVM) and its report."""
    with tempfile.TemporaryDirectory(prefix=f"iris-bench-{side}-") as folder:
        env = {**os.environ, "IRIS_MLOPS_HOME": folder, "IRIS_MLOPS_ENV": "local"}
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--side", side, "--home", folder], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        peak_py = peak_jvm = 0
        while proc.poll() is None:
            peak_py = max(peak_py, _rss_kb(proc.pid))
            peak_jvm = max(peak_jvm, sum(_rss_kb(p) for p in _descendants(proc.pid)))
            time.sleep(0.2)
        wall = time.perf_counter() - start
        out = proc.stdout.read() if proc.stdout else ""
        if proc.returncode != 0:
            raise SystemExit(f"{side} side failed (exit {proc.returncode}): {out[-500:]}")
        report = json.loads(out.strip().splitlines()[-1])
    return {"wall": wall, "python_mb": peak_py / 1024, "jvm_mb": peak_jvm / 1024, **report}


def _ensure_archive() -> Path | None:
    """The Spark class archive ours maps, built first when missing (as `make run` does); None when turned off."""
    from iris_mlops.commands.spark_archive import build_archive
    from iris_mlops.spark_archive import archive_path

    path = archive_path()
    if path is not None and not path.is_file() and build_archive(path) is None:
        raise SystemExit("the Spark class archive could not be built (iris-mlops spark-archive says why)")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per side (wall times vary by ±10 %% here)")
    parser.add_argument("--hand-archive", action="store_true",
                        help="give the hand-written script ours' Spark class archive too (like-for-like JVM start)")
    parser.add_argument("--side", choices=("ours", "hand"), help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:  # child process: run one side, print its report as the last stdout line
        sys.stdout.flush()
        report = (side_ours if args.side == "ours" else side_hand)(args.home)
        print(json.dumps(report), flush=True)
        return
    archive = _ensure_archive()
    if args.hand_archive and archive is not None:
        os.environ[HAND_ARCHIVE] = str(archive)
    results: dict[str, list[dict[str, Any]]] = {"hand": [], "ours": []}
    for _ in range(args.repeat):
        for side in ("hand", "ours"):
            results[side].append(run_side(side))
    print(f"{os.cpu_count()} cores, {args.repeat} run(s) per side, each in a fresh process and home")
    jit = os.environ.get("IRIS_MLOPS_SPARK_JIT", "quick")
    print(f"JVM: ours with the local driver's {jit} JIT (IRIS_MLOPS_SPARK_JIT), hand-written with the JVM defaults")
    print(f"     ours with the class archive `make run` builds: {archive or 'none (IRIS_MLOPS_SPARK_ARCHIVE=off)'}"
          f"; hand-written {'with the same archive' if os.environ.get(HAND_ARCHIVE) else 'without (--hand-archive)'}")
    for side, runs in results.items():
        wall = statistics.median(r["wall"] for r in runs)
        walls = ", ".join(f"{r['wall']:.1f}" for r in runs)
        python_mb, jvm_mb = max(r["python_mb"] for r in runs), max(r["jvm_mb"] for r in runs)
        print(f"\n{side:>4}: wall {wall:.1f}s (median; runs {walls}), "
              f"peak RSS python {python_mb:.0f} MB + JVM {jvm_mb:.0f} MB")
        last = runs[-1]
        print(f"      in-process total {last['total']:.1f}s; where the time goes (last run):")
        for name, seconds in last["steps"].items():
            print(f"        {name:<42} {seconds:6.2f}s")
        if side == "ours":
            chain = sum(v for k, v in last["steps"].items() if k.startswith("task ") and k != "task data-quality")
            print(f"        {'other (runner, imports between tasks)':<42} {last['total'] - chain:6.2f}s")
            print("        (the warm-up thread runs beside bronze)")
    medians = {side: statistics.median(r["wall"] for r in runs) for side, runs in results.items()}
    peaks = {side: max(r["python_mb"] + r["jvm_mb"] for r in runs) for side, runs in results.items()}
    print(f"\nratio ours / hand-written (wall): {medians['ours'] / medians['hand']:.2f}x (target <= 1.2x)")
    print(f"ratio ours / hand-written (peak memory, Python + JVM): {peaks['ours'] / peaks['hand']:.2f}x "
          f"(target <= 1.25x)")


if __name__ == "__main__":
    main()
