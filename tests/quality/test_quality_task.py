"""The data-quality task end to end through its console-script entry point, on a temporary home."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from typer.testing import CliRunner

from iris_mlops.cli import app
from iris_mlops.config import load_settings
from iris_mlops.entrypoints import run_task
from iris_mlops.schemas import BRONZE_SCHEMA, SILVER_SCHEMA
from iris_mlops.storage.local_delta import LocalDeltaStore

T0 = datetime(2026, 1, 1)
ROWS = [(5.1, 3.5, 1.4, 0.2, "setosa"), (6.0, 2.9, 4.5, 1.5, "versicolor"), (6.5, 3.0, 5.5, 2.0, "virginica")] * 40


@pytest.mark.e2e
def test_data_quality_task_validates_published_tables(home: Path, spark: SparkSession,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings()
    store = LocalDeltaStore(spark, settings.home / "warehouse")
    bronze = [(*map(str, r), "f", T0, "b1", i, "r") for i, r in enumerate(ROWS)]
    store.overwrite(settings.table("bronze"), spark.createDataFrame(bronze, BRONZE_SCHEMA), run_id="r0")
    silver = [("b1", i, T0, *r, False, "r") for i, r in enumerate(ROWS[:-1])] + [("b1", 119, T0, 6.5, 3.0, 5.5, 2.0,
                                                                                    "daisy", False, "r")]
    store.overwrite(settings.table("silver"), spark.createDataFrame(silver, SILVER_SCHEMA), run_id="r0")

    code = run_task("data-quality", ["--json", "--run-id", "dq-1"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # silver holds an unknown species: an error
    assert [r["table"].split(".")[-1] for r in out["results"]] == ["iris_bronze", "iris_silver"]  # gold absent: skipped
    statuses = {r["suite"]: r["status"] for r in out["results"]}
    assert statuses == {"iris_bronze": "passed", "iris_silver": "failed"}
    assert Path(out["report"]).name == "dq-1-iris_bronze-iris_silver.html"
    assert store.read(settings.table("dq_results")).where("run_id = 'dq-1'").count() == 12 + 20

    report = CliRunner().invoke(app, ["quality", "report"])
    assert report.exit_code == 0 and report.stdout.strip() == out["report"]

    assert run_task("data-quality", ["--table", "bronze", "--run-id", "dq-2"]) == 0
    assert run_task("data-quality", ["--table", "gold"]) == 1  # named table missing: one-line error
    assert "does not exist yet" in capsys.readouterr().err


@pytest.mark.e2e
def test_data_quality_skips_tables_their_gate_validated_in_this_run(
    home: Path, spark: SparkSession, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("bronze", "silver"):
        assert run_task(name, ["--run-id", "wap-1"]) == 0
    settings = load_settings()
    capsys.readouterr()

    assert run_task("data-quality", ["--json", "--run-id", "wap-1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sorted(t.split(".")[-1] for t in out["already_validated"]) == ["iris_bronze", "iris_silver"]
    assert out["results"] == []  # gold and the feature table do not exist yet: nothing left to validate
    store = LocalDeltaStore(spark, settings.home / "warehouse")
    per_table = store.read(settings.table("dq_results")).where("run_id = 'wap-1'").groupBy("table_name").count()
    assert {r["table_name"].split(".")[-1]: r["count"] for r in per_table.collect()} == {"iris_bronze": 13,
                                                                                          "iris_silver": 19}


@pytest.mark.e2e
def test_data_quality_all_and_a_new_run_validate_every_table(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("bronze", "silver"):
        assert run_task(name, ["--run-id", "wap-2"]) == 0
    capsys.readouterr()

    assert run_task("data-quality", ["--json", "--run-id", "wap-2", "--all"]) == 0
    forced = json.loads(capsys.readouterr().out)
    assert run_task("data-quality", ["--json"]) == 0  # on its own: a new run id, nothing validated yet
    alone = json.loads(capsys.readouterr().out)
    for out in (forced, alone):
        assert out["already_validated"] == []
        assert sorted(r["table"].split(".")[-1] for r in out["results"]) == ["iris_bronze", "iris_silver"]
