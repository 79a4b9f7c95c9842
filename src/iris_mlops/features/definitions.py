"""The engineered features, defined once: a name, a one-line meaning and one formula per feature.

The same formula builds the feature table on Spark (`spark_columns`) and runs inside the model on
pandas (`compute_pandas`), so training and scoring can never disagree. Formulas use only the four
raw measurements of one row: no label, no statistic of the whole data set (anything fitted lives in
the model pipeline, fitted on the training split). See `iris_mlops.features.expressions` for the
formula language and its ANSI-safe division and square root.

Public interface (used by training, AutoML, EDA and inference):
- `FEATURES`: the tuple of `FeatureDefinition`.
- `FEATURE_VERSION`: ``"<semver>+<hash>"``; the hash covers every name and formula, so any change
  to a definition changes the version written on each feature-table row and on every model.
- `feature_names()`: the engineered feature names, in order.
- `compute_pandas(frame)`: a new DataFrame holding the engineered features of a pandas frame.
- `spark_columns()`: `[(name, Column)]` for `DataFrame.select`/`withColumns`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from iris_mlops.features.expressions import Formula, parse
from iris_mlops.schemas import MEASUREMENTS

if TYPE_CHECKING:
    from pyspark.sql import Column

# The formulas' inputs. schemas.py needs neither pydantic nor pyspark, so a model carrying it loads anywhere.
RAW_MEASUREMENTS = MEASUREMENTS
# Bump the major version when a feature is removed or changes meaning, the minor one when one is added.
SEMANTIC_VERSION = "1.0.0"


@dataclass(frozen=True)
class FeatureDefinition:
    """One engineered feature: its column name, what it means, and its formula over raw measurements."""

    name: str
    meaning: str
    formula: str

    @property
    def parsed(self) -> Formula:
        """The validated formula (raises FormulaError for anything outside the formula language)."""
        return parse(self.formula, RAW_MEASUREMENTS)


FEATURES: tuple[FeatureDefinition, ...] = (
    FeatureDefinition("sepal_area", "sepal length × width (cm², as a rectangle)", "sepal_length * sepal_width"),
    FeatureDefinition("petal_area", "petal length × width (cm², as a rectangle)", "petal_length * petal_width"),
    FeatureDefinition("sepal_aspect", "sepal length / width: how elongated", "safe_div(sepal_length, sepal_width)"),
    FeatureDefinition("petal_aspect", "petal length / width: how elongated", "safe_div(petal_length, petal_width)"),
    FeatureDefinition(
        "petal_sepal_length_ratio", "petal length / sepal length", "safe_div(petal_length, sepal_length)"
    ),
    FeatureDefinition("petal_sepal_width_ratio", "petal width / sepal width", "safe_div(petal_width, sepal_width)"),
    FeatureDefinition(
        "petal_sepal_area_ratio",
        "petal area / sepal area",
        "safe_div(petal_length * petal_width, sepal_length * sepal_width)",
    ),
    FeatureDefinition(
        "total_size", "sum of the four measurements (cm)", "sepal_length + sepal_width + petal_length + petal_width"
    ),
    FeatureDefinition(
        "sepal_scale", "√(sepal area): geometric mean of sepal length and width (cm)",
        "safe_sqrt(sepal_length * sepal_width)",
    ),
    FeatureDefinition(
        "petal_scale", "√(petal area): geometric mean of petal length and width (cm)",
        "safe_sqrt(petal_length * petal_width)",
    ),
    FeatureDefinition("sepal_length_minus_width", "sepal length − sepal width (cm)", "sepal_length - sepal_width"),
    FeatureDefinition("petal_length_minus_width", "petal length − petal width (cm)", "petal_length - petal_width"),
    FeatureDefinition("sepal_minus_petal_length", "sepal length − petal length (cm)", "sepal_length - petal_length"),
)


def definitions_hash(features: tuple[FeatureDefinition, ...] = FEATURES) -> str:
    """Short, stable hash of every feature's name and formula (meanings are documentation only)."""
    payload = json.dumps([[f.name, f.formula] for f in features], separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:10]


def feature_version(features: tuple[FeatureDefinition, ...] = FEATURES, semantic: str = SEMANTIC_VERSION) -> str:
    """``"<semantic version>+<definitions hash>"`` (semver build-metadata syntax)."""
    return f"{semantic}+{definitions_hash(features)}"


FEATURE_VERSION = feature_version()


def feature_names() -> list[str]:
    """The engineered feature names, in definition order."""
    return [f.name for f in FEATURES]


def compute_pandas(frame: pd.DataFrame, features: tuple[FeatureDefinition, ...] = FEATURES) -> pd.DataFrame:
    """A new DataFrame (same index) with one float64 column per feature; `frame` is not modified."""
    return pd.DataFrame({f.name: f.parsed.evaluate(frame) for f in features}, index=frame.index)


def spark_columns(features: tuple[FeatureDefinition, ...] = FEATURES) -> list[tuple[str, Column]]:
    """`(name, Column)` pairs built with `F.expr` from each formula's ANSI-safe SQL."""
    from pyspark.sql import functions as F  # noqa: N812

    return [(f.name, F.expr(f.parsed.to_sql()).cast("double")) for f in features]


def validate(features: tuple[FeatureDefinition, ...] = FEATURES) -> None:
    """Raise ValueError on duplicate or clashing names, empty meanings or invalid formulas."""
    names = [f.name for f in features]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate feature names: {', '.join(duplicates)}")
    clashes = sorted(set(names) & {*RAW_MEASUREMENTS, "species", "sample_id", "feature_version"})
    if clashes:
        raise ValueError(f"feature names clash with table columns: {', '.join(clashes)}")
    for feature in features:
        if not feature.meaning.strip():
            raise ValueError(f"feature {feature.name} has no meaning")
        feature.parsed  # noqa: B018 - parsing validates the formula


def describe() -> list[dict[str, Any]]:
    """Name, meaning, formula and Spark SQL of every feature (for docs, MLflow and the EDA report)."""
    return [{"name": f.name, "meaning": f.meaning, "formula": f.formula, "sql": f.parsed.to_sql()} for f in FEATURES]
