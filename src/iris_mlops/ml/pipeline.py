"""The model pipeline: raw measurements in, engineered features computed inside, then the classifier.

The feature step evaluates `iris_mlops.features.definitions.FEATURES` on pandas — the same formulas that
built the feature table on Spark — so a model scores a raw batch, a streaming row or an online request
without any caller re-implementing a feature. This module imports only numpy, pandas and scikit-learn
(plus the definitions), because it travels inside every logged model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from iris_mlops.features.definitions import FEATURES, RAW_MEASUREMENTS, compute_pandas


class FeatureEngineer(TransformerMixin, BaseEstimator):
    """Stateless transformer: the four raw measurements -> (raw measurements +) the engineered features.

    Accepts a DataFrame holding the raw measurement columns (any order; other columns are ignored) or
    a 2-D array whose four columns are in `RAW_MEASUREMENTS` order. Never modifies its input.
    """

    def __init__(self, keep_raw: bool = True) -> None:
        self.keep_raw = keep_raw

    def fit(self, X: Any, y: Any = None) -> FeatureEngineer:  # noqa: N803 - scikit-learn's naming
        """Nothing to learn: checks the input layout and records the input feature names."""
        raw = _raw_frame(X)
        self.feature_names_in_ = np.asarray(RAW_MEASUREMENTS, dtype=object)
        self.n_features_in_ = raw.shape[1]
        return self

    def transform(self, X: Any) -> pd.DataFrame:  # noqa: N803
        """A new DataFrame: raw measurements (when keep_raw) followed by every engineered feature."""
        raw = _raw_frame(X)
        engineered = compute_pandas(raw)
        return pd.concat([raw, engineered], axis=1) if self.keep_raw else engineered

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output column names, in order."""
        names = [*RAW_MEASUREMENTS] if self.keep_raw else []
        return np.asarray([*names, *(f.name for f in FEATURES)], dtype=object)


def _raw_frame(X: Any) -> pd.DataFrame:  # noqa: N803
    """The four raw measurements as a float64 DataFrame (a copy), from a DataFrame or a 2-D array."""
    if isinstance(X, pd.DataFrame):
        missing = [m for m in RAW_MEASUREMENTS if m not in X.columns]
        if missing:
            raise ValueError(f"input lacks the raw measurement column(s) {', '.join(missing)}")
        return X.loc[:, list(RAW_MEASUREMENTS)].astype("float64")
    array = np.asarray(X, dtype="float64")
    if array.ndim != 2 or array.shape[1] != len(RAW_MEASUREMENTS):
        raise ValueError(f"expected a 2-D input with the 4 columns {RAW_MEASUREMENTS}, got shape {array.shape}")
    return pd.DataFrame(array, columns=list(RAW_MEASUREMENTS))


def build_pipeline(classifier: Any, *, keep_raw: bool = True) -> Pipeline:
    """``Pipeline([("features", FeatureEngineer()), ("classifier", classifier)])``.

    Put any fitted preprocessing (scaling, …) in `classifier` as its own Pipeline so that it is fitted
    on the training split only, e.g. ``build_pipeline(make_pipeline(StandardScaler(), SVC()))``.
    """
    return Pipeline([("features", FeatureEngineer(keep_raw=keep_raw)), ("classifier", classifier)])
