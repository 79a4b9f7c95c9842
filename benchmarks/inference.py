"""Batch scoring on the executors against the same model's predict_proba on pandas; streaming latency and rate.

    python benchmarks/inference.py --rows 1000000 [--repeat 3] [--skip-stream]

Same run, same fitted pipeline (the training default: a 200-tree random forest over raw measurements):
1. score: N in-memory rows (a cached Spark frame / a pandas frame) -> predicted species + 3 probabilities.
   Spark to `format("noop")`: `inference.score` (an iterator pandas UDF: 4 columns to Python, 4 back), a
   `mapInPandas` moving every column through Python, and `mlflow.pyfunc.spark_udf` (labels only: the logged
   pyfunc has no predict_proba). Baseline: `predict_frame` (predict_proba + argmax) on pandas.
   Goal: score <= 1.25x the pandas baseline.
2. end to end: Parquet file in -> predictions out. Spark: `run_batch_inference --table` (read, validate like
   silver, score, merge into the Delta predictions table, count). Baseline: pandas read_parquet -> predict_frame
   -> to_parquet.
3. stream: file arrival -> prediction committed (processing-time trigger, 1 s), and rows/s with --available-now.
Peak memory: the high-water RSS (VmHWM, reset between phases) of this process, the Spark JVM and its Python
workers. Figures are medians.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

MEASUREMENTS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def iris_like(rows: int, seed: int = 7) -> pd.DataFrame:
    """`rows` records: Iris rows resampled with small seeded noise, keyed like the feature table."""
    from sklearn.datasets import load_iris

    iris = load_iris()
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(iris.data), rows)
    values = np.round(iris.data[pick] + rng.normal(0, 0.05, (rows, 4)), 2).clip(0.1)
    frame = pd.DataFrame(values, columns=MEASUREMENTS)
    frame["species"] = np.asarray(iris.target_names)[iris.target[pick]]
    frame.insert(0, "source_position", np.arange(1, rows + 1, dtype="int64"))
    frame.insert(0, "batch_id", "bench")
    return frame


# -- memory ------------------------------------------------------------------------------------------------------
def _pids() -> dict[str, list[int]]:
    """This process, the Spark JVM (a java child) and the Python workers (the JVM's python children)."""
    me = os.getpid()
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            children.setdefault(int(fields["PPid"]), []).append(int(status.parent.name))
        except (OSError, KeyError, ValueError):
            continue
    jvm = [p for p in children.get(me, []) if "java" in _cmd(p)]
    workers, todo = [], [*jvm]
    while todo:  # pyspark.daemon and the workers it forks
        for child in children.get(todo.pop(), []):
            if "python" in _cmd(child):
                workers.append(child)
            todo.append(child)
    return {"python": [me], "jvm": jvm, "workers": workers}


def _cmd(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def reset_peaks() -> None:
    """Reset the peak RSS of every process measured (Linux: write 5 to clear_refs)."""
    for pids in _pids().values():
        for pid in pids:
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")


def peaks_mb() -> dict[str, float]:
    """Peak RSS since the last reset, MB: this process, the JVM, the Python workers (summed)."""
    def hwm(pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    return {name: sum(hwm(p) for p in pids) for name, pids in _pids().items()}


def timed(action: Callable[[], Any], repeat: int) -> tuple[float, dict[str, float]]:
    """Median seconds over `repeat` runs and the peak memory of the last one."""
    seconds = []
    for _ in range(repeat):
        reset_peaks()
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), peaks_mb()


# -- set-up ------------------------------------------------------------------------------------------------------
def setup(home: Path) -> tuple[Any, Any]:
    """A task context on a fresh home, with a champion trained by the training defaults; (ctx, model uri)."""
    os.environ["IRIS_MLOPS_HOME"] = str(home)
    os.environ.setdefault("IRIS_MLOPS_SPARK_JIT", "full")
    from iris_mlops.config import load_settings
    from iris_mlops.features.definitions import FEATURE_VERSION
    from iris_mlops.ml.data import TrainingData
    from iris_mlops.ml.registry import register_and_gate
    from iris_mlops.ml.tracking import configure_mlflow
    from iris_mlops.ml.train import make_random_forest, train_model
    from iris_mlops.spark import get_spark
    from iris_mlops.tasks.context import TaskContext

    settings = load_settings("local", overrides={"quality": {"enabled": False}})
    target = configure_mlflow(settings)
    frame = iris_like(150, seed=1).drop(columns=["batch_id"]).rename(columns={"source_position": "sample_id"})
    frame["sample_id"] = frame["sample_id"].map(lambda i: f"iris:{i:03d}")
    data = TrainingData(frame, "bench.iris_features", 0, FEATURE_VERSION, str(home), {})
    trained = train_model(data, classifier=make_random_forest(settings.training.random_forest),
                          labels=settings.silver.species, test_fraction=0.2, split_seed=42)
    register_and_gate(model_uri=trained.model_uri, run_id=trained.run_id, model_name=target.model_name,
                      test_frame=trained.test_frame, margin=0.05, tags={"feature_version": FEATURE_VERSION})
    ctx = TaskContext(name="benchmark", settings=settings, run_id="bench")
    ctx.__dict__["spark"] = get_spark("iris-mlops-bench-inference")
    return ctx, trained.model_uri


def bench_score(ctx: Any, frame: pd.DataFrame, repeat: int, model_uri: str, skip_udf: bool) -> dict[str, Any]:
    """Phase 1: in-memory rows scored; Spark to noop versus pandas predict_proba."""
    from datetime import datetime, timezone

    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.inference.model import load_pipeline
    from iris_mlops.inference.scoring import predict_frame, score

    pipeline = load_pipeline(model_uri)
    df = ctx.spark.createDataFrame(frame).repartition(2).cache()
    df.count()
    scored = score(df, model=pipeline, model_name="m", model_version="1", model_alias="champion",
                   feature_version="f", run_id="bench", scored_at=datetime.now(timezone.utc), mode="batch")
    scored.write.format("noop").mode("overwrite").save()  # warm the Python workers and the model cache
    mapped = map_in_pandas(df, pipeline)
    mapped.write.format("noop").mode("overwrite").save()
    figures = {"pandas": timed(lambda: predict_frame(pipeline, frame), repeat),
               "score (pandas UDF)": timed(lambda: scored.write.format("noop").mode("overwrite").save(), repeat),
               "mapInPandas (all columns)": timed(lambda: mapped.write.format("noop").mode("overwrite").save(),
                                                  repeat)}
    if not skip_udf:
        import mlflow

        udf = mlflow.pyfunc.spark_udf(ctx.spark, model_uri, result_type="string", env_manager="local")
        labels = df.select("*", udf(*[F.col(m) for m in MEASUREMENTS]).alias("predicted_species"))
        labels.write.format("noop").mode("overwrite").save()
        figures["spark_udf (labels only)"] = timed(lambda: labels.write.format("noop").mode("overwrite").save(),
                                                   repeat)
    df.unpersist()
    return figures


def map_in_pandas(df: Any, pipeline: Any) -> Any:
    """The alternative: every column through Python and back (`predict_frame` per Arrow batch)."""
    from pyspark.sql.types import StructType

    from iris_mlops.inference.scoring import predict_frame, predicted_schema

    def predict(batches: Any) -> Any:
        for batch in batches:
            yield predict_frame(pipeline, batch)

    return df.mapInPandas(predict, schema=StructType([*df.schema.fields, *predicted_schema().fields]))


def bench_end_to_end(ctx: Any, frame: pd.DataFrame, repeat: int, model_uri: str, workdir: Path) -> dict[str, Any]:
    """Phase 2: Parquet in -> predictions out, through the batch task versus pandas."""
    from iris_mlops.inference.model import load_pipeline
    from iris_mlops.inference.scoring import predict_frame
    from iris_mlops.tasks.inference import run_batch_inference

    source = workdir / "input.parquet"
    frame.to_parquet(source, index=False)
    table = ctx.settings.qualify("bench_input")
    ctx.store.overwrite(table, ctx.spark.read.parquet(str(source)), run_id="bench")
    pipeline = load_pipeline(model_uri)

    def pandas_end_to_end() -> None:
        predict_frame(pipeline, pd.read_parquet(source)).to_parquet(workdir / "pandas-out.parquet", index=False)

    run_batch_inference(ctx, table="bench_input")  # warm: the table exists, later runs replace its rows
    return {"pandas": timed(pandas_end_to_end, repeat),
            "batch-inference --table": timed(lambda: run_batch_inference(ctx, table="bench_input"), repeat)}


def drop_file(folder: Path, name: str, frame: pd.DataFrame) -> None:
    """Write a CSV atomically: a hidden temporary name (the file source skips it), then a rename."""
    temporary = folder / f".{name}.tmp"
    frame.to_csv(temporary, index=False)
    temporary.rename(folder / name)


def bench_stream(ctx: Any, workdir: Path, files: int, rows_per_file: int) -> dict[str, float]:
    """Phase 3: arrival -> committed prediction latency (1 s trigger); rows/s with --available-now."""
    from iris_mlops.tasks.context import TaskContext
    from iris_mlops.tasks.stream_inference import run_stream_inference

    # Fresh tables (another schema): locally a merge rewrites the whole predictions table, so the batch phases'
    # million rows would be timed too.
    settings = ctx.settings.model_copy(update={"schema_name": "bench_stream"})
    spark, ctx = ctx.spark, TaskContext(name="benchmark-stream", settings=settings, run_id="bench-stream", quiet=True)
    ctx.__dict__["spark"] = spark
    log = Path(ctx.store.location(ctx.settings.table("predictions"))) / "_delta_log"
    landing = workdir / "landing-latency"
    landing.mkdir()
    runner = threading.Thread(target=run_stream_inference, kwargs={
        "ctx": ctx, "landing": str(landing), "available_now": False, "trigger_seconds": 1.0})
    runner.start()
    latencies = []
    try:
        for i in range(files):
            time.sleep(2.0)  # let the previous micro-batch finish: one file per micro-batch
            before = len(list(log.glob("*.json")))
            start = time.perf_counter()
            drop_file(landing, f"f{i}.csv", iris_like(10, seed=100 + i).iloc[:, 2:])
            while len(list(log.glob("*.json"))) == before:
                time.sleep(0.02)
            latencies.append(time.perf_counter() - start)
    finally:
        for query in ctx.spark.streams.active:
            while query.status["isTriggerActive"]:  # stop between micro-batches, not inside one
                time.sleep(0.05)
            query.stop()
        runner.join()
    bulk = workdir / "landing-bulk"
    bulk.mkdir()
    for i in range(files):
        drop_file(bulk, f"bulk{i}.csv", iris_like(rows_per_file, seed=200 + i).iloc[:, 2:])
    start = time.perf_counter()
    result = run_stream_inference(ctx, landing=str(bulk), available_now=True)
    seconds = time.perf_counter() - start
    return {"latency_p50": statistics.median(latencies), "latency_max": max(latencies),
            "rows": result.rows_scored, "seconds": seconds, "rows_per_s": result.rows_scored / seconds}


def report(rows: int, name: str, figures: dict[str, Any]) -> None:
    """One line per variant: seconds, rows/s, ratio to the pandas baseline, peak memory."""
    base = figures["pandas"][0]
    print(f"\n{name} ({rows:,} rows)")
    for variant, (seconds, peaks) in figures.items():
        memory = ", ".join(f"{k} {v:,.0f} MB" for k, v in peaks.items() if v)
        print(f"  {variant:<28} {seconds:7.2f} s  {rows / seconds:>12,.0f} rows/s  {seconds / base:5.2f}x  "
              f"peak: {memory}")


def run_batch_phases(ctx: Any, frame: pd.DataFrame, args: argparse.Namespace, model_uri: str, workdir: Path) -> None:
    """Phases 1 and 2, printed."""
    score_figures = bench_score(ctx, frame, args.repeat, model_uri, args.skip_udf)
    report(len(frame), "score (in memory -> noop)", score_figures)
    ratio = score_figures["score (pandas UDF)"][0] / score_figures["pandas"][0]
    print(f"  score / pandas predict_proba: {ratio:.2f}x (goal <= 1.25x)")
    report(len(frame), "end to end (Parquet -> predictions)",
           bench_end_to_end(ctx, frame, args.repeat, model_uri, workdir))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-udf", action="store_true", help="do not measure mlflow.pyfunc.spark_udf")
    parser.add_argument("--skip-stream", action="store_true")
    parser.add_argument("--only-stream", action="store_true", help="skip the in-memory and end-to-end phases")
    parser.add_argument("--stream-files", type=int, default=5)
    parser.add_argument("--stream-rows", type=int, default=20_000, help="rows per file of the rows/s stream run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="iris-bench-inference-") as folder:
        workdir = Path(folder)
        ctx, model_uri = setup(workdir / "home")
        ctx.quiet = True
        if not args.only_stream:
            run_batch_phases(ctx, iris_like(args.rows), args, model_uri, workdir)
        if not args.skip_stream:
            stream = bench_stream(ctx, workdir, args.stream_files, args.stream_rows)
            print(f"\nstream: arrival -> committed prediction p50 {stream['latency_p50']:.2f} s, max "
                  f"{stream['latency_max']:.2f} s (1 s trigger, {args.stream_files} files); --available-now "
                  f"{stream['rows']:,} rows in {stream['seconds']:.1f} s = {stream['rows_per_s']:,.0f} rows/s")


if __name__ == "__main__":
    main()
