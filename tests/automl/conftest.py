"""Iris as feature-table rows (no Spark) and a tiny AutoML configuration, for the AutoML tests."""

from __future__ import annotations

import pandas as pd
import pytest

from iris_mlops.config import AutomlConfig
from iris_mlops.features.definitions import FEATURE_VERSION, RAW_MEASUREMENTS, compute_pandas
from iris_mlops.ml.data import TrainingData


def iris_rows() -> pd.DataFrame:
    """The 150 Iris rows with the feature table's columns, sorted by sample_id."""
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    frame = data.frame.iloc[:, :4].copy()
    frame.columns = list(RAW_MEASUREMENTS)
    frame = pd.concat([frame, compute_pandas(frame)], axis=1)
    frame["species"] = [str(data.target_names[t]) for t in data.target]
    frame["sample_id"] = [f"iris:{i:03d}" for i in range(len(frame))]
    frame["feature_version"] = FEATURE_VERSION
    return frame.sort_values("sample_id").reset_index(drop=True)


@pytest.fixture(scope="session")
def iris_training() -> TrainingData:
    return TrainingData(iris_rows(), "local.iris.iris_features", 3, FEATURE_VERSION, "/tmp/iris_features", {})


@pytest.fixture()
def tiny_config() -> AutomlConfig:
    """Two folds, at most two trials per family, cheap models: the whole search takes about a second."""
    return AutomlConfig(
        folds=2,
        trials_per_family=2,
        search="random",
        seed=7,
        search_spaces={
            "logistic_regression": {"C": [0.1, 1.0, 10.0]},
            "knn": {"n_neighbors": [3, 5]},
            "random_forest": {"n_estimators": [5, 10], "max_depth": [2, None]},
            "gradient_boosting": {"n_estimators": [5], "max_depth": [2]},
            "svm": {"C": [1.0]},
        },
    )
