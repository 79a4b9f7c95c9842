"""What making local Delta commits durable costs: fsync of the data file, table folder, commit and log folder.

    python benchmarks/durability.py [--commits 60]

delta-rs 1.6 itself calls no fsync on a local disk (strace: the commit is written to a temporary file and
hard-linked into place), so LocalDeltaStore syncs what each write adds. This appends small commits with
delta-rs and times, separately, the commit and the syncs the store adds after it (median and 90th percentile).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    import pyarrow as pa
    from deltalake import write_deltalake

    from iris_mlops.storage import delta_log

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=60)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="iris-durability-")) / "t"
    rows = pa.table({"a": list(range(1000))})
    write_deltalake(str(root), rows)
    commits, syncs = [], []
    for _ in range(args.commits):
        started = time.perf_counter()
        write_deltalake(str(root), rows, mode="append")
        commits.append(time.perf_counter() - started)
        version = max(delta_log.commit_files(root))
        newest = max(root.glob("*.parquet"), key=lambda p: p.stat().st_mtime)
        started = time.perf_counter()
        delta_log.fsync_paths([newest, root])
        delta_log.make_commit_durable(root, version)
        syncs.append(time.perf_counter() - started)
    for name, values in (("delta-rs commit", commits), ("fsyncs added by the store", syncs)):
        ordered = sorted(values)
        print(f"{name:<26} median {statistics.median(values) * 1000:6.1f} ms   "
              f"p90 {ordered[int(len(ordered) * 0.9)] * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
