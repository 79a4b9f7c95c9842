"""Two processes writing one local table with the home lock off: appends/replaces both land, overwrites refuse."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SRC = str(Path(__file__).resolve().parents[2] / "src")
HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IRIS_MLOPS_")}
    env.update(
        IRIS_MLOPS_HOME=str(home), IRIS_MLOPS_HOME_LOCK="off", IRIS_MLOPS_QUALITY__ENABLED="false",
        PYTHONPATH=SRC + os.pathsep + env.get("PYTHONPATH", ""), IRIS_MLOPS_SPARK_MASTER="local[1]",
    )
    return env


def _csv(path: Path, rows: int, width: float) -> Path:
    path.write_text(HEADER + "".join(f"5.{i % 9},{width},1.4,0.2,setosa\n" for i in range(rows)))
    return path


def _bronze_rows(home: Path) -> dict[str, int]:
    import pyarrow.compute as pc
    from deltalake import DeltaTable

    table = DeltaTable(str(home / "warehouse" / "local" / "iris" / "iris_bronze")).to_pyarrow_dataset().to_table()
    counts = pc.value_counts(table.column("batch_id")).to_pylist()
    return {c["values"]: c["counts"] for c in counts}


def test_two_bronze_processes_without_the_lock_both_land(tmp_path: Path) -> None:
    home = tmp_path / "home"
    sources = [_csv(tmp_path / "a.csv", 150, 3.1), _csv(tmp_path / "b.csv", 120, 3.2)]
    code = "from iris_mlops.cli import app; app()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, "bronze", "--source", str(s)], env=_env(home),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for s in sources
    ]
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err[-2000:]
    assert sorted(_bronze_rows(home).values()) == [120, 150]


WRITER = textwrap.dedent(
    """
    import pathlib, sys, time
    from iris_mlops.spark import get_spark
    from iris_mlops.storage.local_delta import LocalDeltaStore
    from iris_mlops.errors import IrisMlopsError

    warehouse, name, me, flags = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], pathlib.Path(sys.argv[4])
    spark = get_spark("writer-" + me)
    store = LocalDeltaStore(spark, warehouse)
    current = store.read(name)
    (flags / f"read-{me}").touch()
    while len(list(flags.glob("read-*"))) < 2:  # both have read the same version before either writes
        time.sleep(0.05)
    if me == "second":
        while not (flags / "written-first").exists():
            time.sleep(0.05)
    try:
        version = store.overwrite(name, current.withColumn("value", current.value + 1), run_id=me)
    except IrisMlopsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    (flags / f"written-{me}").touch()
    print(version)
    """
)


def test_conflicting_overwrites_from_two_processes_one_fails_in_one_line(spark, tmp_path: Path) -> None:
    from iris_mlops.storage.local_delta import LocalDeltaStore

    name = "iris_test.race.t"
    warehouse = tmp_path / "warehouse"
    store = LocalDeltaStore(spark, warehouse)
    store.overwrite(name, spark.createDataFrame([(1, 1.0)], "id long, value double"), run_id="setup")
    flags = tmp_path / "flags"
    flags.mkdir()
    env = _env(tmp_path / "home")
    procs = {
        me: subprocess.Popen([sys.executable, "-c", WRITER, str(warehouse), name, me, str(flags)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for me in ("first", "second")
    }
    started = time.monotonic()
    out = {me: p.communicate(timeout=300) for me, p in procs.items()}
    assert time.monotonic() - started < 300
    assert procs["first"].returncode == 0, out["first"][1][-2000:]
    assert procs["second"].returncode == 1
    last = [line for line in out["second"][1].splitlines() if line.startswith("error: ")]
    assert last == [
        f"error: table {name} changed while this write ran: another writer removed files this write replaces "
        "(versions 1..1); nothing was written, rerun to build on version 1"
    ]
    assert [tuple(r) for r in LocalDeltaStore(spark, warehouse).read(name).collect()] == [(1, 2.0)]
