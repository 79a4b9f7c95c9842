"""Iris as a TrainingData (no Spark) and a local MLflow store, shared by the MLflow tests of tests/ml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from iris_mlops.features.definitions import FEATURE_VERSION, RAW_MEASUREMENTS
from iris_mlops.ml.data import TrainingData


def iris_frame() -> pd.DataFrame:
    """The 150 Iris rows as feature-table columns (raw measurements, species, sample_id)."""
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    frame = data.frame.iloc[:, :4].copy()
    frame.columns = list(RAW_MEASUREMENTS)
    frame["species"] = [str(data.target_names[t]) for t in data.target]
    frame["sample_id"] = [f"iris:{i}" for i in range(len(frame))]
    frame["feature_version"] = FEATURE_VERSION
    return frame.sort_values("sample_id").reset_index(drop=True)


@pytest.fixture(scope="session")
def iris_data() -> TrainingData:
    return TrainingData(iris_frame(), "local.iris.iris_features", 0, FEATURE_VERSION, "/tmp/iris_features", {})


@pytest.fixture(scope="module")
def mlflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A local MLflow store (SQLite under a fresh home) made current for one test module."""
    from iris_mlops.config import load_settings
    from iris_mlops.ml.tracking import configure_mlflow

    home = tmp_path_factory.mktemp("mlflow-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IRIS_MLOPS_HOME", str(home))
        configure_mlflow(load_settings("local"))
        yield home
