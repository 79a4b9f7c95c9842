"""The Makefile's bundle targets, by a dry run that prints the commands they would run (no workspace, no CLI)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iris_mlops.cli import app

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("target", "job"),
    [
        ("run_workflow", "iris_workflow"),
        ("run_bronze", "bronze"),
        ("run_silver", "silver"),
        ("run_gold", "gold"),
        ("run_data_quality", "data_quality"),
        ("run_feature_store", "feature_store"),
        ("training_job", "training"),
        ("run_automl", "automl"),
        ("run_eda_benchmark", "eda_benchmark"),
        ("run_mlops_full", "mlops_full"),
    ],
)
def test_job_targets_call_runner_locally_and_cli_remotely(target: str, job: str) -> None:
    local = make(target, "DRY_RUN=1")
    assert local.returncode == 0, local.stderr
    assert local.stdout.strip() == f"+ .venv/bin/iris-mlops workflow run {job} --env local"
    remote = make(target, "TARGET=staging", "DRY_RUN=1")
    assert remote.stdout.strip() == f"+ databricks bundle run {job} -t staging"


@pytest.mark.parametrize("target", ["dev", "staging", "prod"])
def test_validate_and_deploy_use_the_bundle_cli(target: str) -> None:
    validate = make("validate", f"TARGET={target}", "DRY_RUN=1")
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout.strip().splitlines() == [
        f"+ .venv/bin/iris-mlops workflow validate --target {target}",
        f"+ databricks bundle validate -t {target}",
    ]
    assert make("deploy", f"TARGET={target}", "DRY_RUN=1").stdout.strip() == f"+ databricks bundle deploy -t {target}"


@pytest.mark.parametrize("target", ["dev", "staging", "prod"])
def test_validate_offline_step_passes_for_each_target(target: str) -> None:
    """The offline check `make validate TARGET=...` runs first, run here with the test's interpreter."""
    result = CliRunner().invoke(app, ["workflow", "validate", "--target", target, "--bundle-dir", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("OK")


def test_validate_local_runs_the_offline_checks() -> None:
    assert make("validate", "DRY_RUN=1").stdout.strip() == "+ .venv/bin/iris-mlops workflow validate"


def test_pipeline_sequence_runs_the_jobs_in_order() -> None:
    lines = make("run_pipeline_sequence", "TARGET=dev", "DRY_RUN=1").stdout.split()
    assert [word for word in lines if word in ("bronze", "silver", "gold", "feature_store", "training")] == [
        "bronze",
        "silver",
        "gold",
        "feature_store",
        "training",
    ]


def test_missing_cli_is_one_line_naming_the_installer() -> None:
    result = make("run_gold", "TARGET=dev", "DATABRICKS=no-such-databricks-cli")
    assert result.returncode != 0
    assert "databricks CLI not found: install it with 'make install-databricks'" in result.stderr
    assert "https://raw.githubusercontent.com/databricks/setup-cli/main/install.sh" in result.stderr


def test_unknown_target_and_local_deploy_are_refused() -> None:
    bad = make("run_gold", "TARGET=qa", "DRY_RUN=1")
    assert bad.returncode != 0 and "TARGET must be local, dev, staging or prod, not 'qa'" in bad.stderr
    local = make("deploy", "DRY_RUN=1")
    assert local.returncode != 0 and "TARGET=local has nothing to deploy" in local.stderr
