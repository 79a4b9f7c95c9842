"""Run exported suites with Great Expectations 1.x's Spark engine (inside .venv-gx, not the project venv).

Input: a JSON file listing jobs {"name", "suite" (path to GX suite JSON), "data" (Parquet path)}.
Output: a JSON file with, per job, GX's results, the validation wall time and the Spark jobs it ran.
Used by tests/parity/parity.py (`make test-parity`) and benchmarks/quality.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any


def spark_session() -> Any:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(os.environ.get("IRIS_MLOPS_SPARK_MASTER", "local[2]")).appName("gx-parity")
    for key, value in {"spark.sql.shuffle.partitions": "2", "spark.ui.enabled": "false",
                       "spark.driver.memory": "2g", "spark.sql.session.timeZone": "UTC",
                       "spark.ui.showConsoleProgress": "false"}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def validate(context: Any, spark: Any, job: dict[str, Any], repeats: int) -> dict[str, Any]:
    import great_expectations as gx

    document = json.loads(Path(job["suite"]).read_text(encoding="utf-8"))
    document["name"] = f"{document['name']}-{uuid.uuid4().hex[:6]}"
    suite = context.suites.add(gx.ExpectationSuite(**document))
    source = context.data_sources.add_spark(name=f"spark-{uuid.uuid4().hex[:6]}")
    batch_definition = source.add_dataframe_asset(name="data").add_batch_definition_whole_dataframe("all")
    df = spark.read.parquet(job["data"])
    timings, jobs, result = [], [], None
    for _ in range(repeats):
        tag = f"gx-{uuid.uuid4().hex}"
        spark.sparkContext.addJobTag(tag)
        start = time.perf_counter()
        batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
        result = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20})
        timings.append(time.perf_counter() - start)
        spark.sparkContext.removeJobTag(tag)
        jobs.append(len(list(spark.sparkContext._jsc.sc().statusTracker().getJobIdsForTag(tag))))
    assert result is not None
    return {"name": job["name"], "seconds": timings, "spark_jobs": jobs, "gx": result.to_json_dict()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("jobs", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    spark = spark_session()
    jobs = json.loads(args.jobs.read_text(encoding="utf-8"))
    out = {"great_expectations": gx.__version__, "pyspark": spark.version,
           "runs": [validate(context, spark, job, args.repeats) for job in jobs]}
    args.output.write_text(json.dumps(out, default=str), encoding="utf-8")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
