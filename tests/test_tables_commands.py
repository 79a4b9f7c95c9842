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
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert "local.iris.iris_gold does not exist" in result.output
    assert "tables in local.iris: iris_silver" in result.output


def test_a_mistyped_table_gets_did_you_mean(warehouse: Path) -> None:
    for command in (["show", "iris_slver"], ["history", "iris_slver"], ["head", "iris_slver"]):
        result = invoke(*command)
        assert result.exit_code == 2, result.output
        assert "did you mean 'iris_silver'?" in result.output, command


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


def test_tables_head_reads_rows_versions_and_filters(warehouse: Path) -> None:
    rows = json.loads(invoke("head", "iris_silver", "--json").stdout)
    assert sorted(r["species"] for r in rows) == ["setosa", "versicolor", "virginica"]
    assert len(json.loads(invoke("head", "iris_silver", "--limit", "1", "--json").stdout)) == 1
    old = json.loads(invoke("head", "iris_silver", "--version", "0", "--json").stdout)
    assert sorted(r["species"] for r in old) == ["setosa", "virginica"]
    filtered = invoke("head", "iris_silver", "--where", "sepal_length > 6", "--json")
    assert filtered.exit_code == 0, filtered.output
    assert [r["species"] for r in json.loads(filtered.stdout)] == ["virginica"]
    text = invoke("head", "iris_silver").stdout.splitlines()
    assert text[0].split() == ["sepal_length", "species"] and len(text) == 4


def test_tables_head_refuses_a_bad_condition_and_a_missing_version(warehouse: Path) -> None:
    bad = invoke("head", "iris_silver", "--where", "no_such_column > 1")
    assert bad.exit_code == 2
    assert "--where 'no_such_column > 1' is not a valid condition" in bad.output
    assert len(bad.output.strip().splitlines()) == 1
    missing = invoke("head", "iris_silver", "--version", "9")
    assert missing.exit_code == 2
    assert "has no version 9 (latest is 2)" in missing.output


def test_tables_restore_commits_a_new_version_equal_to_the_old_one(warehouse: Path) -> None:
    result = invoke("restore", "iris_silver", "--version", "0", "--run-id", "undo-1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"table": SILVER, "restored_version": 0, "version": 3, "run_id": "undo-1"}
    rows = json.loads(invoke("head", "iris_silver", "--json").stdout)
    assert sorted(r["species"] for r in rows) == ["setosa", "virginica"]
    history = json.loads(invoke("history", "iris_silver", "--json").stdout)
    assert (history[0]["version"], history[0]["operation"], history[0]["run_id"]) == (3, "restore", "undo-1")
    assert json.loads(invoke("show", "iris_silver", "--json").stdout)["rows"] == 2


def test_tables_restore_refuses_a_version_that_does_not_exist(warehouse: Path) -> None:
    result = invoke("restore", "iris_silver", "--version", "7")
    assert result.exit_code == 2
    assert "has no version 7 (latest is 2)" in result.output
    assert json.loads(invoke("list", "--json").stdout) == [{"name": SILVER, "version": 2}]


def test_metadata_commands_answer_without_spark(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import iris_mlops.spark

    def no_spark() -> None:
        raise AssertionError("Spark was started")

    monkeypatch.setattr(iris_mlops.spark, "get_spark", no_spark)
    for command in (["list"], ["show", "iris_silver"], ["history", "iris_silver"], ["head", "iris_silver"]):
        result = invoke(*command)
        assert result.exit_code == 0, (command, result.output)
    for command in (["batches", "list"], ["quarantine"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, (command, result.output)
