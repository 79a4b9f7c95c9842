"""The model catalogue shared by AutoML and the benchmark: a name -> an unfitted, seeded scikit-learn estimator."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# Models whose distances or penalties depend on feature scale get a StandardScaler inside their own
# pipeline, so the scaler is fitted on each CV training fold only.
SCALE_SENSITIVE = frozenset({"logistic_regression", "knn", "svm", "mlp"})


@dataclass(frozen=True)
class ModelSpec:
    name: str
    label: str
    factory: Callable[[], Any]


def _factories() -> dict[str, ModelSpec]:
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
    from sklearn.ensemble import (
        AdaBoostClassifier,
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    specs = [
        ModelSpec("logistic_regression", "Logistic Regression", lambda: LogisticRegression(max_iter=1000)),
        ModelSpec("naive_bayes", "Gaussian Naive Bayes", GaussianNB),
        ModelSpec("knn", "k-Nearest Neighbours", KNeighborsClassifier),
        ModelSpec("svm", "Support Vector Machine", SVC),
        ModelSpec("random_forest", "Random Forest", RandomForestClassifier),
        ModelSpec("gradient_boosting", "Gradient Boosting", GradientBoostingClassifier),
        ModelSpec("decision_tree", "Decision Tree", DecisionTreeClassifier),
        ModelSpec("extra_trees", "Extra Trees", ExtraTreesClassifier),
        ModelSpec("ada_boost", "AdaBoost", AdaBoostClassifier),
        ModelSpec("lda", "Linear Discriminant Analysis", LinearDiscriminantAnalysis),
        ModelSpec("qda", "Quadratic Discriminant Analysis", lambda: QuadraticDiscriminantAnalysis(reg_param=0.01)),
        ModelSpec("mlp", "Multi-layer Perceptron", lambda: MLPClassifier(max_iter=2000)),
    ]
    return {spec.name: spec for spec in specs}


def model_label(name: str) -> str:
    """A human name for charts and tables."""
    return _factories()[name].label


def make_estimator(name: str, params: Mapping[str, Any] | None = None, *, seed: int) -> Any:
    """An unfitted estimator `name` with `params` set and `random_state=seed` where it has one.

    Scale-sensitive models come as `Pipeline([scale, model])`; the model's own parameters stay unprefixed.
    """
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    specs = _factories()
    if name not in specs:
        raise KeyError(f"unknown model {name!r}: choose one of {', '.join(specs)}")
    model = specs[name].factory()
    settable = set(model.get_params())
    unknown = sorted(set(params or {}) - settable)
    if unknown:
        raise ValueError(f"model {name!r} has no parameter {', '.join(unknown)}")
    model.set_params(**dict(params or {}))
    if "random_state" in settable and "random_state" not in (params or {}):
        model.set_params(random_state=seed)
    if name in SCALE_SENSITIVE:
        return Pipeline([("scale", StandardScaler()), ("model", model)])
    return model
