"""Iris as feature-table and silver rows (no Spark), for the EDA and benchmark tests."""

from __future__ import annotations

import pandas as pd
import pytest

from iris_mlops.features.definitions import RAW_MEASUREMENTS, compute_pandas


@pytest.fixture(scope="session")
def iris_features() -> pd.DataFrame:
    """The 150 Iris rows: raw measurements, engineered features, species."""
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    raw = data.frame.iloc[:, :4].copy()
    raw.columns = list(RAW_MEASUREMENTS)
    frame = pd.concat([raw, compute_pandas(raw)], axis=1)
    frame["species"] = [str(data.target_names[t]) for t in data.target]
    frame["sample_id"] = [f"iris:{i:03d}" for i in range(len(frame))]
    return frame


@pytest.fixture(scope="session")
def iris_silver(iris_features: pd.DataFrame) -> pd.DataFrame:
    """Silver-like rows: the measurements, species and an outlier flag on a few known rows."""
    silver = iris_features.loc[:, [*RAW_MEASUREMENTS, "species"]].copy()
    silver["is_outlier"] = False
    silver.loc[[15, 32, 33, 60], "is_outlier"] = True
    return silver
