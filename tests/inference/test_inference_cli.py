"""The batch-inference and stream-inference commands as the CLI and the console scripts run them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.inference.conftest import Registry, write_csv

from iris_mlops.entrypoints import run_task


@pytest.fixture()
def cli_env(registry: Registry, home: Path, monkeypatch: pytest.MonkeyPatch, spark: Any) -> Path:
    """A fresh home whose MLflow settings point at the module's registry."""
    monkeypatch.setenv("IRIS_MLOPS_MLFLOW__TRACKING_URI", registry.uri)
    monkeypatch.setenv("IRIS_MLOPS_MLFLOW__REGISTRY_URI", registry.uri)
    return home


def test_batch_inference_json_then_a_bad_version_is_one_line_exit_2(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "in.csv", ["5.1,3.5,1.4,0.2,setosa", "6.9,3.1,5.4,2.1,"])
    assert run_task("batch-inference", ["--source", str(source), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["rows_scored"], result["rows_quarantined"], result["model_alias"]) == (2, 0, "champion")
    assert run_task("batch-inference", ["--source", str(source), "--model-version", "99"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: model iris_classifier has no version 99") and len(err) == 1


def test_stream_inference_available_now_json(cli_env: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    landing = tmp_path / "drop"
    write_csv(landing / "a.csv", ["5.1,3.5,1.4,0.2,setosa", "oops,3.5,1.4,0.2,setosa"])
    assert run_task("stream-inference", ["--available-now", "--landing", str(landing), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["micro_batches"], result["rows_scored"], result["rows_quarantined"]) == (1, 1, 1)
    assert result["checkpoint"].startswith(str(cli_env))


def test_stream_inference_refuses_a_non_positive_trigger(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_task("stream-inference", ["--trigger-seconds", "0"]) == 2
    assert "--trigger-seconds must be positive" in capsys.readouterr().err
