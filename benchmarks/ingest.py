"""Bronze ingest at 1 M and 10 M rows against plain `spark.read.csv` -> Parquet, in the same run.

    python benchmarks/ingest.py [--sizes 1000000 10000000] [--workdir DIR]

For each size a seeded CSV is generated, then each side runs in its own process (so that its Python peak memory
is its own): "bronze" is our reader (hash + UTF-8 pass, pyarrow streaming CSV -> Parquet parts) plus the bronze
metadata and the local Delta replace of its batch; "spark" reads the same file as strings and writes Parquet.
Spark is started and warmed up before the clock starts on both sides. Prints seconds, the ratio (goal <= 1.5x),
Python peak RSS in MB (goal: flat across sizes), the Delta files of the batch, and what adding a second small
batch touches. Figures only, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SEED = 42
HEADER = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]


def generate(path: Path, rows: int, *, seed: int = SEED, block: int = 1_000_000) -> None:
    """A CSV of `rows` plausible Iris rows, written in blocks (seeded)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    species = np.array(["setosa", "versicolor", "virginica"])
    with pacsv.CSVWriter(path, pa.schema([(c, pa.string()) for c in HEADER])) as writer:
        for start in range(0, rows, block):
            n = min(block, rows - start)
            columns = [pa.array(np.round(rng.uniform(0.1, 8.0, n), 1).astype(str)) for _ in HEADER[:4]]
            columns.append(pa.array(species[rng.integers(0, 3, n)]))
            writer.write_table(pa.table(dict(zip(HEADER, columns, strict=True))))


def _warm(spark: Any, side: str, workdir: Path) -> None:
    """Run the side's own pipeline once on 1,000 rows, so that neither side pays the JVM's first compilations."""
    tiny = workdir / "warm" / "tiny.csv"
    tiny.parent.mkdir(parents=True, exist_ok=True)
    generate(tiny, 1000, seed=SEED + 2)
    if side == "bronze":
        _bronze(spark, tiny, workdir / "warm", "bench.warm.bronze")
    else:
        _spark_copy(spark, tiny, workdir / "warm" / "out")


def _bronze(spark: Any, source: Path, workdir: Path, name: str) -> tuple[Any, Any, float]:
    """read_source -> bronze metadata -> replace the batch; returns the store, the source and the reader's time."""
    from datetime import datetime, timezone

    from iris_mlops.layers.bronze import add_ingestion_metadata
    from iris_mlops.sources import read_source
    from iris_mlops.storage.local_delta import LocalDeltaStore

    store = LocalDeltaStore(spark, workdir / "warehouse")
    started = time.perf_counter()
    raw = read_source(source, staging_dir=workdir / "staging")
    read_seconds = time.perf_counter() - started
    df = add_ingestion_metadata(raw.to_spark(spark), source=raw.name, batch_id=raw.batch_id,
                                ingested_at=datetime.now(timezone.utc), run_id="bench")
    store.replace_where(name, df, column="batch_id", values=[raw.batch_id], run_id="bench")
    raw.close()
    return store, raw, read_seconds


def _spark_copy(spark: Any, source: Path, out: Path) -> None:
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(c, StringType()) for c in HEADER])
    spark.read.option("header", True).schema(schema).csv(str(source)).write.mode("overwrite").parquet(str(out))


def run_bronze(source: Path, workdir: Path) -> dict[str, Any]:
    """Our bronze: stream the file to parts, add ingestion metadata, replace its batch in a local Delta table."""
    from iris_mlops.spark import get_spark

    spark = get_spark("ingest-bronze")
    _warm(spark, "bronze", workdir)
    name = "bench.ingest.bronze"
    started = time.perf_counter()
    store, raw, read_seconds = _bronze(spark, source, workdir, name)
    seconds = time.perf_counter() - started
    files = len(store._open(name).file_uris())
    return {"seconds": seconds, "read_seconds": read_seconds, "rows": raw.rows, "files": files,
            **_small_batch(store, name, spark, workdir)}


def _small_batch(store: Any, name: str, spark: Any, workdir: Path) -> dict[str, Any]:
    """Add a 120-row batch to the big table: which files the commit removes and adds."""
    from datetime import datetime, timezone

    from iris_mlops.layers.bronze import add_ingestion_metadata
    from iris_mlops.sources import read_source

    small = workdir / "small.csv"
    generate(small, 120, seed=SEED + 1)
    before = set(store._open(name).file_uris())
    raw = read_source(small, staging_dir=workdir / "staging")
    df = add_ingestion_metadata(raw.to_spark(spark), source=raw.name, batch_id=raw.batch_id,
                                ingested_at=datetime.now(timezone.utc), run_id="bench-small")
    started = time.perf_counter()
    store.replace_where(name, df, column="batch_id", values=[raw.batch_id], run_id="bench-small")
    after = set(store._open(name).file_uris())
    return {"small_batch_seconds": time.perf_counter() - started, "small_removed": len(before - after),
            "small_added": len(after - before)}


def run_spark(source: Path, workdir: Path) -> dict[str, Any]:
    """The baseline: Spark reads the CSV as strings and writes Parquet."""
    from iris_mlops.spark import get_spark

    spark = get_spark("ingest-spark")
    _warm(spark, "spark", workdir)
    started = time.perf_counter()
    _spark_copy(spark, source, workdir / "spark-out")
    return {"seconds": time.perf_counter() - started}


def worker(side: str, source: Path, workdir: Path) -> None:
    """One side in this process; prints its figures and this process's peak RSS as JSON."""
    result = (run_bronze if side == "bronze" else run_spark)(source, workdir)
    result["python_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(side: str, source: Path, workdir: Path) -> dict[str, Any]:
    env = {**os.environ, "IRIS_MLOPS_SPARK_JIT": "full"}  # long jobs on large data: the JVM's full JIT
    done = subprocess.run([sys.executable, __file__, "--worker", side, str(source), str(workdir)],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{side} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), Path(args.worker[2]))
        return
    root = args.workdir or Path(tempfile.mkdtemp(prefix="iris-ingest-bench-"))
    print(f"{os.cpu_count()} cores, Spark local[2], seed {SEED}; work folder {root}")
    for rows in args.sizes:
        folder = root / f"rows-{rows}"
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / "iris.csv"
        generate(source, rows)
        bronze, spark = measure("bronze", source, folder), measure("spark", source, folder)
        size_mb = source.stat().st_size / 2**20
        print(f"{rows:>11,} rows ({size_mb:.0f} MB CSV): bronze {bronze['seconds']:.1f} s (reader "
              f"{bronze['read_seconds']:.1f} s) vs spark.read.csv -> Parquet {spark['seconds']:.1f} s: "
              f"{bronze['seconds'] / spark['seconds']:.2f}x (goal <= 1.5x)")
        print(f"{'':>13}Python peak RSS: bronze {bronze['python_peak_mb']:.0f} MB, spark {spark['python_peak_mb']:.0f} "
              f"MB; Delta files of the batch: {bronze['files']}; a 120-row batch added after it: "
              f"{bronze['small_removed']} file(s) removed, {bronze['small_added']} added in "
              f"{bronze['small_batch_seconds']:.1f} s")


if __name__ == "__main__":
    main()
