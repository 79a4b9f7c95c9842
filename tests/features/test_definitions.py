"""The feature definitions: valid, versioned, leak-free, and identical on Spark and pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iris_mlops.features import definitions as d
from iris_mlops.features.expressions import FormulaError, parse


def _iris() -> pd.DataFrame:
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame.iloc[:, :4]
    frame.columns = list(d.RAW_MEASUREMENTS)
    return frame


def test_features_at_least_ten_valid_definitions() -> None:
    d.validate()
    assert len(d.FEATURES) >= 10
    assert all(f.parsed.columns for f in d.FEATURES)


def test_feature_version_is_semver_plus_hash_of_formulas() -> None:
    changed = (*d.FEATURES[:-1], d.FeatureDefinition(d.FEATURES[-1].name, "x", "sepal_length + petal_length"))
    reworded = (*d.FEATURES[:-1], d.FeatureDefinition(d.FEATURES[-1].name, "other words", d.FEATURES[-1].formula))
    assert d.FEATURE_VERSION.startswith(d.SEMANTIC_VERSION + "+")
    assert d.FEATURE_VERSION.endswith(d.definitions_hash())
    assert d.feature_version(changed) != d.FEATURE_VERSION
    assert d.feature_version(reworded) == d.FEATURE_VERSION


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("petal_length / petal_width", "safe_div"),
        ("species", "unknown column"),
        ("exp(petal_length)", "does not allow"),
        ("safe_div(petal_length)", "takes 2"),
        ("2 * 3", "does not reference"),
    ],
)
def test_parse_refuses_formulas_outside_the_language(formula: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        parse(formula, d.RAW_MEASUREMENTS)


def test_validate_refuses_duplicate_names() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        d.validate((d.FEATURES[0], d.FEATURES[0]))


def test_compute_pandas_zero_divisor_and_negative_root_are_missing() -> None:
    frame = pd.DataFrame([[5.0, 0.0, -1.0, 0.5]], columns=list(d.RAW_MEASUREMENTS))
    before = frame.copy()
    out = d.compute_pandas(frame)
    assert np.isnan(out.loc[0, "sepal_aspect"])  # 5 / 0
    assert np.isnan(out.loc[0, "petal_scale"])  # sqrt(-0.5)
    assert out.loc[0, "petal_aspect"] == -2.0
    pd.testing.assert_frame_equal(frame, before)


def test_spark_and_pandas_agree_bit_for_bit_on_iris_and_edge_rows(spark) -> None:
    edges = pd.DataFrame(
        [[0.0, 0.0, 0.0, 0.0], [-1.0, 2.0, -0.5, -0.0], [5.0, 1e-320, 1e308, 3.0], [1.0, np.nan, 2.0, -3.0]],
        columns=list(d.RAW_MEASUREMENTS),
    )
    frame = pd.concat([_iris(), edges], ignore_index=True)
    rows = [tuple(None if np.isnan(v) else float(v) for v in row) for row in frame.itertuples(index=False)]
    sdf = spark.createDataFrame(rows, ", ".join(f"{m} double" for m in d.RAW_MEASUREMENTS))
    on_spark = sdf.select(*[column.alias(name) for name, column in d.spark_columns()]).toPandas()
    on_pandas = d.compute_pandas(frame)
    assert len(on_spark) == 154
    for name in d.feature_names():
        a, b = on_spark[name].to_numpy(dtype=float), on_pandas[name].to_numpy(dtype=float)
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        assert same.all(), f"{name} differs on rows {np.flatnonzero(~same).tolist()}"
