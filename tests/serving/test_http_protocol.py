"""The MLflow scoring protocol over HTTP: three JSON formats and CSV, probabilities, and 4xx JSON errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from iris_mlops.serving.server import RunningServer

SETOSA = [5.1, 3.5, 1.4, 0.2]
VIRGINICA = [7.7, 3.0, 6.1, 2.3]
COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def call(server: RunningServer, path: str, body: bytes | None = None, *, content_type: str = "application/json",
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(server.url + path, data=body, method="POST" if body is not None else "GET",
                                     headers={"Content-Type": content_type, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw, kind = response.status, response.read(), response.headers.get("Content-Type")
    except urllib.error.HTTPError as exc:
        status, raw, kind = exc.code, exc.read(), exc.headers.get("Content-Type")
    return status, json.loads(raw) if kind == "application/json" else raw.decode()


def post(server: RunningServer, payload: Any) -> tuple[int, Any]:
    return call(server, "/invocations", json.dumps(payload).encode())


@pytest.mark.parametrize("payload", [
    {"dataframe_split": {"columns": COLUMNS, "data": [SETOSA, VIRGINICA]}},
    {"dataframe_records": [dict(zip(COLUMNS, SETOSA, strict=True)), dict(zip(COLUMNS, VIRGINICA, strict=True))]},
    {"inputs": {c: [SETOSA[i], VIRGINICA[i]] for i, c in enumerate(COLUMNS)}},
    {"inputs": [SETOSA, VIRGINICA]},
    {"instances": [dict(zip(COLUMNS, SETOSA, strict=True)), dict(zip(COLUMNS, VIRGINICA, strict=True))]},
], ids=["dataframe_split", "dataframe_records", "inputs_columns", "inputs_rows", "instances_records"])
def test_invocations_accepts_every_mlflow_format(running: RunningServer, payload: Any) -> None:
    status, body = post(running, payload)
    assert status == 200, body
    predictions = body["predictions"]
    assert [p["predicted_species"] for p in predictions] == ["setosa", "virginica"]
    first = predictions[0]
    total = first["probability_setosa"] + first["probability_versicolor"] + first["probability_virginica"]
    assert total == pytest.approx(1.0) and first["probability_setosa"] > 0.5
    assert first["model_version"] == "1" and first["ab_arm"] == "champion"


def test_invocations_accepts_csv(running: RunningServer) -> None:
    body = ("sample_id," + ",".join(COLUMNS) + "\nabc," + ",".join(map(str, VIRGINICA)) + "\n").encode()
    status, answer = call(running, "/invocations", body, content_type="text/csv")
    assert status == 200, answer
    assert answer["predictions"][0]["predicted_species"] == "virginica"
    assert answer["predictions"][0]["sample_id"] == "abc"


def test_invocations_logs_each_row_online(running: RunningServer, collected) -> None:
    rows = [{**dict(zip(COLUMNS, SETOSA, strict=True)), "sample_id": "s-1", "species": "setosa"},
            dict(zip(COLUMNS, VIRGINICA, strict=True))]
    status, _ = call(running, "/invocations", json.dumps({"dataframe_records": rows}).encode(),
                     headers={"X-Request-Id": "req-7"})
    assert status == 200
    first, second = collected.records
    assert (first.sample_id, first.species, first.batch_id, first.mode, first.served) == (
        "s-1", "setosa", "req-7", "online", True)
    assert (second.sample_id, second.species, second.model_alias) == ("req-7:1", None, "champion")


def test_ping_health_and_version(running: RunningServer) -> None:
    assert call(running, "/ping") == (200, "\n")
    status, health = call(running, "/health")
    assert status == 200 and health["models"]["champion"]["version"] == "1"
    status, version = call(running, "/version")
    assert status == 200 and version[0].isdigit()


@pytest.mark.parametrize(("payload", "status", "fragment"), [
    ({"dataframe_records": [{"sepal_length": 1, "sepal_width": 2, "petal_length": 3}]}, 400,
     "missing column(s) petal_width"),
    ({"dataframe_records": [dict(zip(COLUMNS, ["5.1", 3.5, 1.4, 0.2], strict=True))]}, 400,
     "column 'sepal_length' row 0: expected a number, got str '5.1'"),
    ({"dataframe_records": [dict(zip(COLUMNS, [None, 3.5, 1.4, 0.2], strict=True))]}, 400, "missing value"),
    ({"dataframe_records": [dict(zip(COLUMNS, [True, 3.5, 1.4, 0.2], strict=True))]}, 400, "got bool"),
    ({"dataframe_split": {"columns": COLUMNS, "data": [SETOSA] * 51}}, 413, "51 rows in one request: at most 50"),
    ({"records": [SETOSA]}, 400, "unknown key(s) 'records'"),
    ({"dataframe_split": {"columns": COLUMNS, "data": [SETOSA[:3]]}}, 400, "row 0 has 3 values for 4 columns"),
    ({"inputs": [[1.0, 2.0]]}, 400, "send the 4 measurements"),
    ({"dataframe_records": []}, 400, "no row to score"),
    ([SETOSA], 400, "must be an object"),
], ids=["missing-column", "string", "null", "bool", "too-many-rows", "unknown-key", "short-row", "bare-row",
        "empty", "not-an-object"])
def test_invocations_client_mistakes_are_4xx_json(running: RunningServer, payload: Any, status: int,
                                                  fragment: str) -> None:
    got, body = post(running, payload)
    assert got == status
    assert fragment in body["message"] and body["error_code"]


def test_invocations_malformed_json_is_400(running: RunningServer, collected) -> None:
    status, body = call(running, "/invocations", b'{"inputs": [1, 2')
    assert status == 400 and body["message"].startswith("malformed JSON")
    assert collected.records == []


def test_invocations_non_finite_number_is_400(running: RunningServer) -> None:
    status, body = call(running, "/invocations", b'{"inputs": [[NaN, 1, 1, 1]]}')
    assert status == 400 and "not a finite number" in body["message"]


def test_invocations_unsupported_content_type_is_415(running: RunningServer) -> None:
    status, body = call(running, "/invocations", b"x", content_type="application/xml")
    assert status == 415 and "Content-Type" in body["message"]


def test_invocations_csv_bad_number_is_400(running: RunningServer) -> None:
    body = (",".join(COLUMNS) + "\n5.1,abc,1.4,0.2\n").encode()
    status, answer = call(running, "/invocations", body, content_type="text/csv")
    assert status == 400 and "'abc' is not a number" in answer["message"]


def test_unknown_route_is_404_json(running: RunningServer) -> None:
    status, body = call(running, "/predict")
    assert status == 404 and body["error_code"] == "ENDPOINT_NOT_FOUND"


def test_body_over_the_limit_is_413(running: RunningServer) -> None:
    status, body = call(running, "/invocations", b" " * 200_000)
    assert status == 413 and "exceeds the limit" in body["message"]


def test_get_invocations_is_405_json(running: RunningServer) -> None:
    status, body = call(running, "/invocations")
    assert status == 405 and body["message"] == "use POST for /invocations"


def test_a_stopping_server_answers_503(running: RunningServer) -> None:
    assert running.server.drain(1.0)
    status, body = post(running, {"inputs": [SETOSA]})
    assert status == 503 and body["error_code"] == "TEMPORARILY_UNAVAILABLE"
