"""Batches of any size pass the quality rules; silver says where rows went; the quarantine command shows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iris_mlops.cli import app
from iris_mlops.entrypoints import run_task

HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n"
GOOD = ["5.1,3.5,1.4,0.2,setosa", "7.0,3.2,4.7,1.4,versicolor", "6.3,3.3,6.0,2.5,virginica",
        "4.9,3.0,1.4,0.2,setosa", "6.4,3.2,4.5,1.5,versicolor", "5.8,2.7,5.1,1.9,virginica"]
BAD = ["abc,3.0,1.4,0.2,setosa", "5.0,x,1.4,0.2,setosa", "5.0,3.0,1.4,0.2,tulip", "6.0,3.0,4.4,1.2,rose"]


def _csv(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows))
    return path


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


def test_small_batch_with_bad_rows_passes_every_error_rule(spark, home: Path, tmp_path: Path, capsys) -> None:
    small = _csv(tmp_path, "ten.csv", GOOD + BAD)
    assert run_task("bronze", ["--source", str(small)]) == 0
    err = capsys.readouterr().err
    assert "expect_table_row_count_to_be_between" in err  # the 100-200 rule warns about a small batch
    assert run_task("silver", []) == 0
    err = capsys.readouterr().err
    assert "6 → silver, 4 → quarantine (not_a_number: 2, unknown_species: 2)" in err
    assert run_task("gold", []) == 0


def test_silver_json_counts_rows_and_reasons(spark, home: Path, tmp_path: Path, capsys) -> None:
    assert run_task("bronze", ["--source", str(_csv(tmp_path, "b.csv", GOOD + BAD[:1]))]) == 0
    capsys.readouterr()
    assert run_task("silver", ["--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["silver_rows"], result["quarantine_rows"]) == (6, 1)
    assert result["quarantine_reasons"] == {"not_a_number": 1}


def test_every_row_quarantined_says_why_in_one_line(spark, home: Path, tmp_path: Path, capsys) -> None:
    assert run_task("bronze", ["--source", str(_csv(tmp_path, "bad.csv", BAD))]) == 0
    capsys.readouterr()
    assert run_task("silver", []) == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1
    assert "every row of batch" in lines[0] and "(4 rows; top reasons: not_a_number: 2, unknown_species: 2)" in lines[0]
    assert "observed 0" not in lines[0]
    shown = CliRunner().invoke(app, ["quarantine", "--json"])  # the rows are kept where people can look
    assert json.loads(shown.stdout)["rows"] == 4


def test_silver_before_bronze_says_what_to_run(home: Path, capsys) -> None:
    assert run_task("silver", []) == 1
    lines = _error_lines(capsys.readouterr().err)
    assert lines == ["error: table local.iris.iris_bronze does not exist yet: run `iris-mlops bronze` first"]


def test_train_before_feature_store_says_what_to_run(home: Path, capsys) -> None:
    assert run_task("train", []) == 1
    assert "run `iris-mlops feature-store` first" in capsys.readouterr().err


def test_quarantine_command_counts_per_reason_and_batch_with_examples(spark, home: Path, tmp_path: Path) -> None:
    first = _csv(tmp_path, "one.csv", GOOD + BAD)
    second = _csv(tmp_path, "two.csv", GOOD[:3] + BAD[:1])
    for source in (first, second):
        assert run_task("bronze", ["--source", str(source)]) == 0
    assert run_task("silver", []) == 0
    runner = CliRunner()
    summary = json.loads(runner.invoke(app, ["quarantine", "--json", "--examples", "1"]).stdout)
    assert summary["rows"] == 5
    assert summary["by_reason"] == {"not_a_number": 3, "unknown_species": 2}
    assert sorted(sum(v.values()) for v in summary["by_batch"].values()) == [1, 4]
    assert {k: len(v) for k, v in summary["examples"].items()} == {"not_a_number": 1, "unknown_species": 1}
    text = runner.invoke(app, ["quarantine"]).stdout
    assert text.startswith("5 quarantined rows (not_a_number: 3, unknown_species: 2)")
    assert "sepal_length='abc'" in text


def test_quarantine_before_silver_is_empty_not_an_error(home: Path) -> None:
    result = CliRunner().invoke(app, ["quarantine"])
    assert result.exit_code == 0
    assert "quarantine is empty" in result.stdout


@pytest.mark.parametrize("examples", ["-1", "x"])
def test_quarantine_refuses_bad_options(home: Path, examples: str) -> None:
    assert CliRunner().invoke(app, ["quarantine", "--examples", examples]).exit_code == 2


def test_batches_list_from_the_delta_log_matches_the_spark_answer(spark, home: Path, tmp_path: Path) -> None:
    from iris_mlops.commands.batches import batch_rows, batch_rows_without_spark
    from iris_mlops.tasks.context import task_context

    assert run_task("bronze", ["--source", str(_csv(tmp_path, "one.csv", GOOD + BAD))]) == 0
    assert run_task("silver", []) == 0
    assert run_task("bronze", ["--source", str(_csv(tmp_path, "two.csv", GOOD[:2]))]) == 0  # pending
    with task_context("batches", env=None) as ctx:
        from_log, from_spark = batch_rows_without_spark(ctx), batch_rows(ctx)
    assert {r["status"] for r in from_log} == {"done", "pending"}
    assert from_log == from_spark


def test_task_commands_print_their_summary_on_stdout(spark, home: Path, tmp_path: Path, capsys) -> None:
    assert run_task("bronze", ["--source", str(_csv(tmp_path, "s.csv", GOOD + BAD[:1]))]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("bronze: table local.iris.iris_bronze, version 0, batch_id ")
    assert run_task("silver", []) == 0
    assert capsys.readouterr().out.strip() == (
        "silver: 6 → silver, 1 → quarantine (not_a_number: 1); silver v0, quarantine v0"
    )
    assert run_task("silver", []) == 0
    assert capsys.readouterr().out.strip() == "silver: nothing to do"
