"""`iris-mlops tables list|show|history` on a local warehouse filled through the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iris_mlops.cli import app
from iris_mlops.storage.base import TableProperties

SILVER = "local.iris.iris_silver"


@pytest.fixture()
def warehouse(spark, home: Path) -> Path:
    """Two commits to iris_silver in the default local catalog/schema (`local.iris`)."""
    from iris_mlops.storage.local_delta import LocalDeltaStore

    store = LocalDeltaStore(spark, home / "warehouse")
    rows = [(5.1, "setosa"), (6.2, "virginica")]
    store.overwrite(SILVER, spark.createDataFrame(rows, "sepal_length double, species string"), run_id="run-a",
                    properties=TableProperties(description="typed rows", primary_key=("species",)))
    store.append(SILVER, spark.createDataFrame([(5.9, "versicolor")], "sepal_length double, species string"),
                 run_id="run-b")
    return home / "warehouse"


def invoke(*args: str):
    return CliRunner().invoke(app, ["tables", *args])


def test_tables_show_json_has_the_documented_keys(warehouse: Path) -> None:
    result = invoke("show", "iris_silver", "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["name"] == SILVER
    assert info["rows"] == 3
    assert info["version"] == 2  # create, primary-key property commit, append
    assert info["columns"] == [{"name": "sepal_length", "type": "double"}, {"name": "species", "type": "string"}]
    assert info["location"] == str(warehouse / "local" / "iris" / "iris_silver")
    assert info["description"] == "typed rows"
    assert info["properties"]["iris_mlops.primary_key"] == "species"


def test_tables_show_accepts_a_three_level_name(warehouse: Path) -> None:
    result = invoke("show", SILVER)
    assert result.exit_code == 0, result.output
    assert f"{SILVER}  v2  3 rows" in result.stdout
    assert "sepal_length: double" in result.stdout


def test_tables_show_missing_table_is_one_line_error(warehouse: Path) -> None:
    result = invoke("show", "iris_gold")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert "local.iris.iris_gold does not exist" in result.output


def test_tables_show_refuses_a_bad_name(warehouse: Path) -> None:
    result = invoke("show", "iris.silver")
    assert result.exit_code == 2
    assert "invalid table name 'iris.silver'" in result.output


def test_tables_list_shows_names_and_versions(warehouse: Path) -> None:
    result = invoke("list", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"name": SILVER, "version": 2}]


def test_tables_list_of_an_empty_schema(warehouse: Path) -> None:
    result = invoke("list", "--schema", "empty")
    assert result.exit_code == 0, result.output
    assert "no tables in local.empty" in result.stdout


def test_tables_history_is_newest_first_with_run_ids(warehouse: Path) -> None:
    result = invoke("history", "iris_silver", "--json")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert [e["version"] for e in entries] == [2, 1, 0]
    assert [e["run_id"] for e in entries] == ["run-b", "run-a", "run-a"]
    text = invoke("history", "iris_silver").stdout.splitlines()
    assert text[0].startswith("v2 ") and text[0].endswith("run-b")
