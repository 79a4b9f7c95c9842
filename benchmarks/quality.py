"""A 12-expectation suite through our engine vs one hand-written `agg` vs Great Expectations 1.x, same Parquet data.

    python benchmarks/quality.py --rows 10000000

Suite: row count, not-null x5, value set, between x4, mean. Synthetic silver-like rows (seeded) are written
once to Parquet. Our engine and the hand-written single aggregation run in this process (alternating,
--repeat times each after one warm-up; medians reported). Then this process's Spark stops and GX runs the
exported suite on the same Parquet with its Spark engine in .venv-gx (tests/parity/run_gx.py, its own
JVM, one warm-up dropped). Prints times, ratios and the Spark jobs each ran per validation.
Targets: ours <= 1.2x the hand-written aggregation, and >= 2x faster than GX.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F  # noqa: N812

from iris_mlops.config import MEASUREMENTS
from iris_mlops.quality.engine import validate
from iris_mlops.quality.export import to_gx
from iris_mlops.quality.suite import Suite, load_suite
from iris_mlops.spark import get_spark

ROOT = Path(__file__).resolve().parents[1]
SPECIES = ("setosa", "versicolor", "virginica")
MEANS = (5.84, 3.06, 3.76, 1.2)
SDS = (0.83, 0.44, 1.77, 0.76)


def generate(spark: SparkSession, path: Path, rows: int, seed: int) -> None:
    """Silver-like rows; about 1 in 10,000 measurements is null (the not-null checks use mostly=0.999)."""
    def measurement(i: int, mu: float, sd: float) -> Any:
        value = F.round(F.abs(F.lit(mu) + F.lit(sd) * F.randn(seed + i)), 1)
        return F.when(F.rand(seed + 20 + i) < 1e-4, None).otherwise(value)

    df = spark.range(rows).select(
        *[measurement(i, mu, sd).alias(m) for i, (m, mu, sd) in enumerate(zip(MEASUREMENTS, MEANS, SDS, strict=True))],
        F.element_at(F.array(*[F.lit(s) for s in SPECIES]), (F.col("id") % 3 + 1).cast("int")).alias("species"),
    )
    df.write.mode("overwrite").parquet(str(path))


def suite_entries() -> list[dict[str, Any]]:
    def exp(kind: str, **kwargs: Any) -> dict[str, Any]:
        return {"type": kind, "kwargs": kwargs}

    return [
        exp("expect_table_row_count_to_be_between", min_value=1),
        *[exp("expect_column_values_to_not_be_null", column=c, mostly=0.999) for c in (*MEASUREMENTS, "species")],
        exp("expect_column_values_to_be_in_set", column="species", value_set=list(SPECIES)),
        *[exp("expect_column_values_to_be_between", column=m, min_value=0.0, max_value=20.0) for m in MEASUREMENTS],
        exp("expect_column_mean_to_be_between", column="sepal_length", min_value=5.0, max_value=6.5),
    ]


def hand_written(df: DataFrame) -> dict[str, Any]:
    """The same twelve checks as one aggregation, written by hand."""
    aggs = [F.count(F.lit(1)).alias("rows")]
    aggs += [F.count_if(F.col(c).isNull()).alias(f"null_{c}") for c in (*MEASUREMENTS, "species")]
    aggs += [F.count_if(F.col("species").isNotNull() & ~F.col("species").isin(list(SPECIES))).alias("bad_species")]
    aggs += [F.count_if(F.col(m).isNotNull() & ~F.col(m).between(0.0, 20.0)).alias(f"out_{m}") for m in MEASUREMENTS]
    aggs += [F.avg("sepal_length").alias("mean_sepal_length")]
    return df.agg(*aggs).collect()[0].asDict()


def jobs_of(spark: SparkSession, action: Callable[[], Any]) -> tuple[float, int, Any]:
    """Wall time, Spark jobs (job tag + status tracker) and the action's value."""
    sc = spark.sparkContext
    tag = f"bench-{uuid.uuid4().hex}"
    sc.addJobTag(tag)
    start = time.perf_counter()
    try:
        value = action()
    finally:
        seconds = time.perf_counter() - start
        sc.removeJobTag(tag)
    return seconds, len(list(sc._jsc.sc().statusTracker().getJobIdsForTag(tag))), value


def run_ours_and_hand(spark: SparkSession, data: Path, suite: Suite, repeat: int) -> dict[str, Any]:
    df = spark.read.parquet(str(data))
    out: dict[str, Any] = {"ours": [], "hand": []}
    sides: dict[str, Callable[[], Any]] = {
        "ours": lambda: validate(df, suite, table="bench", run_id="bench"),
        "hand": lambda: hand_written(df),
    }
    for side in sides.values():  # warm-up
        side()
    for _ in range(repeat):
        for name, side in sides.items():
            out[name].append(jobs_of(spark, side))
    result, hand = out["ours"][-1][2], out["hand"][-1][2]
    null_counts = [r.unexpected_count for r in result.results[1:6]]
    assert result.success, result.summary()
    assert null_counts == [hand[f"null_{c}"] for c in (*MEASUREMENTS, "species")], (null_counts, hand)
    assert result.results[0].observed_value == hand["rows"]
    return out


def run_gx(data: Path, suite: Suite, workdir: Path, repeat: int, gx_python: Path) -> dict[str, Any]:
    document, skipped = to_gx(suite)
    assert not skipped, skipped
    (workdir / "suite.json").write_text(json.dumps(document), encoding="utf-8")
    jobs = [{"name": "bench", "suite": str(workdir / "suite.json"), "data": str(data)}]
    (workdir / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    out = workdir / "gx.json"
    subprocess.run([str(gx_python), str(ROOT / "tests" / "parity" / "run_gx.py"), str(workdir / "jobs.json"),
                    str(out), "--repeats", str(repeat + 1)], check=True)
    run = json.loads(out.read_text(encoding="utf-8"))["runs"][0]
    assert run["gx"]["success"], "GX found the benchmark data invalid"
    return {"seconds": run["seconds"][1:], "jobs": run["spark_jobs"][1:], "version": run}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "iris-mlops-bench-quality")
    parser.add_argument("--gx-python", type=Path, default=ROOT / ".venv-gx" / "bin" / "python")
    parser.add_argument("--skip-gx", action="store_true", help="Only ours vs the hand-written aggregation.")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    data = args.workdir / f"silver-{args.rows}-{args.seed}.parquet"
    os.environ.setdefault("IRIS_MLOPS_SPARK_JIT", "full")  # millions of rows: the JVM's full JIT, C2 included
    spark = get_spark("iris-mlops-bench-quality")
    if not data.exists():
        generate(spark, data, args.rows, args.seed)
    suite_path = args.workdir / "suite.yml"
    suite_path.write_text(yaml.safe_dump({"name": "bench", "version": "1", "table": "silver",
                                          "expectations": suite_entries()}), encoding="utf-8")
    suite = load_suite(suite_path)
    local = run_ours_and_hand(spark, data, suite, args.repeat)
    spark.stop()
    gx = None if args.skip_gx or not args.gx_python.exists() else run_gx(data, suite, args.workdir, args.repeat,
                                                                        args.gx_python)
    report(args, local, gx, len(suite.expectations))


def report(args: argparse.Namespace, local: dict[str, Any], gx: dict[str, Any] | None, size: int) -> None:
    ours = statistics.median(s for s, _, _ in local["ours"])
    hand = statistics.median(s for s, _, _ in local["hand"])
    ours_jobs = local["ours"][-1][2].spark_jobs
    print(f"rows {args.rows:,}, {size} expectations, repeat {args.repeat} (medians), local[2]")
    print(f"  ours          {ours:7.2f} s  jobs {local['ours'][-1][1]} {ours_jobs}  runs "
          + " ".join(f"{s:.2f}" for s, _, _ in local["ours"]))
    print(f"  hand-written  {hand:7.2f} s  jobs {local['hand'][-1][1]}  runs "
          + " ".join(f"{s:.2f}" for s, _, _ in local["hand"]))
    print(f"  ours / hand-written = {ours / hand:.2f}  (target <= 1.2)")
    if gx is None:
        print("  GX: skipped (no .venv-gx: run `make test-parity` once, or pass --gx-python)")
        return
    gx_median = statistics.median(gx["seconds"])
    runs = " ".join(f"{s:.2f}" for s in gx["seconds"])
    print(f"  GX 1.x        {gx_median:7.2f} s  jobs {gx['jobs'][-1]}  runs {runs}")
    print(f"  GX / ours = {gx_median / ours:.2f}  (target >= 2)")


if __name__ == "__main__":
    main()
