"""`quality import --format gx`: GX 1.x suites into our YAML format; export -> import round trips (no Spark)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from iris_mlops.cli import app
from iris_mlops.config import conf_dir
from iris_mlops.quality.export import not_expressible, to_gx
from iris_mlops.quality.gx_import import from_gx
from iris_mlops.quality.suite import Suite, SuiteError, load_suite, suite_from_mapping

SUITES = sorted(p.name for p in (conf_dir() / "expectations").glob("*.yml"))


def _essence(suite: Suite, *, exportable_only: bool = False) -> list[tuple[Any, ...]]:
    return [(e.type, e.kwargs_dict(), e.severity, dict(e.meta)) for e in suite.expectations
            if not exportable_only or not_expressible(e) is None]


@pytest.mark.parametrize("name", SUITES)
def test_export_then_import_round_trips_every_exportable_expectation(name: str, tmp_path: Path) -> None:
    original = load_suite(conf_dir() / "expectations" / name)
    document, _ = to_gx(original)
    imported = suite_from_mapping(from_gx(json.loads(json.dumps(document))), path=tmp_path / "x.json")
    assert (imported.name, imported.version, imported.table) == (original.name, original.version, original.table)
    assert _essence(imported) == _essence(original, exportable_only=True)


def test_cli_export_then_import_writes_a_suite_file_that_loads(tmp_path: Path) -> None:
    exported, written = tmp_path / "silver.json", tmp_path / "iris_silver.yml"
    runner = CliRunner()
    assert runner.invoke(app, ["quality", "export", "--table", "silver", "-o", str(exported)]).exit_code == 0
    done = runner.invoke(app, ["quality", "import", "--format", "gx", str(exported), "-o", str(written)])
    assert done.exit_code == 0, done.output
    assert "wrote" in done.stderr and "for table silver" in done.stderr
    original = load_suite(conf_dir() / "expectations" / "iris_silver.yml")
    assert _essence(load_suite(written)) == _essence(original, exportable_only=True)


def _gx(*expectations: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": "from_gx", "id": "abc", "expectations": list(expectations), "meta": meta or {}, "notes": None}


def test_a_suite_written_by_gx_itself_imports() -> None:
    document = _gx(
        {"type": "expect_column_values_to_be_between", "id": "e1", "severity": "warning", "meta": {"owner": "x"},
         "kwargs": {"column": "petal_length", "min_value": 0, "max_value": 7.5, "mostly": 0.9, "batch_id": None,
                    "result_format": "BASIC", "catch_exceptions": True,
                    "row_condition": {"type": "and", "conditions": [
                        {"type": "comparison", "column": {"name": "species"}, "operator": "==",
                         "parameter": "setosa"}]},
                    "condition_parser": "great_expectations"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "species",
                                                                     "row_condition": 'col("batch_id")=="b1"'}},
    )
    suite = from_gx(document, table="silver", version="2.0")
    assert suite["table"] == "silver" and suite["version"] == "2.0"
    between, not_null = suite["expectations"]
    assert between == {"type": "expect_column_values_to_be_between", "severity": "warn", "meta": {"owner": "x"},
                       "kwargs": {"column": "petal_length", "min_value": 0, "max_value": 7.5, "mostly": 0.9,
                                  "row_condition": {"species": "setosa"}}}
    assert not_null["kwargs"]["row_condition"] == {"batch_id": "b1"} and not_null["severity"] == "error"
    suite_from_mapping(suite, path=Path("gx.json"))  # and it validates as a suite file


@pytest.mark.parametrize(
    ("document", "table", "message"),
    [
        ([], "silver", "not a GX 1.x suite"),
        (_gx(), "silver", "holds no expectation"),
        (_gx({"type": "expect_column_values_to_be_between", "kwargs": {"column": "x", "min_value": 1}}), None,
         "pass --table"),
        (_gx({"type": "expect_column_values_to_match_regex", "kwargs": {"column": "x", "regex": "a"}}), "silver",
         "#1 (expect_column_values_to_match_regex): not an expectation iris-mlops can run"),
        (_gx({"type": "expect_grouped_row_count_to_be_between", "kwargs": {}}), "silver", "can run"),
        (_gx({"kwargs": {}}), "silver", "expected an object with a 'type'"),
        (_gx({"type": "expect_column_values_to_not_be_null", "severity": "fatal", "kwargs": {"column": "x"}}),
         "silver", "unknown severity 'fatal'"),
        (_gx({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x", "row_condition": {
            "type": "comparison", "column": {"name": "y"}, "operator": ">", "parameter": 1}}}), "silver",
         "only equalities joined by AND"),
        (_gx({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x", "row_condition": {
            "type": "or", "conditions": []}}}), "silver", "only equalities joined by AND"),
        (_gx({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x",
                                                                          "row_condition": 'col("y") > 3'}}),
         "silver", "only col(\"x\") == value joined by &"),
    ],
    ids=["not-a-suite", "empty", "no-table", "unknown-type", "extension", "no-type", "severity", "operator", "or",
         "string-operator"],
)
def test_what_cannot_be_imported_is_refused_in_one_line(document: Any, table: str | None, message: str) -> None:
    with pytest.raises(SuiteError, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_gx(document, table=table)


def test_cli_import_bad_files_exit_2_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["quality", "import", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "not found" in missing.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff\xfe{")
    bad = runner.invoke(app, ["quality", "import", str(garbage)])
    assert bad.exit_code == 2 and "is not a JSON file" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    wrong_column = tmp_path / "wrong.json"
    wrong_column.write_text(json.dumps(_gx({"type": "expect_column_values_to_not_be_null",
                                            "kwargs": {"column": "petal_lenght"}})))
    typo = runner.invoke(app, ["quality", "import", str(wrong_column), "--table", "silver"])
    assert typo.exit_code == 2 and "did you mean 'petal_length'" in typo.stderr
    text_range = tmp_path / "text.json"
    text_range.write_text(json.dumps(_gx({"type": "expect_column_values_to_be_between",
                                          "kwargs": {"column": "sepal_length", "min_value": 0}})))
    refused = runner.invoke(app, ["quality", "import", str(text_range), "--table", "bronze"])
    assert refused.exit_code == 2 and "not numeric" in refused.stderr


def test_cli_import_to_stdout_is_yaml(tmp_path: Path) -> None:
    source = tmp_path / "s.json"
    source.write_text(json.dumps(_gx({"type": "expect_table_row_count_to_be_between",
                                      "kwargs": {"min_value": 1}}, meta={"iris_mlops": {"table": "gold"}})))
    done = CliRunner().invoke(app, ["quality", "import", str(source)])
    assert done.exit_code == 0, done.output
    assert yaml.safe_load(done.stdout)["expectations"] == [
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}, "severity": "error"}]
