"""Run ids and the home lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from iris_mlops.errors import LockedError
from iris_mlops.runtime import home_lock, resolve_run_id


def test_resolve_run_id_keeps_the_job_run_id() -> None:
    assert resolve_run_id("123456") == "123456"


@pytest.mark.parametrize("given", [None, "", "{{job.run_id}}"])
def test_resolve_run_id_makes_a_local_id_when_none_is_given(given: str | None) -> None:
    assert resolve_run_id(given).startswith("local-")


def test_home_lock_is_reentrant_in_one_process(tmp_path: Path) -> None:
    with home_lock(tmp_path, wait_seconds=0), home_lock(tmp_path, wait_seconds=0):
        assert (tmp_path / ".lock").exists()


@pytest.mark.slow  # a second Python process holds the lock
def test_home_lock_refuses_a_second_process_with_a_clear_message(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from iris_mlops.runtime import home_lock\nimport pathlib, time\n"
            f"with home_lock(pathlib.Path({str(tmp_path)!r})):\n    print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(LockedError, match=r"another iris-mlops run \(pid \d+\) holds"),
            home_lock(tmp_path, wait_seconds=0.3),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_empty_frame_keeps_the_schema_and_needs_no_python_worker(spark) -> None:
    from iris_mlops.schemas import SILVER_SCHEMA
    from iris_mlops.spark import empty_frame

    df = empty_frame(spark, SILVER_SCHEMA)
    assert df.schema.fieldNames() == SILVER_SCHEMA.fieldNames() and df.count() == 0
    # A list-built frame is a LogicalRDD of pickled rows, whose jobs start Python worker processes.
    assert df._jdf.queryExecution().logical().getClass().getSimpleName() == "LocalRelation"
