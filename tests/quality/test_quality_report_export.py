"""The HTML report and the GX export, on results and suites built inline (no Spark needed)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from typer.testing import CliRunner

from iris_mlops.cli import app
from iris_mlops.config import conf_dir
from iris_mlops.quality.export import to_gx
from iris_mlops.quality.report import latest_report, render, write_report
from iris_mlops.quality.results import ExpectationResult, SuiteResult
from iris_mlops.quality.suite import load_suite

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def suite_result(*results: ExpectationResult) -> SuiteResult:
    return SuiteResult(run_id="r1", suite="iris_silver", suite_version="1.0.0", table="main.s.iris_silver",
                       table_version=3, success=False, started_at=NOW, finished_at=NOW, results=list(results))


def failed() -> ExpectationResult:
    return ExpectationResult(
        expectation_type="expect_column_values_to_be_in_set", arguments={"column": "species", "value_set": ["a"]},
        column="species", severity="error", success=False, element_count=3, unexpected_count=1,
        unexpected_percent=33.3, unexpected_sample=["<script>"],
        failing_rows=[{"species": "<script>", "source_position": 7}],
    )


def test_render_report_is_self_contained_and_escaped() -> None:
    text = render([suite_result(failed())], title="t")
    assert "<script>" not in text  # the failing value is escaped, and there is no script
    assert "&lt;script&gt;" in text and "source_position" in text
    assert not re.search(r"(src|href)\s*=", text) and "http" not in text
    assert "expect_column_values_to_be_in_set" in text and "failed" in text


def test_write_report_latest_is_the_newest(tmp_path: Path) -> None:
    first = write_report(tmp_path, "run-a", [suite_result(failed())])
    second = write_report(tmp_path, "run-b", [suite_result()])
    assert first.name == "run-a-iris_silver.html"
    assert latest_report(tmp_path) == second
    assert latest_report(tmp_path / "none") is None


def test_summary_names_failed_error_expectations() -> None:
    line = suite_result(failed()).summary()
    assert line == ("main.s.iris_silver v3 suite iris_silver@1.0.0: 0/1 passed; "
                    "error: expect_column_values_to_be_in_set(species) [1 unexpected]")


def test_to_gx_lists_what_gx_cannot_express() -> None:
    suite = load_suite(conf_dir() / "expectations" / "iris_bronze.yml")
    document, skipped = to_gx(suite)
    assert len(document["expectations"]) + len(skipped) == len(suite.expectations)
    assert len(skipped) == 4 and all("parse_as" in line for line in skipped)
    severities = {e["kwargs"].get("column"): e["severity"] for e in document["expectations"]
                  if e["type"] == "expect_column_values_to_not_be_null"}
    assert set(severities.values()) == {"warning"}


def test_to_gx_converts_row_conditions_and_skips_cross_table() -> None:
    document, skipped = to_gx(load_suite(conf_dir() / "expectations" / "iris_gold.yml"))
    conditioned = [e for e in document["expectations"] if "row_condition" in e["kwargs"]]
    assert len(conditioned) == 12
    assert conditioned[0]["kwargs"]["row_condition"] == {
        "column": {"name": "species"}, "operator": "==", "parameter": "setosa", "type": "comparison"}
    assert conditioned[0]["kwargs"]["condition_parser"] == "great_expectations"
    assert [line.split(": ")[0] for line in skipped] == [
        "iris_gold expectation #8 expect_column_sum_to_equal_other_table_row_count(count)"]


def test_cli_quality_export_writes_json_and_lists_skipped_on_stderr(tmp_path: Path) -> None:
    out = tmp_path / "silver.json"
    result = CliRunner().invoke(app, ["quality", "export", "--format", "gx", "--table", "iris_silver", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "not exported: iris_silver expectation #19" in result.stderr
    document = json.loads(out.read_text())
    assert document["name"] == "iris_silver" and len(document["expectations"]) == 18


def test_cli_quality_export_unknown_table_one_line() -> None:
    result = CliRunner().invoke(app, ["quality", "export", "--table", "platinum"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: no quality suite validates table 'platinum'"


def test_cli_quality_report_without_reports(home: Path) -> None:
    result = CliRunner().invoke(app, ["quality", "report"])
    assert result.exit_code == 1 and "no data-quality report" in result.stderr
