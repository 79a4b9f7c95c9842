"""`iris-mlops tables list|show|vacuum|optimize` with a corrupt table and with versions models were trained on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iris_mlops.cli import app

SILVER = "local.iris.iris_silver"
GOLD = "local.iris.iris_gold"
SCHEMA = "sepal_length double, species string"


@pytest.fixture()
def store(spark, home: Path):
    from iris_mlops.storage.local_delta import LocalDeltaStore

    return LocalDeltaStore(spark, home / "warehouse")


def _overwrite(store, spark, name: str, value: float) -> None:
    store.overwrite(name, spark.createDataFrame([(value, "setosa")], SCHEMA), run_id="r")


def invoke(*args: str):
    return CliRunner().invoke(app, ["tables", *args])


def _corrupt(store, name: str, version: int) -> None:
    (Path(store.location(name)) / "_delta_log" / f"{version:020d}.json").write_bytes(b"")


def test_tables_list_shows_a_corrupt_table_as_unreadable_and_the_others(store, spark) -> None:
    for value in (1.0, 2.0):
        _overwrite(store, spark, SILVER, value)
    _overwrite(store, spark, GOLD, 1.0)
    _corrupt(store, SILVER, 1)
    result = invoke("list")
    assert result.exit_code == 0, result.output
    assert f"{GOLD}  v0" in result.stdout
    assert f"{SILVER}  UNREADABLE: table {SILVER} is corrupt at version 1" in result.stdout
    entries = json.loads(invoke("list", "--json").stdout)
    assert {e["name"]: e["version"] for e in entries} == {GOLD: 0, SILVER: None}


def test_tables_show_of_a_corrupt_table_is_one_line_and_exit_2(store, spark) -> None:
    for value in (1.0, 2.0):
        _overwrite(store, spark, SILVER, value)
    _corrupt(store, SILVER, 1)
    result = invoke("show", "iris_silver")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: table {SILVER} is corrupt at version 1: commit {1:020d}.json is empty (an interrupted write); "
        "restore the file or remove it and every later commit"
    ]


def _register(home: Path, table: str, version: int) -> None:
    """A registered model version whose tags say it was trained on `table` at `version`."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{home / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("lineage")
    run = client.create_run(experiment)
    client.create_registered_model("iris_classifier")
    client.create_model_version("iris_classifier", source=str(home), run_id=run.info.run_id,
                                tags={"features_table": table, "features_table_version": str(version)})


def test_tables_vacuum_keeps_the_version_a_registered_model_was_trained_on(store, spark, home: Path) -> None:
    for value in (1.0, 2.0, 3.0):
        _overwrite(store, spark, SILVER, value)
    _register(home, SILVER, 1)
    result = invoke("vacuum", "iris_silver", "--retain-hours", "0", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kept_versions"] == [1]
    assert store.read(SILVER, version=1).first()[0] == 2.0
    from iris_mlops.errors import CorruptTableError

    with pytest.raises(CorruptTableError, match="is missing"):
        store.read(SILVER, version=0)


def test_tables_vacuum_deletes_a_protected_version_released_by_name(store, spark, home: Path) -> None:
    for value in (1.0, 2.0, 3.0):
        _overwrite(store, spark, SILVER, value)
    _register(home, SILVER, 1)
    result = invoke("vacuum", "iris_silver", "--retain-hours", "0", "--release-version", "1")
    assert result.exit_code == 0, result.output
    assert "2 file(s) removed" in result.stdout


def test_tables_optimize_compacts_appends(store, spark) -> None:
    for value in (1.0, 2.0, 3.0):
        store.append(SILVER, spark.createDataFrame([(value, "setosa")], SCHEMA), run_id="r")
    result = invoke("optimize", "iris_silver")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{SILVER} optimized: 3 file(s) removed, now v3"
    assert store.read(SILVER).count() == 3


def test_tables_vacuum_of_a_missing_table_fails_in_one_line(home: Path) -> None:
    result = invoke("vacuum", "nope")
    assert result.exit_code != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "table local.iris.nope does not exist" in result.stderr
