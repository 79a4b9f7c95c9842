"""Two fitted Iris pipelines as served models, a server on a loopback port logging to a list, a fake serving API."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

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


class FakeServingEndpoints:
    """The four calls used, with state: GET one endpoint, POST create, PUT config; every call is recorded."""

    def __init__(self, server: HTTPServer) -> None:
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, Any]] = []
        server.expect_request("/api/2.0/serving-endpoints", method="POST").respond_with_handler(self.create)
        server.expect_request("/api/2.0/serving-endpoints/iris-classifier/config",
                              method="PUT").respond_with_handler(self.update)
        server.expect_request("/api/2.0/serving-endpoints/iris-classifier", method="GET").respond_with_handler(
            self.get)

    def _record(self, request: Request) -> Any:
        body = json.loads(request.data) if request.data else None
        self.calls.append((request.method, request.path, body))
        return body

    def get(self, request: Request) -> Response:
        self._record(request)
        endpoint = self.endpoints.get("iris-classifier")
        if endpoint is None:
            return _json({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Endpoint not found"}, 404)
        return _json(endpoint)

    def create(self, request: Request) -> Response:
        body = self._record(request)
        config = body["config"]
        self.endpoints[body["name"]] = {"name": body["name"], "config": {
            "served_entities": config["served_entities"], "auto_capture_config": config["auto_capture_config"]}}
        return _json(self.endpoints[body["name"]])

    def update(self, request: Request) -> Response:
        body = self._record(request)
        endpoint = self.endpoints["iris-classifier"]
        endpoint["config"]["served_entities"] = body["served_entities"]
        if "auto_capture_config" in body:
            endpoint["config"]["auto_capture_config"] = body["auto_capture_config"]
        return _json(endpoint)

    def changes(self) -> list[tuple[str, str, Any]]:
        return [call for call in self.calls if call[0] != "GET"]


def _json(payload: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


@pytest.fixture()
def fake(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeServingEndpoints]:
    for key in ("DATABRICKS_CONFIG_PROFILE", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET",
                "DATABRICKS_AUTH_TYPE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABRICKS_HOST", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-test")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "none"))
    yield FakeServingEndpoints(httpserver)
