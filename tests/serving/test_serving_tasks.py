"""The serving tasks on a temporary home: serve logs to the predictions table, A/B report and promote, bad input."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from iris_mlops.errors import ServingError
from iris_mlops.serving.model import ServedModel
from iris_mlops.tasks.context import TaskContext

NAME = "iris_classifier"
ROWS = [[5.1, 3.5, 1.4, 0.2], [5.7, 2.8, 4.1, 1.3], [7.7, 3.0, 6.1, 2.3]]


@pytest.fixture(scope="module")
def registry_home(tmp_path_factory: pytest.TempPathFactory, champion: ServedModel,
                  challenger: ServedModel) -> Iterator[Path]:
    """A local MLflow store with iris_classifier @champion (a forest) and @challenger (a stump)."""
    import mlflow

    from iris_mlops.config import load_settings
    from iris_mlops.ml.registry import client
    from iris_mlops.ml.tracking import configure_mlflow

    home = tmp_path_factory.mktemp("serving-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IRIS_MLOPS_HOME", str(home))
        configure_mlflow(load_settings("local"))
        for model, alias in ((champion, "champion"), (challenger, "challenger")):
            with mlflow.start_run():
                info = mlflow.sklearn.log_model(model.estimator, name="model", pip_requirements=["scikit-learn"],
                                                serialization_format="cloudpickle")
            version = mlflow.register_model(info.model_uri, NAME).version
            client().set_registered_model_alias(NAME, alias, version)
        yield home


@pytest.fixture()
def ctx(registry_home: Path, monkeypatch: pytest.MonkeyPatch) -> TaskContext:
    from iris_mlops.config import load_settings

    monkeypatch.setenv("IRIS_MLOPS_HOME", str(registry_home))
    monkeypatch.setenv("IRIS_MLOPS_SERVING__FLUSH_SECONDS", "3600")  # only the stop writes
    return TaskContext(name="serve", settings=load_settings("local"), run_id="test-run", quiet=True)


def _client_then_sigterm(requests: list[bytes], answers: list[Any]) -> Any:
    def on_ready(url: str) -> None:
        def run() -> None:
            try:
                for body in requests:
                    request = urllib.request.Request(url + "/invocations", data=body,
                                                     headers={"Content-Type": "application/json"})
                    with urllib.request.urlopen(request, timeout=10) as response:
                        answers.append(json.loads(response.read()))
            finally:
                os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=run, daemon=True).start()

    return on_ready


def _predictions(ctx: TaskContext) -> Any:
    from deltalake import DeltaTable

    return DeltaTable(str(ctx.settings.home.joinpath("warehouse", *ctx.settings.table("predictions").split(".")))
                      ).to_pandas()


def test_run_serve_shadow_logs_both_arms_and_stops_on_sigterm(ctx: TaskContext) -> None:
    from iris_mlops.tasks.serving import run_serve

    answers: list[Any] = []
    body = json.dumps({"dataframe_split": {"columns": ["sepal_length", "sepal_width", "petal_length",
                                                       "petal_width"], "data": ROWS}}).encode()
    result = run_serve(ctx, port=0, mode="shadow", on_ready=_client_then_sigterm([body, body], answers))
    assert (result.champion_version, result.challenger_version, result.records_written) == ("1", "2", 12)
    assert [p["predicted_species"] for p in answers[0]["predictions"]] == ["setosa", "versicolor", "virginica"]
    table = _predictions(ctx)
    assert len(table) == 12 and set(table["mode"]) == {"online"}
    served = table.groupby(["ab_arm", "model_version", "model_alias"])["served"].agg(["all", "any", "size"])
    assert served.loc[("champion", "1", "champion")].tolist() == [True, True, 6]
    assert served.loc[("challenger", "2", "challenger")].tolist() == [False, False, 6]


def test_predictions_schema_matches_the_online_record() -> None:
    from dataclasses import fields

    from iris_mlops.schemas import PREDICTIONS_SCHEMA
    from iris_mlops.serving.records import PredictionRecord

    assert [f.name for f in fields(PredictionRecord)] == PREDICTIONS_SCHEMA.fieldNames()


def test_run_serve_port_in_use_is_one_line_exit_2(ctx: TaskContext) -> None:
    from iris_mlops.tasks.serving import run_serve

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServingError, match=f"port {port} on 127.0.0.1 is in use") as error:
            run_serve(ctx, port=port)
    assert error.value.exit_code == 2


def test_run_serve_unknown_alias_is_one_line_exit_2(ctx: TaskContext) -> None:
    from iris_mlops.tasks.serving import run_serve

    with pytest.raises(ServingError, match="has no version with alias 'staging'") as error:
        run_serve(ctx, alias="staging", port=0)
    assert error.value.exit_code == 2


@pytest.mark.parametrize("share", [-0.5, 1.5])
def test_run_serve_share_outside_0_1_is_one_line_exit_2(ctx: TaskContext, share: float) -> None:
    from iris_mlops.tasks.serving import run_serve

    with pytest.raises(ServingError, match="outside 0–1"):
        run_serve(ctx, port=0, challenger_share=share)


def test_run_serve_without_challenger_is_one_line(ctx: TaskContext, monkeypatch: pytest.MonkeyPatch) -> None:
    from iris_mlops.ml.registry import client
    from iris_mlops.tasks.serving import run_serve

    client().delete_registered_model_alias(NAME, "challenger")
    try:
        with pytest.raises(ServingError, match=r"A/B testing .* needs a challenger: .* no version with alias"):
            run_serve(ctx, port=0, challenger_share=0.2)
    finally:
        client().set_registered_model_alias(NAME, "challenger", "2")


def _scored_rows(n: int, accuracy: dict[str, float], *, labelled: bool, seed: int = 0) -> list[dict[str, Any]]:
    """Shadow traffic: every record scored by both versions; the label on the row or left to silver."""
    from datetime import datetime, timezone

    import numpy as np

    rng = np.random.default_rng(seed)
    species = ["setosa", "versicolor", "virginica"]
    rows = []
    for i in range(n):
        truth = species[i % 3]
        for arm, version in (("champion", "1"), ("challenger", "2")):
            predicted = truth if rng.random() < accuracy[arm] else species[(i + 1) % 3]
            rows.append({"sample_id": f"b1:{i}", "batch_id": "b1", "sepal_length": 5.0, "sepal_width": 3.0,
                         "petal_length": 4.0, "petal_width": 1.0, "species": truth if labelled else None,
                         "predicted_species": predicted, "probability_setosa": None, "probability_versicolor": None,
                         "probability_virginica": None, "model_name": NAME, "model_version": version,
                         "model_alias": arm, "feature_version": "1.0.0", "scoring_run_id": "r",
                         "scored_at": datetime(2026, 1, 1, tzinfo=timezone.utc), "mode": "batch", "ab_arm": arm,
                         "served": arm == "champion"})
    return rows


def _silver(spark: Any, n: int) -> Any:
    from datetime import datetime

    from iris_mlops.schemas import SILVER_SCHEMA

    species = ["setosa", "versicolor", "virginica"]
    rows = [("b1", i, datetime(2026, 1, 1), 5.0, 3.0, 4.0, 1.0, species[i % 3], False, "r") for i in range(n)]
    return spark.createDataFrame(rows, SILVER_SCHEMA)


@pytest.fixture()
def spark_ctx(ctx: TaskContext, spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TaskContext:
    """The task context on a fresh warehouse (its own catalog), with the suite's Spark session."""
    from iris_mlops.config import load_settings

    monkeypatch.setenv("IRIS_MLOPS_CATALOG", f"c{tmp_path.name[-12:].replace('-', '_')}")
    fresh = TaskContext(name="ab", settings=load_settings("local"), run_id="test-run", quiet=True)
    fresh.__dict__["spark"] = spark
    return fresh


def _write_predictions(ctx: TaskContext, rows: list[dict[str, Any]]) -> None:
    from iris_mlops.schemas import PREDICTIONS_SCHEMA

    ctx.store.append_records(ctx.settings.table("predictions"), rows, schema=PREDICTIONS_SCHEMA, run_id="r")


def test_run_ab_report_takes_labels_from_silver(spark_ctx: TaskContext, spark: Any) -> None:
    from iris_mlops.tasks.serving import run_ab_report

    _write_predictions(spark_ctx, _scored_rows(300, {"champion": 0.7, "challenger": 0.95}, labelled=False))
    spark_ctx.store.overwrite(spark_ctx.settings.table("silver"), _silver(spark, 300), run_id="r")
    report = run_ab_report(spark_ctx)
    comparison = report.comparison
    assert (report.champion_version, report.challenger_version) == ("1", "2")
    assert comparison.design == "paired" and comparison.observed == 300
    assert comparison.verdict == "promote" and comparison.challenger.accuracy > comparison.champion.accuracy
    assert json.loads(json.dumps(report.as_dict(), default=str))["verdict"] == "promote"


def test_run_ab_promote_moves_champion_and_records_the_evidence(spark_ctx: TaskContext) -> None:
    from iris_mlops.ml.registry import alias_version, client
    from iris_mlops.tasks.serving import run_ab_promote

    _write_predictions(spark_ctx, _scored_rows(300, {"champion": 0.7, "challenger": 0.95}, labelled=True))
    try:
        promotion = run_ab_promote(spark_ctx, reason="shadow week 1")
        registry = client()
        assert (promotion.version, promotion.previous_champion) == ("2", "1")
        assert str(registry.get_model_version_by_alias(NAME, "champion").version) == "2"
        assert alias_version(registry, NAME, "challenger") is None
        tags = registry.get_model_version(NAME, "2").tags
        assert tags["ab_verdict"] == "promote" and tags["ab_test"] == "mcnemar_exact"
        assert float(tags["ab_p_value"]) < 0.05 and tags["promotion_reason"] == "A/B test: shadow week 1"
    finally:
        client().set_registered_model_alias(NAME, "champion", "1")
        client().set_registered_model_alias(NAME, "challenger", "2")


def test_run_ab_promote_respects_a_pin_unless_forced(spark_ctx: TaskContext) -> None:
    from iris_mlops.ml.pins import read_pin, set_pin
    from iris_mlops.ml.registry import client
    from iris_mlops.tasks.serving import NotPromotedError, run_ab_promote

    _write_predictions(spark_ctx, _scored_rows(300, {"champion": 0.7, "challenger": 0.95}, labelled=True))
    registry = client()
    set_pin(registry, NAME, version="1", by="alice", reason="audit freeze")
    try:
        with pytest.raises(NotPromotedError, match="champion pinned to version 1 by alice"):
            run_ab_promote(spark_ctx, reason="shadow week 1")
        assert str(registry.get_model_version_by_alias(NAME, "champion").version) == "1"
        assert run_ab_promote(spark_ctx, reason="shadow week 2", force=True).version == "2"
        assert read_pin(registry, NAME) is None
    finally:
        registry.set_registered_model_alias(NAME, "champion", "1")
        registry.set_registered_model_alias(NAME, "challenger", "2")


def test_run_ab_promote_without_a_promote_verdict_changes_nothing(spark_ctx: TaskContext) -> None:
    from iris_mlops.ml.registry import client
    from iris_mlops.tasks.serving import NotPromotedError, run_ab_promote

    _write_predictions(spark_ctx, _scored_rows(30, {"champion": 0.9, "challenger": 0.9}, labelled=True))
    with pytest.raises(NotPromotedError, match="A/B verdict is 'keep collecting', not promote"):
        run_ab_promote(spark_ctx, reason="too early")
    assert str(client().get_model_version_by_alias(NAME, "champion").version) == "1"


def test_run_ab_report_without_predictions_table_is_one_line(spark_ctx: TaskContext) -> None:
    from iris_mlops.errors import TableNotFoundError
    from iris_mlops.tasks.serving import run_ab_report

    with pytest.raises(TableNotFoundError, match="serve or score records first"):
        run_ab_report(spark_ctx)


@pytest.fixture()
def deploy_ctx(ctx: TaskContext, monkeypatch: pytest.MonkeyPatch) -> TaskContext:
    """The context with deploy_endpoint on (conf/local.yml turns it off)."""
    from iris_mlops.config import load_settings

    monkeypatch.setenv("IRIS_MLOPS_SERVING__DEPLOY_ENDPOINT", "true")
    return TaskContext(name="deploy-serving", settings=load_settings("local"), run_id="r", quiet=True)


def test_run_deploy_serving_is_skipped_where_deploy_endpoint_is_off(ctx: TaskContext, fake: Any) -> None:
    from iris_mlops.tasks.serving import run_deploy_serving

    assert run_deploy_serving(ctx).action == "skipped" and fake.calls == []


def test_run_deploy_serving_creates_then_leaves_the_endpoint_alone(deploy_ctx: TaskContext, fake: Any) -> None:
    from iris_mlops.tasks.serving import run_deploy_serving

    ctx = deploy_ctx
    first = run_deploy_serving(ctx)
    second = run_deploy_serving(ctx)
    assert (first.action, first.version, second.action) == ("created", "1", "unchanged")
    [(method, _, body)] = fake.changes()
    assert method == "POST" and body["config"]["served_entities"][0]["entity_name"] == NAME
    assert body["config"]["auto_capture_config"]["catalog_name"] == ctx.settings.catalog


def test_run_deploy_serving_without_champion_is_skipped(ctx: TaskContext, fake: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from iris_mlops.config import load_settings
    from iris_mlops.tasks.serving import run_deploy_serving

    monkeypatch.setenv("IRIS_MLOPS_MLFLOW__MODEL_NAME", "never_trained")
    monkeypatch.setenv("IRIS_MLOPS_SERVING__DEPLOY_ENDPOINT", "true")
    bare = TaskContext(name="deploy-serving", settings=load_settings("local"), run_id="r", quiet=True)
    assert run_deploy_serving(bare).action == "skipped" and fake.calls == []


def test_run_deploy_serving_workspace_refusal_is_one_line(deploy_ctx: TaskContext, httpserver: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = deploy_ctx
    from iris_mlops.serving.endpoint import EndpointError
    from iris_mlops.tasks.serving import run_deploy_serving

    monkeypatch.setenv("DATABRICKS_HOST", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-test")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(ctx.settings.home / "no-databrickscfg"))
    httpserver.expect_request("/api/2.0/serving-endpoints/iris-classifier").respond_with_json(
        {"error_code": "PERMISSION_DENIED", "message": "no CAN_MANAGE on serving endpoints"}, status=403)
    with pytest.raises(EndpointError, match="serving endpoint iris-classifier: PermissionDenied: no CAN_MANAGE"):
        run_deploy_serving(ctx)


def _cli(*args: str) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from iris_mlops.cli import app

    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.stdout, done.stderr


def test_cli_ab_report_prints_the_verdict_and_json(spark_ctx: TaskContext) -> None:
    _write_predictions(spark_ctx, _scored_rows(60, {"champion": 0.9, "challenger": 0.9}, labelled=True))
    code, out, err = _cli("ab", "report", "--catalog", spark_ctx.settings.catalog)
    assert code == 0, err
    assert "verdict: keep collecting" in out and "mcnemar_exact" in out and "champion version 1" in out
    code, out, _ = _cli("ab", "report", "--catalog", spark_ctx.settings.catalog, "--json")
    data = json.loads(out)
    assert (data["verdict"], data["design"], data["observed"]) == ("keep collecting", "paired", 60)


@pytest.mark.parametrize(("args", "message"), [
    (["--challenger-share", "1.5"], "challenger share 1.5 is outside 0–1"),
    (["--alias", "nope"], "has no version with alias 'nope'"),
    (["--mode", "canary"], "A/B mode 'canary' is unknown"),
])
def test_cli_serve_bad_input_is_one_line_exit_2(ctx: TaskContext, args: list[str], message: str) -> None:
    code, _, err = _cli("serve", "--port", "0", *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow  # a server process
def test_serve_command_in_its_own_process_stops_cleanly_on_sigterm(ctx: TaskContext, registry_home: Path) -> None:
    import re
    import subprocess
    import sys

    env = {**os.environ, "IRIS_MLOPS_HOME": str(registry_home), "IRIS_MLOPS_SERVING__FLUSH_SECONDS": "3600",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    server = subprocess.Popen([sys.executable, "-c", "from iris_mlops.cli import main; main()", "serve", "--port", "0",
                               "--run-id", "proc-1", "--json"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        lines = [server.stderr.readline()]
        while not re.search(r"on (http://\S+)/invocations", lines[-1]) and lines[-1] and len(lines) < 100:
            lines.append(server.stderr.readline())
        url = re.search(r"on (http://\S+)/invocations", lines[-1])
        assert url, "".join(lines)
        body = json.dumps({"inputs": ROWS}).encode()
        request = urllib.request.Request(url.group(1) + "/invocations", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert len(json.loads(response.read())["predictions"]) == 3
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    finally:
        server.kill()
    assert server.returncode == 0, err
    assert json.loads(out)["records_written"] == 3
    rows = _predictions(ctx)
    assert set(rows.loc[rows["scoring_run_id"] == "proc-1", "mode"]) == {"online"}
