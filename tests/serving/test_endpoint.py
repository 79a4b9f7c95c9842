"""deploy-serving's endpoint logic: the real databricks-sdk client against a local fake of the serving-endpoints API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from iris_mlops.serving.endpoint import EndpointError, EndpointSpec, ensure_endpoint

MODEL = "main.iris_mlops.iris_classifier"


def _workspace() -> Any:
    from databricks.sdk import WorkspaceClient

    return WorkspaceClient()


def _spec(version: str, **changes: Any) -> EndpointSpec:
    return EndpointSpec(name="iris-classifier", model_name=MODEL, version=version, **changes)


def test_ensure_endpoint_creates_it_with_the_inference_table(fake: Any) -> None:
    outcome = ensure_endpoint(_workspace(), _spec("3"))
    assert (outcome.action, outcome.previous_version) == ("created", None)
    [(method, _, body)] = fake.changes()
    assert method == "POST"
    entity = body["config"]["served_entities"][0]
    assert (entity["entity_name"], entity["entity_version"], entity["name"]) == (MODEL, "3", "iris_classifier-3")
    assert body["config"]["auto_capture_config"] == {"catalog_name": "main", "schema_name": "iris_mlops",
                                                     "table_name_prefix": "iris_endpoint", "enabled": True}


def test_ensure_endpoint_twice_changes_nothing_the_second_time(fake: Any) -> None:
    ensure_endpoint(_workspace(), _spec("3"))
    outcome = ensure_endpoint(_workspace(), _spec("3"))
    assert outcome.action == "unchanged" and len(fake.changes()) == 1


def test_ensure_endpoint_new_champion_updates_only_the_served_entity(fake: Any) -> None:
    ensure_endpoint(_workspace(), _spec("3"))
    outcome = ensure_endpoint(_workspace(), _spec("4"))
    assert (outcome.action, outcome.previous_version, outcome.changes) == ("updated", "3", ("entity_version",))
    method, path, body = fake.changes()[-1]
    assert (method, path) == ("PUT", "/api/2.0/serving-endpoints/iris-classifier/config")
    assert body["served_entities"][0]["entity_version"] == "4" and "auto_capture_config" not in body


def test_ensure_endpoint_changed_inference_table_is_sent(fake: Any) -> None:
    ensure_endpoint(_workspace(), _spec("3"))
    ensure_endpoint(_workspace(), _spec("3", table_prefix="iris_online"))
    body = fake.changes()[-1][2]
    assert body["auto_capture_config"]["table_name_prefix"] == "iris_online"


def test_ensure_endpoint_refuses_while_another_update_is_pending(fake: Any) -> None:
    ensure_endpoint(_workspace(), _spec("3"))
    endpoint = fake.endpoints["iris-classifier"]
    endpoint["pending_config"] = json.loads(json.dumps(endpoint["config"]))
    endpoint["pending_config"]["served_entities"][0]["entity_version"] = "5"
    with pytest.raises(EndpointError, match="being updated to version 5"):
        ensure_endpoint(_workspace(), _spec("4"))
    assert ensure_endpoint(_workspace(), _spec("5")).action == "unchanged"


def test_deploy_serving_task_skips_on_a_local_run(home: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from iris_mlops.entrypoints import run_task

    assert run_task("deploy-serving", ["--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["action"], result["endpoint"]) == ("skipped", "iris-classifier")
