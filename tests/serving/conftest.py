"""Two small fitted Iris pipelines as served models, and a server on a free loopback port with a list as its log."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from iris_mlops.serving.app import AbSplit, ServingApp
from iris_mlops.serving.model import ServedModel
from iris_mlops.serving.records import PredictionRecord
from iris_mlops.serving.server import RunningServer, start_server


def fitted_pipeline(classifier: Any) -> Any:
    """`classifier` inside the project's pipeline, fitted on the 150 Iris rows."""
    from sklearn.datasets import load_iris

    from iris_mlops.features.definitions import RAW_MEASUREMENTS
    from iris_mlops.ml.pipeline import build_pipeline

    iris = load_iris(as_frame=True)
    frame = iris.frame.iloc[:, :4].set_axis(list(RAW_MEASUREMENTS), axis=1)
    labels = [str(iris.target_names[t]) for t in iris.target]
    return build_pipeline(classifier).fit(frame, labels)


@pytest.fixture(scope="session")
def champion() -> ServedModel:
    from sklearn.ensemble import RandomForestClassifier

    return ServedModel("iris_classifier", "1", "champion", "1.0.0+test",
                       fitted_pipeline(RandomForestClassifier(n_estimators=10, random_state=0)))


@pytest.fixture(scope="session")
def challenger() -> ServedModel:
    from sklearn.tree import DecisionTreeClassifier

    return ServedModel("iris_classifier", "2", "challenger", "1.0.0+test",
                       fitted_pipeline(DecisionTreeClassifier(max_depth=1, random_state=0)))


class Collected:
    """A request log that keeps records in a list."""

    def __init__(self) -> None:
        self.records: list[PredictionRecord] = []

    def __call__(self, records: Sequence[PredictionRecord]) -> None:
        self.records.extend(records)


@pytest.fixture()
def collected() -> Collected:
    return Collected()


@pytest.fixture()
def running(champion: ServedModel, collected: Collected) -> Iterator[RunningServer]:
    """A champion-only server with a 50-row limit."""
    app = ServingApp(champion=champion, challenger=None, ab=AbSplit(), max_rows=50, log=collected, run_id="run-1")
    server = start_server(app, host="127.0.0.1", port=0, max_body_bytes=100_000)
    yield server
    server.stop()
