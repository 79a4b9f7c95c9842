"""A local MLflow registry holding small Iris models, and a task context per test on a fresh warehouse.

The Iris frame and the MLflow store come from tests/ml/conftest.py (imported, not copied).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.ml.conftest import iris_data, iris_frame, mlflow_home  # noqa: F401 - fixtures shared by import

NAME = "iris_classifier"
SPECIES = ("setosa", "versicolor", "virginica")
OTHER_FEATURES = "0.0.1+not-these"


@dataclass(frozen=True)
class Registry:
    """The registry the tests score with: tracking URI and the versions it holds."""

    uri: str
    champion: str  # a 10-tree forest, promoted by the gate
    second: str  # another forest (other seed), no alias
    other_features: str  # trained on other feature definitions (tagged so)
    pipeline: Any  # the champion's fitted pipeline


@pytest.fixture(scope="module")
def registry(iris_data: Any, mlflow_home: Path) -> Registry:  # noqa: F811 - the imported fixtures
    """Three versions of `iris_classifier` in the module's local store."""
    import mlflow
    from sklearn.ensemble import RandomForestClassifier

    from iris_mlops.features.definitions import FEATURE_VERSION
    from iris_mlops.ml.registry import register_and_gate
    from iris_mlops.ml.train import train_model

    def fit(seed: int) -> Any:
        return train_model(iris_data, classifier=RandomForestClassifier(n_estimators=10, random_state=seed),
                           labels=SPECIES, test_fraction=0.2, split_seed=42)

    first = fit(0)
    gated = register_and_gate(model_uri=first.model_uri, run_id=first.run_id, model_name=NAME,
                              test_frame=first.test_frame, margin=0.05, tags={"feature_version": FEATURE_VERSION})
    second = mlflow.register_model(fit(1).model_uri, NAME, tags={"feature_version": FEATURE_VERSION}).version
    other = mlflow.register_model(first.model_uri, NAME, tags={"feature_version": OTHER_FEATURES}).version
    return Registry(mlflow.get_tracking_uri(), gated.version, str(second), str(other), first.model)


@pytest.fixture()
def make_ctx(registry: Registry, tmp_path: Path, spark: Any) -> Iterator[Any]:
    """Build a TaskContext on a fresh home (warehouse, landing, checkpoints) using the module's registry."""
    from iris_mlops.config import load_settings
    from iris_mlops.tasks.context import TaskContext

    made: list[Any] = []

    def build(tracking_uri: str | None = None, **overrides: Any) -> Any:
        uri = tracking_uri or registry.uri
        settings = load_settings("local", overrides={"home": str(tmp_path / "home"), "quality": {"enabled": False},
                                                     "mlflow": {"tracking_uri": uri, "registry_uri": uri},
                                                     **overrides})
        ctx = TaskContext(name="inference-test", settings=settings, run_id=f"test-{len(made)}", quiet=True)
        ctx.__dict__["spark"] = spark  # the suite's one session
        made.append(ctx)
        return ctx

    yield build


def write_csv(path: Path, rows: list[str], header: str = "sepal_length,sepal_width,petal_length,petal_width,species"):
    """A small CSV file with a header line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path
