"""Failed runs: the Databricks run's failed tasks and page (fake client), and `make setup-teams` wiring."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from iris_mlops.notify.runs import RunFacts, databricks_run_facts

ROOT = Path(__file__).resolve().parents[2]


def _task(key: str, result: str) -> SimpleNamespace:
    return SimpleNamespace(task_key=key, state=SimpleNamespace(result_state=SimpleNamespace(value=result)))


def test_databricks_run_facts_lists_failed_tasks_and_the_run_page() -> None:
    run = SimpleNamespace(run_name="iris_workflow", run_page_url="https://adb-1.azuredatabricks.net/jobs/7/runs/42",
                          tasks=[_task("bronze", "SUCCESS"), _task("silver", "FAILED"),
                                 _task("gold", "UPSTREAM_FAILED")])
    asked: list[int] = []

    def get_run(*, run_id: int) -> SimpleNamespace:
        asked.append(run_id)
        return run

    facts = databricks_run_facts("42", client_factory=lambda: SimpleNamespace(jobs=SimpleNamespace(get_run=get_run)))
    assert facts == RunFacts(("silver", "gold"), "https://adb-1.azuredatabricks.net/jobs/7/runs/42", "iris_workflow")
    assert asked == [42]


def test_databricks_run_facts_is_best_effort() -> None:
    def broken() -> object:
        raise RuntimeError("no credentials")

    assert databricks_run_facts("42", client_factory=broken) == RunFacts()
    assert databricks_run_facts("local-run-1", client_factory=broken) == RunFacts()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(("target", "channel"), [("setup-teams", "teams"), ("setup-slack", "slack")])
def test_make_setup_targets_call_alerts_setup(target: str, channel: str) -> None:
    def make(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), target, "DRY_RUN=1", *args],
                              capture_output=True, text=True, timeout=60)

    command = f"+ .venv/bin/iris-mlops alerts setup --channel {channel} --target"
    assert make().stdout.strip() == f"{command} local"
    assert make("TARGET=prod").stdout.strip() == f"{command} prod"
    assert make("TARGET=qa").returncode != 0
