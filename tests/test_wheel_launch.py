"""Console scripts launched the way Databricks' wheel launcher does: look the entry point up, call it, ignore
what it returns. A failing task must end the process non-zero; a succeeding one must end it with 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from iris_mlops.tasks.registry import TASKS

# What the Databricks CLI's wheel launcher does: entry.load()() with the task's parameters as sys.argv.
LAUNCHER = """
import sys
from importlib.metadata import entry_points
name, args = sys.argv[1], sys.argv[2:]
entry = next(e for e in entry_points(group="console_scripts") if e.name == name)
sys.argv = [name, *args]
entry.load()()
"""
ROOT = Path(__file__).resolve().parents[1]


def launch(script: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IRIS_MLOPS_HOME": str(home), "PYTHONPATH": str(ROOT / "src")}
    env.pop("IRIS_MLOPS_ENV", None)
    return subprocess.run([sys.executable, "-c", LAUNCHER, script, *args], capture_output=True, text=True,
                          env=env, timeout=600, check=False)


@pytest.mark.slow
@pytest.mark.parametrize("script", [t.console_script for t in TASKS])
def test_wheel_launch_of_a_failing_task_exits_non_zero(script: str, tmp_path: Path) -> None:
    done = launch(script, "--env", "nope", home=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "nope" in done.stderr


@pytest.mark.slow
def test_wheel_launch_of_succeeding_tasks_exits_zero(tmp_path: Path) -> None:
    for name in ("bronze", "silver", "gold", "feature-store", "data-quality", "train", "deploy-serving"):
        done = launch(f"iris-mlops-{name}", "--run-id", "launch-1", "--git-commit", "abc123", home=tmp_path)
        assert done.returncode == 0, f"{name}: {done.stderr[-2000:]}"


@pytest.mark.slow
def test_wheel_launch_of_a_task_whose_input_is_missing_exits_non_zero(tmp_path: Path) -> None:
    done = launch("iris-mlops-gold", home=tmp_path)  # no silver table yet
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("error:")
