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

--floor also times, alone and in the same run, the least any profile of these rows must do in Spark SQL:
the scan (one sum per column read), the histograms at their cheapest (one `floor` bin per column, no open bins,
nulls and NaN not told apart, counted per pair key), the moments at their cheapest (count, sum, sum of squares,
min and max of every numeric column in one ungrouped aggregation), and those two as one job.
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
from iris_mlops.monitoring.profile_sql import filled, guess_sql, ident
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


def floors(spark: SparkSession, path: Path, reference: Any) -> dict[str, Any]:
    """The cheapest queries a window profile cannot do without (see --floor), each a zero-argument action.

    Each action builds its query afresh: collecting the same DataFrame twice reuses its finished shuffle stages.
    """
    edges = reference.plan_for_window().edges
    names = list(edges)

    def histograms() -> Any:
        rows = with_features(spark.read.parquet(str(path)))
        bins = rows.selectExpr(*[f"{guess_sql(filled(ident(n)), edges[n])} AS b{i}" for i, n in enumerate(names)])
        pairs = [(i, min(i + 1, len(names) - 1)) for i in range(0, len(names), 2)]
        keys = bins.selectExpr(*[f"b{a} * 64L + b{b} + {p * 4096}L AS p{p}" for p, (a, b) in enumerate(pairs)])
        entries = ", ".join(f"p{p}" for p in range(len(pairs)))
        return (spark.sql(f"SELECT k FROM {{frame}} UNPIVOT (k FOR pair IN ({entries}))", frame=keys)
                .groupBy("k").count().selectExpr("k", "array(CAST(count AS DOUBLE)) AS v"))

    def moments() -> Any:
        stats = [f"{f}({ident(n)})" for n in names for f in ("count", "sum", "min", "max")]
        stats += [f"sum({ident(n)} * {ident(n)})" for n in names]
        row = with_features(spark.read.parquet(str(path))).agg(*[F.expr(s).alias(f"m{i}") for i, s in enumerate(stats)])
        values = ", ".join(f"CAST(m{i} AS DOUBLE)" for i in range(len(stats)))
        return row.selectExpr("-1L AS k", f"array({values}) AS v")

    def scan() -> Any:
        read = spark.read.parquet(str(path))
        return read.agg(*[F.count(c) if t == "string" else F.sum(c) for c, t in read.dtypes])

    return {"scan (one sum or count per column read)": lambda: scan().collect(),
            "histograms at their cheapest (counted pair keys)": lambda: histograms().collect(),
            "moments at their cheapest (one ungrouped aggregation)": lambda: moments().collect(),
            "those two as one job": lambda: histograms().unionAll(moments()).collect()}


def timed(action: Any) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--floor", action="store_true", help="also time the cheapest parts of any profile alone")
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
    parts = floors(spark, data, reference) if args.floor else {}
    part_runs: dict[str, list[float]] = defaultdict(list)
    result = None
    for attempt in range(args.repeat + 1):
        base = timed(lambda: baseline(spark, data))
        start = time.perf_counter()
        result = monitor(spark, data, reference, config, stages)
        mon = time.perf_counter() - start
        part_times = {name: timed(action) for name, action in parts.items()}
        if attempt:  # the first of each is a warm-up
            runs["baseline"].append(base)
            runs["monitor"].append(mon)
            for name, seconds in part_times.items():
                part_runs[name].append(seconds)
    b, m = statistics.median(runs["baseline"]), statistics.median(runs["monitor"])
    master = spark.sparkContext.master
    print(f"rows: {args.rows:,}  repeats: {args.repeat} (medians, one warm-up dropped)  cores: {os.cpu_count()}"
          f"  master: {master}  JIT: {os.environ['IRIS_MLOPS_SPARK_JIT']}")
    print(f"baseline (one groupBy aggregation, collected): {b:.2f} s  runs {[round(x, 2) for x in runs['baseline']]}")
    print(f"monitor  (profile pass + all checks):          {m:.2f} s  runs {[round(x, 2) for x in runs['monitor']]}")
    for name, times in stages.items():
        print(f"  {name}: {statistics.median(times[1:]):.2f} s")
    print(f"ratio monitor / baseline: {m / b:.2f}x  (goal <= 2x)")
    for name, times in part_runs.items():
        print(f"floor, {name}: {statistics.median(times):.2f} s = {statistics.median(times) / b:.2f}x baseline")
    if result is not None:
        print(f"status {result.status}; drifted columns: {', '.join(result.drift.drifted_columns) or 'none'}")
    spark.stop()


if __name__ == "__main__":
    main()
