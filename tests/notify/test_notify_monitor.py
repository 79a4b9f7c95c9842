"""The monitor's findings delivered: one Teams card per run listing the drifted columns, repeats suppressed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from notify_helpers import assert_valid_teams
from pyspark.sql import SparkSession
from pytest_httpserver import HTTPServer

from iris_mlops.entrypoints import run_task
from iris_mlops.monitoring.simulate import simulate_batch

TEAMS_PATH = "/teams/MONITOR-SECRET-5e1a"


def _files(tmp_path: Path) -> tuple[Path, Path]:
    reference, current = tmp_path / "ref.csv", tmp_path / "cur.csv"
    simulate_batch("none", seed=1).to_csv(reference, index=False)
    simulate_batch("class-mix", severity=0.95, seed=3).to_csv(current, index=False)
    return reference, current


def _card_text(body: dict) -> str:  # type: ignore[type-arg]
    return json.dumps(assert_valid_teams(body).model_dump(by_alias=True, exclude_none=True))


def _monitor(reference: Path, current: Path, run_id: str, capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    code = run_task("monitor", ["--json", "--run-id", run_id, "--reference-source", str(reference),
                                "--current-source", str(current)])
    assert code == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_monitor_sends_one_card_with_the_drifted_columns_and_suppresses_a_repeat(
    home: Path, spark: SparkSession, httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    httpserver.expect_request(TEAMS_PATH, method="POST").respond_with_data("", status=202)
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", httpserver.url_for(TEAMS_PATH))
    monkeypatch.setenv("IRIS_MLOPS_MONITORING__ALERT_AD_HOC", "true")
    reference, current = _files(tmp_path)
    first = _monitor(reference, current, "mon-1", capsys)
    drifted = [c for c in first["columns"] if c["drifted"]]
    assert first["status"] == "ALERT" and len(drifted) >= 2  # dataset drift: an error, so the run is ALERT
    assert len(httpserver.log) == 1
    text = _card_text(json.loads(httpserver.log[0][0].data))
    for column in drifted:
        assert column["column"] in text and f"test {column['test']}" in text
        assert f"value {column['score']:.4g}" in text and f"threshold {column['threshold']:.4g}" in text
    assert "Monitor ALERT" in text
    _monitor(reference, current, "mon-2", capsys)  # the same findings within the cooldown
    assert len(httpserver.log) == 1


def test_monitor_ad_hoc_sends_nothing_unless_configured(
    home: Path, spark: SparkSession, httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    httpserver.expect_request(TEAMS_PATH, method="POST").respond_with_data("", status=202)
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", httpserver.url_for(TEAMS_PATH))
    reference, current = _files(tmp_path)
    assert _monitor(reference, current, "mon-3", capsys)["status"] == "ALERT"
    assert httpserver.log == []
