"""The monitor's checks on N generated rows vs one plain aggregation pass over the same rows, same run.

    python benchmarks/monitor.py --rows 10000000

Rows (seeded, written once to Parquet, not timed): the four measurements, species, a predicted species and
three class probabilities, as the predictions table holds them. The reference profile (sklearn's 150 Iris
rows) is built before timing, as the monitor builds it once per champion.

- baseline: one `groupBy(species).agg(count, mean, stddev, min, max of each measurement)` (gold-like), collected.
- monitor: the window's profile as `profile_frame` builds it (one Spark job, the union of three aggregations
  whose scans run side by side: one BIGINT histogram key per pair of numeric columns and row, unpivoted and
  counted;
  one aggregation of at most 90 fields over all rows (rows, non-null counts, sums, sums of squares, min, max,
  mean top probability); one grouped by the joint category key (category and confusion counts, tail sums,
  per-species outliers and moments). 30-bin histograms on the reference's bins for the 4 measurements and 13
  engineered features), collected, then every drift test, the performance, quality and volume checks on the
  driver.
Alternating runs, one warm-up each, medians of --repeat; the monitor's two stages are timed apart.
Goal: monitor <= 2x baseline. The rows are generated once per (--rows, --seed) under --workdir.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql import functions as F  # noqa: N812

from iris_mlops.config import MEASUREMENTS, MonitoringConfig
from iris_mlops.monitoring.checks import WindowInputs, evaluate_window
from iris_mlops.monitoring.profile import profile_frame, read_profile, with_features
from iris_mlops.monitoring.simulate import iris_frame
from iris_mlops.spark import get_spark
from iris_mlops.tasks.monitor_profiles import build_reference

SPECIES = ("setosa", "versicolor", "virginica")
MEANS = (5.84, 3.06, 3.76, 1.2)
SDS = (0.83, 0.44, 1.77, 0.76)


def generate(spark: SparkSession, path: Path, rows: int, seed: int) -> None:
    """Prediction-table-like rows: measurements, species, predicted species, probabilities."""
    measures = [F.round(F.abs(F.lit(mu) + F.lit(sd) * F.randn(seed + i)), 1).alias(m)
                for i, (m, mu, sd) in enumerate(zip(MEASUREMENTS, MEANS, SDS, strict=True))]
    species = F.element_at(F.array(*[F.lit(s) for s in SPECIES]), (F.col("id") % 3 + 1).cast("int"))
    top = F.lit(0.6) + F.rand(seed + 9) * 0.4
    df = spark.range(rows).select(
        *measures, species.alias("species"),
        F.when(F.rand(seed + 7) < 0.95, species).otherwise(F.lit("virginica")).alias("predicted_species"),
        top.alias("probability_setosa"), ((1 - top) / 2).alias("probability_versicolor"),
        ((1 - top) / 2).alias("probability_virginica"),
    )
    df.write.mode("overwrite").parquet(str(path))


def baseline(spark: SparkSession, path: Path) -> Any:
    df = spark.read.parquet(str(path))
    stats = [f(m).alias(f"{m}_{f.__name__}") for m in MEASUREMENTS for f in (F.avg, F.stddev, F.min, F.max)]
    return df.groupBy("species").agg(F.count(F.lit(1)).alias("count"), *stats).collect()


def monitor(spark: SparkSession, path: Path, reference: Any, config: MonitoringConfig,
            stages: dict[str, list[float]]) -> Any:
    start = time.perf_counter()
    plan = reference.plan_for_window(predicted_column="predicted_species",
                                     probability_columns=("probability_setosa", "probability_versicolor",
                                                          "probability_virginica"))
    groups = [r.asDict() for r in profile_frame(with_features(spark.read.parquet(str(path))), plan).collect()]
    stages["profile pass (Spark, collected)"].append(time.perf_counter() - start)
    start = time.perf_counter()
    window = read_profile(groups, plan)
    inputs = WindowInputs(reference=reference, current=window, baseline_metrics={"accuracy": 0.97,
                          "f1_macro": 0.97, "precision_macro": 0.97, "recall_macro": 0.97})
    result = evaluate_window(inputs, config=config, margin=0.05)
    stages["fold + checks (driver)"].append(time.perf_counter() - start)
    return result


def timed(action: Any) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "iris-mlops-bench-monitor")
    args = parser.parse_args()
    os.environ.setdefault("IRIS_MLOPS_SPARK_JIT", "full")
    spark = get_spark("bench-monitor")
    data = args.workdir / f"rows-{args.rows}-{args.seed}.parquet"
    if not data.exists():
        generate(spark, data, args.rows, args.seed)
    config = MonitoringConfig()
    reference = build_reference(spark.createDataFrame(iris_frame()), config=config, source="sklearn iris")
    runs: dict[str, list[float]] = {"baseline": [], "monitor": []}
    stages: dict[str, list[float]] = defaultdict(list)
    result = None
    for attempt in range(args.repeat + 1):
        base = timed(lambda: baseline(spark, data))
        start = time.perf_counter()
        result = monitor(spark, data, reference, config, stages)
        mon = time.perf_counter() - start
        if attempt:  # the first of each is a warm-up
            runs["baseline"].append(base)
            runs["monitor"].append(mon)
    b, m = statistics.median(runs["baseline"]), statistics.median(runs["monitor"])
    master = spark.sparkContext.master
    print(f"rows: {args.rows:,}  repeats: {args.repeat} (medians, one warm-up dropped)  cores: {os.cpu_count()}"
          f"  master: {master}  JIT: {os.environ['IRIS_MLOPS_SPARK_JIT']}")
    print(f"baseline (one groupBy aggregation, collected): {b:.2f} s  runs {[round(x, 2) for x in runs['baseline']]}")
    print(f"monitor  (profile pass + all checks):          {m:.2f} s  runs {[round(x, 2) for x in runs['monitor']]}")
    for name, times in stages.items():
        print(f"  {name}: {statistics.median(times[1:]):.2f} s")
    print(f"ratio monitor / baseline: {m / b:.2f}x  (goal <= 2x)")
    if result is not None:
        print(f"status {result.status}; drifted columns: {', '.join(result.drift.drifted_columns) or 'none'}")
    spark.stop()


if __name__ == "__main__":
    main()
