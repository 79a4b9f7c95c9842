"""build_feature_table: ids, label, version and engineered columns from silver rows."""

from __future__ import annotations

import pytest

from iris_mlops.features.definitions import FEATURE_VERSION, feature_names
from iris_mlops.features.transforms import build_feature_table, feature_table_schema

ROWS = [
    ("b1", 0, 5.1, 3.5, 1.4, 0.2, "setosa", False),
    ("b1", 1, 7.0, 3.2, 4.7, 1.4, "versicolor", True),
    ("b2", 0, 6.3, 3.3, 6.0, 2.5, "virginica", False),
]


@pytest.fixture()
def silver(silver_rows):
    return silver_rows(ROWS)


def test_build_feature_table_keys_label_version_and_features(silver) -> None:
    out = build_feature_table(silver, feature_version=FEATURE_VERSION, run_id="run-1")
    rows = {r["sample_id"]: r for r in out.collect()}
    assert [(f.name, f.dataType) for f in out.schema] == [(f.name, f.dataType) for f in feature_table_schema()]
    assert not out.schema["sample_id"].nullable  # the primary key
    assert sorted(rows) == ["b1:0", "b1:1", "b2:0"]
    first = rows["b1:0"]
    assert (first["species"], first["feature_version"], first["run_id"]) == ("setosa", FEATURE_VERSION, "run-1")
    assert first["sepal_area"] == 5.1 * 3.5
    assert first["petal_aspect"] == 1.4 / 0.2
    assert set(feature_names()) <= set(out.columns)


def test_build_feature_table_drops_outliers_when_asked(silver) -> None:
    out = build_feature_table(silver, feature_version="v", run_id="r", include_outliers=False)
    assert sorted(r["sample_id"] for r in out.collect()) == ["b1:0", "b2:0"]
