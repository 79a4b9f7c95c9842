"""The local runner's warm-up: Spark, then the MLflow store, started in the background as a run begins."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import iris_mlops.spark
from iris_mlops.config import load_settings
from iris_mlops.workflow.model import WheelTask
from iris_mlops.workflow.warmup import WarmUp, known_tasks


def wheel(key: str, entry_point: str | None = None, package: str = "iris_mlops") -> WheelTask:
    return WheelTask(key=key, entry_point=entry_point or f"iris-mlops-{key}", package_name=package)


def mlflow_tables(home: Path) -> set[str]:
    with sqlite3.connect(home / "mlflow.db") as db:
        return {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}


def test_known_tasks_are_our_registered_tasks_only() -> None:
    tasks = [wheel("bronze"), wheel("train"), wheel("a"), wheel("gold", package="other_package")]
    found = known_tasks(tasks)
    assert [t.name for t in found] == ["bronze", "train"]
    assert [t.uses_mlflow for t in found] == [False, True]


def test_warm_up_starts_spark_then_creates_the_mlflow_store(spark: object, home: Path) -> None:
    warm_up = WarmUp(load_settings("local"), mlflow=True)
    warm_up.start()
    warm_up.join(timeout=120)
    assert not warm_up.is_alive()
    assert {"experiments", "runs", "registered_models", "model_versions"} <= mlflow_tables(home)


def test_warm_up_without_mlflow_tasks_leaves_no_store(spark: object, home: Path) -> None:
    warm_up = WarmUp(load_settings("local"), mlflow=False)
    warm_up.start()
    warm_up.join(timeout=120)
    assert not (home / "mlflow.db").exists()


def test_a_finished_run_cancels_a_store_not_yet_begun(spark: object, home: Path) -> None:
    warm_up = WarmUp(load_settings("local"), mlflow=True)
    warm_up.finish()  # the run ended (say, on bad input) before Spark was up
    warm_up.start()
    warm_up.join(timeout=120)
    assert not (home / "mlflow.db").exists()


def test_a_spark_failure_is_left_for_the_tasks_to_report(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_java() -> None:
        raise RuntimeError("Java gateway process exited")

    monkeypatch.setattr(iris_mlops.spark, "get_spark", no_java)
    warm_up = WarmUp(load_settings("local"), mlflow=True)
    warm_up.start()
    warm_up.join(timeout=120)
    assert not warm_up.is_alive()
    assert "experiments" in mlflow_tables(home)  # the store is prepared all the same



def test_no_warm_up_without_pyspark(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import iris_mlops.workflow.warmup as warmup

    def missing() -> None:
        raise ModuleNotFoundError("No module named 'pyspark'")

    monkeypatch.setattr(warmup, "_import_shared_libraries", missing)
    assert warmup.start_warm_up(load_settings("local"), [wheel("bronze")]) is None
