"""The feature table's suite on features built by the features package from the embedded Iris rows."""

from __future__ import annotations

from datetime import datetime

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F  # noqa: N812

from iris_mlops.config import conf_dir
from iris_mlops.quality.engine import validate
from iris_mlops.quality.suite import load_suite
from iris_mlops.quality.tables import table_columns
from iris_mlops.schemas import SILVER_SCHEMA

transforms = pytest.importorskip("iris_mlops.features.transforms")
definitions = pytest.importorskip("iris_mlops.features.definitions")
NAMES = ("setosa", "versicolor", "virginica")


def test_features_suite_passes_on_iris_and_catches_non_finite_values(spark: SparkSession) -> None:
    from sklearn.datasets import load_iris

    data = load_iris()
    rows = [("b1", i, datetime(2026, 1, 1), *map(float, x), NAMES[int(y)], False, "run")
            for i, (x, y) in enumerate(zip(data.data, data.target, strict=True))]
    silver = spark.createDataFrame(rows, SILVER_SCHEMA)
    features = transforms.build_feature_table(silver, feature_version=definitions.FEATURE_VERSION, run_id="run")
    suite = load_suite(conf_dir() / "expectations" / "iris_features.yml", columns=table_columns("features"))
    clean = validate(features, suite, table="t", run_id="r")
    assert clean.status == "passed", clean.summary()
    broken = features.withColumn(
        "petal_aspect",
        F.when(F.col("source_position") == 0, F.lit(float("nan")))
        .when(F.col("source_position") == 1, F.lit(float("inf")))
        .otherwise(F.col("petal_aspect")),
    )
    result = validate(broken, suite, table="t", run_id="r")
    [failed] = result.errors
    assert (failed.label, failed.unexpected_count) == ("expect_column_values_to_be_between(petal_aspect)", 2)
