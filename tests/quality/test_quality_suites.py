"""Suite files: the shipped suites load and match the schemas; malformed suites are refused at load time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from iris_mlops.config import conf_dir
from iris_mlops.quality.catalogue import CATALOGUE
from iris_mlops.quality.checkpoint import load_checkpoint
from iris_mlops.quality.suite import SuiteError, load_suite
from iris_mlops.quality.tables import table_columns

SUITES = conf_dir() / "expectations"
SILVER = {"sepal_length": "DoubleType", "species": "StringType", "batch_id": "StringType"}


def exp(kind: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs}


def write(tmp_path: Path, expectations: list[Any], **top: Any) -> Path:
    document = {"name": "s", "version": "1", "table": "silver", "expectations": expectations, **top}
    path = tmp_path / "bad_suite.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("key", ["bronze", "silver", "gold"])
def test_load_suite_shipped_suites_validate_against_schemas(key: str) -> None:
    suite = load_suite(SUITES / f"iris_{key}.yml", columns=table_columns(key))
    assert suite.table == key
    assert suite.expectations


@pytest.mark.parametrize("key", ["bronze", "silver", "gold"])
def test_shipped_suites_column_lists_match_schemas(key: str) -> None:
    suite = load_suite(SUITES / f"iris_{key}.yml")
    expected = list(table_columns(key) or {})
    declared = [e.kwargs for e in suite.expectations if e.spec.kind == "schema" and e.column is None]
    assert declared, "each shipped suite declares its columns"
    for kwargs in declared:
        listed = getattr(kwargs, "column_list", None) or getattr(kwargs, "column_set", None)
        assert sorted(listed) == sorted(expected)
        if hasattr(kwargs, "column_list"):
            assert list(listed) == expected


def test_shipped_bronze_suite_severities_follow_the_rules() -> None:
    suite = load_suite(SUITES / "iris_bronze.yml", columns=table_columns("bronze"))
    for e in suite.expectations:
        # Errors refuse only an unusable batch (no rows, wrong columns); a typical batch's size only warns.
        unusable = e.spec.kind == "schema" or (e.spec.kind == "table" and "max_value" not in e.kwargs_dict())
        assert e.severity == ("error" if unusable else "warn"), e.label


def test_shipped_checkpoints_load() -> None:
    for path in sorted((conf_dir() / "checkpoints").glob("*.yml")):
        checkpoint = load_checkpoint(path)
        assert (SUITES / f"{checkpoint.suite}.yml").is_file()


def test_load_suite_unknown_expectation_named_with_hint(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_column_values_to_be_null"),
                            exp("expect_column_valuez_to_not_be_null", column="species")])
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    message = str(caught.value)
    assert str(path) in message and "expectation #1" in message and "unknown expectation" in message


def test_load_suite_misspelt_expectation_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_column_values_to_not_be_nul", column="species")])
    with pytest.raises(SuiteError, match="did you mean expect_column_values_to_not_be_null"):
        load_suite(path)


def test_load_suite_missing_argument_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_column_values_to_not_be_null", column="species"),
                            exp("expect_column_values_to_be_in_set", column="species")])
    pattern = r"expectation #2 \(expect_column_values_to_be_in_set\): missing argument 'value_set'"
    with pytest.raises(SuiteError, match=pattern):
        load_suite(path)


def test_load_suite_wrong_type_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_column_values_to_be_between", column="sepal_length", min_value="low")])
    with pytest.raises(SuiteError, match=r"#1 .*argument 'min_value"):
        load_suite(path)


def test_load_suite_mostly_as_string_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_column_values_to_not_be_null", column="species", mostly="0.9")])
    with pytest.raises(SuiteError, match="argument 'mostly'"):
        load_suite(path)


def test_load_suite_unknown_argument_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_column_values_to_not_be_null", column="species", mostly=0.9, strict=True)])
    with pytest.raises(SuiteError, match="unknown argument 'strict'"):
        load_suite(path)


def test_load_suite_unknown_column_refused_with_hint(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_column_values_to_not_be_null", column="speces")])
    with pytest.raises(SuiteError, match="unknown column 'speces'; did you mean 'species'"):
        load_suite(path, columns=SILVER)


def test_load_suite_unknown_column_checked_against_declared_list(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_table_columns_to_match_ordered_list", column_list=["a", "b"]),
                            exp("expect_column_values_to_not_be_null", column="c")])
    with pytest.raises(SuiteError, match=r"#2 .*unknown column 'c'"):
        load_suite(path)


def test_load_suite_unknown_row_condition_column_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_column_values_to_be_between", column="sepal_length", min_value=0,
                                row_condition={"kind": "setosa"})])
    with pytest.raises(SuiteError, match="unknown column 'kind'"):
        load_suite(path, columns=SILVER)


def test_load_suite_numeric_check_on_string_column_needs_parse_as(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_column_mean_to_be_between", column="species", min_value=0)])
    with pytest.raises(SuiteError, match="'species' is StringType, not numeric; add parse_as"):
        load_suite(path, columns=SILVER)


def test_load_suite_bounds_missing_or_reversed_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_column_max_to_be_between", column="sepal_length")])
    with pytest.raises(SuiteError, match="needs min_value or max_value"):
        load_suite(path)
    path = write(tmp_path, [exp("expect_column_max_to_be_between", column="sepal_length", min_value=5, max_value=1)])
    with pytest.raises(SuiteError, match="min_value 5 is above max_value 1"):
        load_suite(path)


def test_load_suite_unknown_other_table_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_column_sum_to_equal_other_table_row_count", column="sepal_length",
                                other_table="platinum")])
    with pytest.raises(SuiteError, match="unknown other_table 'platinum'"):
        load_suite(path)


def test_load_suite_bad_severity_and_missing_version_refused(tmp_path: Path) -> None:
    bad = [{"type": "expect_column_to_exist", "kwargs": {"column": "species"}, "severity": "fatal"}]
    with pytest.raises(SuiteError, match="severity"):
        load_suite(write(tmp_path, bad))
    path = tmp_path / "no_version.yml"
    document = {"name": "s", "table": "silver", "expectations": [exp("expect_column_to_exist", column="a")]}
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(SuiteError, match="version"):
        load_suite(path)


def test_load_suite_not_yaml_or_missing_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(SuiteError, match="not valid YAML"):
        load_suite(path)
    with pytest.raises(SuiteError, match="not found"):
        load_suite(tmp_path / "absent.yml")


def test_catalogue_covers_the_issue_vocabulary() -> None:
    required = {
        "expect_table_row_count_to_be_between", "expect_table_row_count_to_equal",
        "expect_table_columns_to_match_ordered_list", "expect_table_columns_to_match_set", "expect_column_to_exist",
        "expect_column_values_to_not_be_null", "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_of_type", "expect_column_values_to_be_between", "expect_column_mean_to_be_between",
        "expect_column_stdev_to_be_between", "expect_column_min_to_be_between", "expect_column_max_to_be_between",
        "expect_column_sum_to_be_between", "expect_column_values_to_be_unique",
        "expect_column_distinct_values_to_equal_set", "expect_column_proportion_of_unique_values_to_be_between",
    }
    assert required <= set(CATALOGUE)


def test_load_suite_value_set_of_the_wrong_type_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [exp("expect_column_values_to_be_in_set", column="species", value_set=["setosa", 1])])
    with pytest.raises(SuiteError, match=r"value 1 cannot be compared with column 'species' \(StringType\)"):
        load_suite(path, columns=SILVER)
