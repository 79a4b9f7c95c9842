"""The feature step inside the model equals the definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iris_mlops.features.definitions import RAW_MEASUREMENTS, compute_pandas, feature_names
from iris_mlops.ml.pipeline import FeatureEngineer, build_pipeline

FRAME = pd.DataFrame([[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]], columns=list(RAW_MEASUREMENTS))


def test_feature_engineer_outputs_raw_then_definitions() -> None:
    out = FeatureEngineer().fit_transform(FRAME[list(reversed(RAW_MEASUREMENTS))])
    assert list(out.columns) == [*RAW_MEASUREMENTS, *feature_names()]
    pd.testing.assert_frame_equal(out[feature_names()], compute_pandas(FRAME))


def test_feature_engineer_accepts_a_plain_array() -> None:
    out = FeatureEngineer(keep_raw=False).fit(FRAME).transform(FRAME.to_numpy())
    np.testing.assert_array_equal(out.to_numpy(), compute_pandas(FRAME).to_numpy())


def test_feature_engineer_names_a_missing_column() -> None:
    with pytest.raises(ValueError, match="petal_width"):
        FeatureEngineer().fit(FRAME.drop(columns=["petal_width"]))


def test_build_pipeline_predicts_species_names() -> None:
    from sklearn.tree import DecisionTreeClassifier

    model = build_pipeline(DecisionTreeClassifier(random_state=0)).fit(FRAME, ["setosa", "virginica"])
    assert model.predict(FRAME).tolist() == ["setosa", "virginica"]
