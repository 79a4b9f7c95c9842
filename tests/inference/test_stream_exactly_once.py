"""Exactly once: a stream killed by SIGKILL in the middle of a micro-batch, then restarted, scores each record once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.inference.conftest import Registry, write_csv

FILES = 5
ROWS_PER_FILE = 40
# The console script's own function (the installed script may predate this task in a shared venv).
RUNNER = "import sys; from iris_mlops.entrypoints import stream_inference; stream_inference()"


def _start(landing: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", RUNNER, "--available-now", "--landing", str(landing)]
    return subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _log_versions(table: Path) -> int:
    return len(list((table / "_delta_log").glob("*.json"))) if (table / "_delta_log").is_dir() else 0


def _kill_mid_batch(process: subprocess.Popen[str], checkpoint: Path, predictions: Path) -> int:
    """SIGKILL once micro-batch 1 has committed its predictions but Spark has not recorded it as done."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        started, done = (checkpoint / "offsets" / "1").exists(), (checkpoint / "commits" / "1").exists()
        before = _log_versions(predictions)
        if started and not done and before >= 2:  # batch 0 wrote v0 (+ properties); wait for batch 1's merge
            while not (checkpoint / "commits" / "1").exists() and _log_versions(predictions) == before:
                time.sleep(0.01)
            if not (checkpoint / "commits" / "1").exists():
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
                return 1
        time.sleep(0.01)
    pytest.fail(f"the stream never reached micro-batch 1 in progress: {process.communicate()}")


@pytest.mark.slow
def test_stream_killed_mid_batch_and_restarted_scores_every_record_exactly_once(
    registry: Registry, tmp_path: Path
) -> None:
    from iris_mlops.config import load_settings
    from iris_mlops.spark import get_spark
    from iris_mlops.storage import make_store
    from iris_mlops.tasks.stream_inference import checkpoint_path

    home, landing = tmp_path / "home", tmp_path / "landing"
    for i in range(FILES):
        rows = [f"{5 + i / 10:.1f},3.{j % 10},1.{j % 7},0.{1 + j % 5},setosa" for j in range(ROWS_PER_FILE)]
        write_csv(landing / f"f{i}.csv", [*rows, "bad,3.0,1.0,0.2,setosa"])
    env = {**os.environ, "IRIS_MLOPS_HOME": str(home), "IRIS_MLOPS_MLFLOW__TRACKING_URI": registry.uri,
           "IRIS_MLOPS_MLFLOW__REGISTRY_URI": registry.uri, "IRIS_MLOPS_INFERENCE__MAX_FILES_PER_TRIGGER": "1",
           "IRIS_MLOPS_SPARK_MASTER": "local[1]"}
    settings = load_settings("local", environ=env)
    predictions_dir = Path(settings.home, "warehouse", *settings.table("predictions").split("."))
    checkpoint = Path(checkpoint_path(type("Ctx", (), {"settings": settings})(), str(landing)))
    _kill_mid_batch(_start(landing, env), checkpoint, predictions_dir)
    assert not (checkpoint / "commits" / "1").exists()
    rerun = _start(landing, env)
    _, err = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, err[-2000:]
    store = make_store(settings, get_spark())
    table = store.read(settings.table("predictions")).toPandas()
    assert len(table) == FILES * ROWS_PER_FILE
    assert not table.duplicated(["sample_id", "model_version", "mode"]).any()
    assert store.read(settings.table("prediction_quarantine")).count() == FILES
