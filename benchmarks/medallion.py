"""Silver + gold through iris_mlops' transforms vs a minimal hand-written PySpark equivalent, same input and output.

    python benchmarks/medallion.py --rows 10000000

Synthetic Iris-like bronze rows (seeded, a share of them bad) are written once to Parquet; then each side reads
that Parquet, splits silver/quarantine with reasons, flags IQR outliers per batch and species, writes both as
Parquet, reads silver back and writes the per-species gold aggregates as Parquet. Sides alternate, --repeat
times each; the median is reported with the ratio ours / hand-written (target <= 1.25).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F  # noqa: N812

from iris_mlops.config import MEASUREMENTS, load_settings
from iris_mlops.spark import get_spark

# Per species: mean and standard deviation of the four measurements (close to the real Iris data).
PROFILE = {
    "setosa": ((5.0, 0.35), (3.4, 0.38), (1.46, 0.17), (0.25, 0.1)),
    "versicolor": ((5.9, 0.52), (2.8, 0.31), (4.26, 0.47), (1.33, 0.2)),
    "virginica": ((6.6, 0.64), (3.0, 0.32), (5.55, 0.55), (2.03, 0.27)),
}
SPECIES_LABELS = ("setosa", "Iris-versicolor", " Virginica ")  # raw labels needing normalisation
BAD_VALUES = ("abc", "", "-1.0", "0", "99.0", "NaN")
RUN_ID = "bench"


def generate(spark: SparkSession, *, rows: int, bad_share: float, seed: int, batches: int) -> DataFrame:
    """Bronze-shaped synthetic rows: string values rounded to 0.1 cm, about `bad_share` of them bad."""
    base = spark.range(rows).withColumn("k", (F.col("id") % 3).cast("int"))
    columns = []
    for i, m in enumerate(MEASUREMENTS):
        mean = F.element_at(F.array(*[F.lit(p[i][0]) for p in PROFILE.values()]), F.col("k") + 1)
        sd = F.element_at(F.array(*[F.lit(p[i][1]) for p in PROFILE.values()]), F.col("k") + 1)
        value = F.round(F.abs(mean + sd * F.randn(seed + i)), 1).cast("string")
        bad = F.element_at(
            F.array(*[F.lit(v) for v in BAD_VALUES]), (F.rand(seed + 10 + i) * len(BAD_VALUES)).cast("int") + 1
        )
        columns.append(F.when(F.rand(seed + 20 + i) < bad_share / 5, bad).otherwise(value).alias(m))
    label = F.element_at(F.array(*[F.lit(s) for s in SPECIES_LABELS]), F.col("k") + 1)
    species = F.when(F.rand(seed + 30) < bad_share / 5, F.lit("rose")).otherwise(label).alias("species")
    return base.select(
        *columns,
        species,
        F.lit("synthetic").alias("source"),
        F.lit(datetime(2026, 1, 1)).alias("ingested_at"),
        F.concat(F.lit("batch-"), (F.col("id") % batches).cast("string")).alias("batch_id"),
        (F.col("id") + 1).alias("source_position"),
        F.lit(RUN_ID).alias("run_id"),
    )


def ours(spark: SparkSession, source: str, out: Path) -> None:
    """The package's transforms: layers.silver.build_silver and layers.gold.aggregate_species."""
    from iris_mlops.layers.gold import aggregate_species
    from iris_mlops.layers.silver import build_silver

    config = load_settings("local").silver
    silver, quarantine = build_silver(
        spark.read.parquet(source),
        ranges={m: (r.low, r.high) for m, r in config.plausible_ranges.items()},
        species=config.species,
        iqr_k=config.outlier_iqr_k,
        run_id=RUN_ID,
    )
    silver.write.parquet(str(out / "silver"))
    quarantine.write.parquet(str(out / "quarantine"))
    aggregate_species(spark.read.parquet(str(out / "silver")), silver_version=0, run_id=RUN_ID).write.parquet(
        str(out / "gold")
    )


def handwritten(spark: SparkSession, source: str, out: Path) -> None:
    """The same rules written directly in PySpark, as one would without the package."""
    config = load_settings("local").silver
    df = spark.read.parquet(source)
    typed = df.select(
        "*",
        *[F.expr(f"try_cast(trim({m}) AS double)").alias(f"v_{m}") for m in MEASUREMENTS],
        F.regexp_replace(F.lower(F.trim("species")), r"^iris[\s_.-]*", "").alias("v_species"),
    )
    checks = []
    for m in MEASUREMENTS:
        raw, v, r = F.trim(F.col(m)), F.col(f"v_{m}"), config.plausible_ranges[m]
        checks.append(
            F.when(raw.isNull() | (raw == ""), F.lit(f"null:{m}"))
            .when(v.isNull() | F.isnan(v), F.lit(f"not_a_number:{m}"))
            .when(v <= 0, F.lit(f"not_positive:{m}"))
            .when((v <= r.low) | (v >= r.high), F.lit(f"out_of_range:{m}"))
        )
    s = F.col("v_species")
    checks.append(
        F.when(s.isNull() | (s == ""), F.lit("null:species")).when(~s.isin(*config.species), "unknown_species")
    )
    checked = typed.withColumn("reasons", F.array_compact(F.array(*checks))).withColumn("run_id", F.lit(RUN_ID))
    good = checked.filter(F.size("reasons") == 0).select(
        "batch_id",
        "source_position",
        "ingested_at",
        *[F.col(f"v_{m}").alias(m) for m in MEASUREMENTS],
        F.col("v_species").alias("species"),
        "run_id",
    )
    q = good.groupBy("batch_id", "species").agg(*[F.percentile(m, [0.25, 0.75]).alias(f"q_{m}") for m in MEASUREMENTS])
    k = config.outlier_iqr_k
    outlier = F.lit(False)
    for m in MEASUREMENTS:
        q1, q3 = F.col(f"q_{m}")[0], F.col(f"q_{m}")[1]
        outlier = outlier | (F.col(m) < q1 - k * (q3 - q1)) | (F.col(m) > q3 + k * (q3 - q1))
    good.join(F.broadcast(q), ["batch_id", "species"]).withColumn("is_outlier", outlier).drop(
        *[f"q_{m}" for m in MEASUREMENTS]
    ).write.parquet(str(out / "silver"))
    checked.filter(F.size("reasons") > 0).select(
        "batch_id", "source_position", "ingested_at", *MEASUREMENTS, "species", "reasons", "run_id"
    ).write.parquet(str(out / "quarantine"))
    stats = [
        f(m).alias(f"{m}_{n}")
        for m in MEASUREMENTS
        for n, f in (("mean", F.mean), ("min", F.min), ("max", F.max), ("stddev", F.stddev))
    ]
    gold = (
        spark.read.parquet(str(out / "silver"))
        .groupBy("species")
        .agg(F.count("*").alias("count"), *stats, F.sum(F.col("is_outlier").cast("long")).alias("outlier_count"))
    )
    gold.select(
        "*",
        (F.col("outlier_count") / F.col("count")).alias("outlier_share"),
        (F.col("count") / F.sum("count").over(Window.partitionBy())).alias("share_of_total"),
        F.lit(0).cast("long").alias("silver_version"),
        F.lit(RUN_ID).alias("run_id"),
    ).write.parquet(str(out / "gold"))


def timed(run: Callable[[SparkSession, str, Path], None], spark: SparkSession, source: str, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    run(spark, source, out)
    return time.perf_counter() - start


def same_results(spark: SparkSession, a: Path, b: Path) -> str:
    """Row counts per output and gold values must agree between the two sides."""
    counts = {
        n: (spark.read.parquet(str(a / n)).count(), spark.read.parquet(str(b / n)).count())
        for n in ("silver", "quarantine", "gold")
    }
    outliers = [spark.read.parquet(str(p / "silver")).filter("is_outlier").count() for p in (a, b)]
    gold = [
        sorted(
            (r.species, r["count"], round(r.sepal_length_mean, 9), r.outlier_count)
            for r in spark.read.parquet(str(p / "gold")).collect()
        )
        for p in (a, b)
    ]
    ok = all(x == y for x, y in counts.values()) and outliers[0] == outliers[1] and gold[0] == gold[1]
    detail = ", ".join(f"{n} {x}" for n, (x, _) in counts.items())
    return f"{'identical' if ok else 'DIFFERENT'} results ({detail}, outliers {outliers[0]})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--bad-share", type=float, default=0.02, help="share of rows with at least one bad value")
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="iris-bench-"))
    os.environ.setdefault("IRIS_MLOPS_SPARK_JIT", "full")  # millions of rows: the JVM's full JIT, C2 included
    spark = get_spark("iris-mlops-benchmark")
    source = str(work / "bronze.parquet")
    start = time.perf_counter()
    generate(spark, rows=args.rows, bad_share=args.bad_share, seed=args.seed, batches=args.batches).write.mode(
        "overwrite"
    ).parquet(source)
    print(
        f"generated {args.rows:,} rows in {time.perf_counter() - start:.1f}s ({os.cpu_count()} cores, {work})",
        flush=True,
    )
    times: dict[str, list[float]] = {"hand-written": [], "iris_mlops": []}
    sides = {"hand-written": (handwritten, work / "hand"), "iris_mlops": (ours, work / "ours")}
    for round_ in range(args.repeat):
        order = list(sides) if round_ % 2 == 0 else list(reversed(sides))  # alternate: neither side always runs cold
        for name in order:
            run, out = sides[name]
            times[name].append(timed(run, spark, source, out))
            print(f"  round {round_ + 1}: {name} {times[name][-1]:.2f}s", flush=True)
    print(same_results(spark, work / "ours", work / "hand"))
    for name, values in times.items():
        print(f"{name:>12}: median {statistics.median(values):.2f}s  runs {', '.join(f'{v:.2f}' for v in values)}")
    ratio = statistics.median(times["iris_mlops"]) / statistics.median(times["hand-written"])
    best = min(times["iris_mlops"]) / min(times["hand-written"])
    print(f"ratio iris_mlops / hand-written: {ratio:.2f}x on medians, {best:.2f}x on best runs (target <= 1.25x)")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
