"""Each table-writing task killed before each of its commits, then rerun: the tables converge to an uninterrupted run.

The crash is injected in-process (an exception raised when the store is about to commit its k-th write); the
real `kill -9` loop is in `test_kill_nine_loop_converges` (slow).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from iris_mlops.config import load_settings
from iris_mlops.entrypoints import run_task
from iris_mlops.storage.local_delta import LocalDeltaStore

HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n"
SMALL = (
    HEADER + "5.1,3.5,1.4,0.2,setosa\nabc,3.0,1.4,0.2,setosa\n6.3,2.9,5.6,1.8,Iris-virginica\n4.8,3.1,1.5,0.2,tulip\n"
)
WRITES = ("overwrite", "append", "merge", "replace_where", "delete_where", "set_properties")
TABLES = ("bronze", "silver", "quarantine", "features")
VOLATILE = {"run_id", "ingested_at"}  # differ between any two runs, interrupted or not


class KilledError(Exception):
    """The injected crash."""


def crash_before_write(mp: pytest.MonkeyPatch, k: int) -> list[str]:
    """Make the store raise KilledError when it is about to make its k-th write (0: never); returns the writes seen."""
    seen: list[str] = []

    def wrap(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def write(self: LocalDeltaStore, *args: Any, **kwargs: Any) -> Any:
            seen.append(name)
            if len(seen) == k:
                raise KilledError(f"killed before write {k} ({name})")
            return real(self, *args, **kwargs)

        return write

    for name in WRITES:
        mp.setattr(LocalDeltaStore, name, wrap(name, getattr(LocalDeltaStore, name)))
    return seen


def snapshot(spark) -> dict[str, Any]:
    """Every table's rows (without run ids and load times) and the feature table's lineage source version."""
    settings = load_settings()
    store = LocalDeltaStore(spark, settings.home / "warehouse")
    found: dict[str, Any] = {}
    for key in TABLES:
        name = settings.table(key)
        if store.exists(name):
            df = store.read(name)
            kept = [c for c in df.columns if c not in VOLATILE]
            found[key] = sorted(tuple(str(v) for v in row) for row in df.select(*kept).collect())
    if "features" in found:
        found["features_source_version"] = store.properties(settings.table("features")).get(
            "iris_mlops.source_version")
    return found


def _prepare(home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, steps: list[str]) -> None:
    monkeypatch.setenv("IRIS_MLOPS_HOME", str(home))
    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    assert run_task("bronze", []) == 0
    for step in steps:
        args = ["--source", str(small)] if step == "bronze-small" else []
        assert run_task(step.removesuffix("-small"), args) == 0


CASES = {
    "silver": ["bronze-small"],
    "feature-store": ["bronze-small", "silver"],
    "gold": ["bronze-small", "silver"],
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.usefixtures("quality_gate_off")
def test_task_killed_at_each_commit_converges_on_rerun(
    spark, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    _prepare(tmp_path / "clean", monkeypatch, tmp_path, CASES[name])
    with pytest.MonkeyPatch.context() as mp:
        writes = crash_before_write(mp, 0)
        assert run_task(name, []) == 0
    expected = snapshot(spark)
    assert writes, "the task wrote nothing: no commit boundary to test"
    for k in range(1, len(writes) + 1):
        _prepare(tmp_path / f"crash{k}", monkeypatch, tmp_path, CASES[name])
        with pytest.MonkeyPatch.context() as mp:
            crash_before_write(mp, k)
            with pytest.raises(KilledError):
                run_task(name, [])
        assert run_task(name, []) == 0
        assert snapshot(spark) == expected, f"{name} killed before write {k} ({writes[k - 1]}) did not converge"


@pytest.mark.usefixtures("quality_gate_off")
def test_train_refuses_features_whose_lineage_commit_was_lost(
    spark, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    _prepare(home, monkeypatch, tmp_path, ["silver", "feature-store", "bronze-small", "silver"])
    with pytest.MonkeyPatch.context() as mp:  # the second build dies between its rows and its lineage
        crash_before_write(mp, 2)
        with pytest.raises(KilledError):
            run_task("feature-store", [])
    capsys.readouterr()
    assert run_task("train", []) == 1
    err = capsys.readouterr().err
    assert "has no lineage for its rows" in err and "rerun `iris-mlops feature-store`" in err
    assert run_task("feature-store", []) == 0
    assert "previous feature-store run was interrupted" in capsys.readouterr().err
    settings = load_settings()
    store = LocalDeltaStore(spark, settings.home / "warehouse")
    silver_version = store.version(settings.table("silver"))
    assert store.properties(settings.table("features"))["iris_mlops.source_version"] == str(silver_version)


def _tables_on_disk(home: Path) -> dict[str, Any]:
    """The row snapshot, read in a fresh process-independent way (delta-rs + pandas: no Spark needed)."""
    from deltalake import DeltaTable

    found = {}
    for folder in sorted((home / "warehouse").glob("*/*/*")):
        frame = DeltaTable(str(folder)).to_pandas()
        kept = [c for c in frame.columns if c not in VOLATILE]
        found[folder.name] = sorted(map(tuple, frame[kept].astype(str).to_numpy().tolist()))
    return found


@pytest.mark.slow
def test_kill_nine_loop_converges(tmp_path: Path) -> None:
    """bronze -> silver -> feature-store as subprocesses, each SIGKILLed after a growing delay, then rerun."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IRIS_MLOPS_")}
    env["IRIS_MLOPS_QUALITY__ENABLED"] = "false"

    def run(home: Path, task: str, *, kill_after: float | None = None) -> None:
        command = [sys.executable, "-c", "from iris_mlops.cli import app; app()", task]
        process = subprocess.Popen(command, env={**env, "IRIS_MLOPS_HOME": str(home)},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kill_after is None:
            assert process.wait(timeout=600) == 0, f"{task} failed"
            return
        time.sleep(kill_after)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)

    tasks = ("bronze", "silver", "feature-store")
    clean = tmp_path / "clean"
    for task in tasks:
        run(clean, task)
    expected = _tables_on_disk(clean)
    for attempt, delay in enumerate((4.0, 8.0, 12.0, 16.0)):
        home = tmp_path / f"killed{attempt}"
        for task in tasks:
            run(home, task, kill_after=delay)
            run(home, task)
        assert _tables_on_disk(home) == expected, f"killed after {delay}s: not converged"
