"""Parity with Great Expectations 1.x: the same suites on the same Parquet files, expectation by expectation.

Run with `make test-parity` (it builds .venv-gx first). In the project venv this script writes the data
files (the embedded Iris data per layer, plus files with nulls, out-of-range values, unknown species,
duplicates and too few rows), validates them with our engine, exports each suite with `to_gx`, runs
tests/parity/run_gx.py in .venv-gx on the same files with GX's Spark engine, then compares success,
observed values (relative tolerance 1e-9) and unexpected counts. Exit code 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("setosa", "versicolor", "virginica")
T0 = datetime(2026, 1, 1)


def iris() -> list[tuple[Any, ...]]:
    from sklearn.datasets import load_iris

    data = load_iris()
    return [(*map(float, x), NAMES[int(y)]) for x, y in zip(data.data, data.target, strict=True)]


def nullable(schema: Any) -> Any:
    from pyspark.sql.types import StructField, StructType

    return StructType([StructField(f.name, f.dataType, True) for f in schema.fields])


def frames(spark: Any) -> dict[str, tuple[str, Any]]:
    """name -> (table key, DataFrame) for every parity file."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.schemas import BRONZE_SCHEMA, GOLD_SCHEMA, SILVER_SCHEMA

    rows = iris()
    bronze = [(*[None if v is None else str(v) for v in r], "iris", T0, "b1", i, "run") for i, r in enumerate(rows)]
    bad_bronze = [(None, "3.5", "1.4", "0.2", "setosa"), ("4.9", None, "1.4", "0.2", "daisy"),
                  ("5.0", "3.0", "1.3", "0.2", None), ("x", "3.1", "1.5", "0.2", "Iris-setosa")]
    silver = [("b1", i, T0, *r, False, "run") for i, r in enumerate(rows)]
    bad_silver = list(silver)
    bad_silver[0] = ("b1", 0, T0, None, 3.5, 1.4, 0.2, "setosa", False, "run")
    bad_silver[1] = ("b1", 1, T0, 4.9, 7.0, 1.4, 0.2, "setosa", False, "run")  # sepal_width out of range
    bad_silver[2] = ("b1", 2, T0, 4.7, 6.0, 1.3, 0.2, "daisy", False, "run")  # strict bound, unknown species
    bad_silver[3] = ("b1", 3, T0, 12.0, 3.1, 1.5, None, None, False, "run")
    silver_df = spark.createDataFrame(silver, SILVER_SCHEMA)
    gold = gold_of(silver_df).select(*[F.col(f.name).cast(f.dataType) for f in GOLD_SCHEMA.fields])
    bad_gold = gold.where("species != 'virginica'").unionByName(gold.where("species = 'setosa'")) \
        .withColumn("count", F.when(F.col("species") == "versicolor", 30).otherwise(F.col("count")))
    return {
        "bronze_ok": ("bronze", spark.createDataFrame(bronze, BRONZE_SCHEMA)),
        "bronze_bad": ("bronze", spark.createDataFrame(
            [(*r, "bad", T0, "b2", i, "run") for i, r in enumerate(bad_bronze)], nullable(BRONZE_SCHEMA))),
        "silver_ok": ("silver", silver_df),
        "silver_bad": ("silver", spark.createDataFrame(bad_silver, nullable(SILVER_SCHEMA))),
        "gold_ok": ("gold", gold),
        "gold_bad": ("gold", bad_gold),
    }


def gold_of(silver: Any) -> Any:
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.config import MEASUREMENTS

    stats = {"mean": F.avg, "min": F.min, "max": F.max, "stddev": F.stddev_samp}
    aggs = [F.count(F.lit(1)).alias("count"), F.count_if("is_outlier").alias("outlier_count")]
    aggs += [stats[s](m).alias(f"{m}_{s}") for m in MEASUREMENTS for s in stats]
    return (silver.groupBy("species").agg(*aggs)
            .withColumn("outlier_share", F.col("outlier_count") / F.col("count"))
            .withColumn("share_of_total", F.col("count") / F.lit(silver.count()))
            .withColumn("silver_version", F.lit(0)).withColumn("run_id", F.lit("run")))


def ours(workdir: Path) -> tuple[list[dict[str, Any]], dict[str, dict[int, Any]]]:
    """Write the files and suites; validate with our engine. Returns GX jobs and our results by file."""
    from iris_mlops.config import conf_dir
    from iris_mlops.quality.engine import validate
    from iris_mlops.quality.export import to_gx
    from iris_mlops.quality.suite import load_suite
    from iris_mlops.quality.tables import table_columns
    from iris_mlops.spark import get_spark

    spark = get_spark("iris-mlops-parity")
    jobs, results = [], {}
    for name, (key, df) in frames(spark).items():
        data = workdir / f"{name}.parquet"
        df.write.mode("overwrite").parquet(str(data))
        suite = load_suite(conf_dir() / "expectations" / f"iris_{key}.yml", columns=table_columns(key))
        document, _ = to_gx(suite)
        suite_path = workdir / f"{name}.suite.json"
        suite_path.write_text(json.dumps(document), encoding="utf-8")
        result = validate(spark.read.parquet(str(data)), suite, table=name, run_id="parity")
        results[name] = {e.index: r for e, r in zip(suite.expectations, result.results, strict=True)}
        jobs.append({"name": name, "suite": str(suite_path), "data": str(data)})
    return jobs, results


def same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


CHECKED = {"success": 0, "observed_value": 0, "unexpected_count": 0, "unexpected_percent": 0, "missing_count": 0}


def compare(name: str, gx_run: dict[str, Any], mine: dict[int, Any]) -> list[str]:
    """Differences between GX's results and ours for one file (CHECKED counts what was compared)."""
    problems = []
    for item in gx_run["gx"]["results"]:
        config = item["expectation_config"]
        index = config["meta"]["iris_mlops"]["index"]
        ours_ = mine[index]
        where = f"{name} #{index} {config['type']}({config['kwargs'].get('column', '')})"
        gx_result = item.get("result") or {}
        raised = (item.get("exception_info") or {}).get("raised_exception")
        if raised:
            problems.append(f"{where}: GX raised {item['exception_info'].get('exception_message')}")
            continue
        CHECKED["success"] += 1
        if item["success"] != ours_.success:
            problems.append(f"{where}: success GX {item['success']} vs ours {ours_.success}")
        observed = gx_result.get("observed_value")
        CHECKED["observed_value"] += observed is not None
        if observed is not None and not same(observed, ours_.observed_value):
            problems.append(f"{where}: observed GX {observed!r} vs ours {ours_.observed_value!r}")
        for field in ("unexpected_count", "unexpected_percent", "missing_count"):
            theirs = gx_result.get(field)
            CHECKED[field] += theirs is not None
            if theirs is not None and not same(theirs, getattr(ours_, field)):
                problems.append(f"{where}: {field} GX {theirs!r} vs ours {getattr(ours_, field)!r}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".iris_mlops" / "parity")
    parser.add_argument("--gx-python", type=Path, default=ROOT / ".venv-gx" / "bin" / "python")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    jobs, mine = ours(args.workdir)
    (args.workdir / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    gx_out = args.workdir / "gx-results.json"
    subprocess.run([str(args.gx_python), str(Path(__file__).with_name("run_gx.py")),
                    str(args.workdir / "jobs.json"), str(gx_out)], check=True)
    gx = json.loads(gx_out.read_text(encoding="utf-8"))
    problems, compared = [], 0
    for run in gx["runs"]:
        compared += len(run["gx"]["results"])
        found = compare(run["name"], run, mine[run["name"]])
        failed = sum(1 for r in run["gx"]["results"] if not r["success"])
        print(f"{run['name']:<11} {len(run['gx']['results']):>3} expectations, {failed:>2} failing in GX: "
              f"{'same' if not found else f'{len(found)} differences'}")
        problems += found
    for line in problems:
        print(f"  DIFFERENT {line}")
    print(f"parity: {compared} expectation results compared with GX {gx['great_expectations']} "
          f"(pyspark {gx['pyspark']}): {'OK' if not problems else f'{len(problems)} differences'}")
    print("fields compared: " + ", ".join(f"{k} {v}" for k, v in CHECKED.items()))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
