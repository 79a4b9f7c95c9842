"""The bundle against Databricks' JSON schema, plus the cross-reference checks the schema cannot make."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from iris_mlops.config import load_settings
from iris_mlops.workflow.bundle import BundleError, bundle_jobs, load_bundle
from iris_mlops.workflow.checks import check_bundle, wheel_console_scripts
from iris_mlops.workflow.schema import find_schema, validate_file

ROOT = Path(__file__).resolve().parents[2]
NO_SCHEMA = "no bundle JSON schema (../shared/databricks/bundle_jsonschema.json or .databricks/bundle_schema.json)"
TASK_ENTRY_POINTS = {
    "bronze": "iris-mlops-bronze",
    "silver": "iris-mlops-silver",
    "gold": "iris-mlops-gold",
    "data-quality": "iris-mlops-data-quality",
    "feature-store": "iris-mlops-feature-store",
    "train": "iris-mlops-train",
    "deploy-serving": "iris-mlops-deploy-serving",
    "batch-inference": "iris-mlops-batch-inference",
    "monitor": "iris-mlops-monitor",
    "notify-failure": "iris-mlops-notify-failure",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return load_bundle(ROOT)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The project's wheel, built offline (hatchling from the dev extra, no isolated build environment)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    yield next(out.glob("*.whl"))


@pytest.fixture(scope="module")
def scripts(wheel: Path) -> set[str]:
    return wheel_console_scripts(wheel)


def test_bundle_validates_against_databricks_schema(document: dict[str, Any]) -> None:
    schema = find_schema(ROOT)
    if schema is None:
        pytest.skip(NO_SCHEMA)
    assert validate_file(document, schema) == []


def test_schema_refuses_a_broken_job(document: dict[str, Any]) -> None:
    schema = find_schema(ROOT)
    if schema is None:
        pytest.skip(NO_SCHEMA)
    broken = copy.deepcopy(document)
    task = broken["resources"]["jobs"]["iris_workflow"]["tasks"][1]
    task["run_if"] = "SOMETIMES"
    task["retries"] = 3
    problems = validate_file(broken, schema)
    assert any("tasks[1].run_if" in p and "SOMETIMES" in p for p in problems), problems
    assert any("retries" in p for p in problems), problems


@pytest.mark.slow  # builds the wheel
def test_bundle_passes_cross_reference_checks(document: dict[str, Any], scripts: set[str]) -> None:
    assert [str(p) for p in check_bundle(document, scripts=scripts)] == []


@pytest.mark.slow  # builds the wheel
def test_wheel_declares_every_task_entry_point(scripts: set[str]) -> None:
    assert scripts >= {"iris-mlops", "iris-mlops-bronze", "iris-mlops-silver", "iris-mlops-gold"}


def test_bundle_defines_the_issue_jobs(document: dict[str, Any]) -> None:
    jobs = bundle_jobs(document)
    assert {"bronze", "silver", "gold", "data_quality", "feature_store", "training", "iris_workflow"} <= set(jobs)
    assert {"automl", "eda_benchmark"} <= set(jobs)
    graph = {t["task_key"]: [d["task_key"] for d in t.get("depends_on", [])] for t in jobs["iris_workflow"]["tasks"]}
    assert graph == {
        "bronze": [],
        "silver": ["bronze"],
        "gold": ["silver"],
        "data-quality": ["feature-store"],
        "feature-store": ["gold"],
        "train": ["feature-store"],
        "deploy-serving": ["train"],
        "batch-inference": ["train"],
        "monitor": ["batch-inference"],
        "notify-failure": ["data-quality", "deploy-serving", "monitor"],
    }
    for task in jobs["iris_workflow"]["tasks"]:
        wheel_task = task["python_wheel_task"]
        assert wheel_task["entry_point"] == TASK_ENTRY_POINTS[task["task_key"]]
        assert wheel_task["parameters"][-2:] == ["--run-id", "{{job.run_id}}"]


@pytest.mark.parametrize("target", ["dev", "staging", "prod"])
def test_bundle_targets_match_conf(document: dict[str, Any], target: str) -> None:
    settings = load_settings(target, environ={})
    variables = document["targets"][target]["variables"]
    assert variables["catalog"] == settings.catalog
    # dev: one schema per person (conf/dev.yml has none); staging and prod: the schema conf names.
    expected = "dev_${workspace.current_user.short_name}" if target == "dev" else settings.schema_name
    assert variables["schema"] == expected
    assert document["variables"]["volume"]["default"] == settings.volume


def test_bundle_modes_and_production_targets(document: dict[str, Any]) -> None:
    targets = document["targets"]
    assert targets["dev"]["mode"] == "development" and targets["dev"]["default"] is True
    for name in ("staging", "prod"):
        assert targets[name]["mode"] == "production"
        root_path = targets[name]["workspace"]["root_path"]
        assert root_path.startswith("/Workspace/Users/${workspace.current_user.userName}/")
        assert targets[name]["run_as"] and targets[name]["permissions"]


def test_mlops_full_runs_the_whole_chain(document: dict[str, Any]) -> None:
    job = bundle_jobs(document)["mlops_full"]
    graph = {t["task_key"]: [d["task_key"] for d in t.get("depends_on", [])] for t in job["tasks"]}
    assert graph == {
        "bronze": [],
        "silver": ["bronze"],
        "gold": ["silver"],
        "data-quality": ["feature-store"],
        "feature-store": ["gold"],
        "train": ["feature-store"],
        "automl": ["train"],  # both move the model's aliases: never side by side
        "eda-benchmark": ["feature-store"],
        "batch-inference": ["automl"],
        "monitor": ["batch-inference"],
        "notify-failure": ["data-quality", "automl", "eda-benchmark", "monitor"],  # every other leaf
    }
    assert "schedule" not in job and job["tags"]["iris_mlops_job"] == "mlops_full"
    tasks = {t["task_key"]: t for t in job["tasks"]}
    assert tasks["monitor"]["python_wheel_task"]["entry_point"] == "iris-mlops-monitor"
    leaf = tasks["notify-failure"]
    assert leaf["run_if"] == "AT_LEAST_ONE_FAILED"
    assert leaf["python_wheel_task"]["parameters"][:2] == ["--job", "mlops_full"]
    assert all(t.get("run_if", "ALL_SUCCESS") == "ALL_SUCCESS" for k, t in tasks.items() if k != "notify-failure")


def test_every_wheel_task_gets_schema_and_git_commit(document: dict[str, Any]) -> None:
    for key, job in bundle_jobs(document).items():
        for task in job["tasks"]:
            params = task["python_wheel_task"]["parameters"]
            # options with a value, and flags (stream-inference's --available-now) mapped to True
            pairs = {p: True if i + 1 == len(params) or params[i + 1].startswith("--") else params[i + 1]
                     for i, p in enumerate(params) if p.startswith("--")}
            assert pairs["--schema"] == "${var.schema}", (key, task["task_key"])
            assert pairs["--git-commit"] == "${bundle.git.commit}", (key, task["task_key"])


def _set(node: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split("/")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]  # type: ignore[index]
    node[int(last) if last.isdigit() else last] = value  # type: ignore[index]


WORKFLOW = "resources/jobs/iris_workflow"
# One deliberate mistake per check (tasks/7 is the leaf `notify-failure`: renaming it breaks no depends_on).
BREAKAGES: dict[str, list[tuple[str, Any]]] = {
    "depends_on": [(f"{WORKFLOW}/tasks/1/depends_on", [{"task_key": "bronz"}])],
    "environment_key": [(f"{WORKFLOW}/tasks/1/environment_key", "gpu")],
    "variables": [(f"{WORKFLOW}/tasks/1/python_wheel_task/parameters/3", "${var.katalog}")],
    "entry_point": [
        (f"{WORKFLOW}/tasks/9/task_key", "redeploy"),  # the last task (notify-failure): nothing depends on it
        (f"{WORKFLOW}/tasks/9/python_wheel_task/entry_point", "iris-mlops-redeploy"),
    ],
    "mode": [("targets/prod/mode", "prod")],
    "cron": [(f"{WORKFLOW}/schedule/quartz_cron_expression", "0 2 * * *")],
    "task_key": [(f"{WORKFLOW}/tasks/9/task_key", "serving")],
    "tags": [(f"{WORKFLOW}/tags/iris_mlops_job", "workflow")],
    "dynamic": [(f"{WORKFLOW}/tasks/1/python_wheel_task/parameters/9", "{{job.runid}}")],
    "package_name": [(f"{WORKFLOW}/tasks/1/python_wheel_task/package_name", "iris")],
}


def _broken(document: dict[str, Any], check: str) -> dict[str, Any]:
    broken = copy.deepcopy(document)
    for path, value in BREAKAGES[check]:
        _set(broken, path, value)
    return broken


@pytest.mark.slow  # builds the wheel
@pytest.mark.parametrize("check", sorted(BREAKAGES))
def test_cross_reference_check_fails_on_broken_copy(document: dict[str, Any], scripts: set[str], check: str) -> None:
    assert [p for p in check_bundle(document, scripts=scripts) if p.check == check] == []
    problems = check_bundle(_broken(document, check), scripts=scripts)
    assert [p.check for p in problems] == [check], [str(p) for p in problems]


def test_load_bundle_refuses_a_resource_key_defined_twice(tmp_path: Path) -> None:
    (tmp_path / "resources").mkdir()
    (tmp_path / "databricks.yml").write_text(yaml.safe_dump({"bundle": {"name": "x"}, "include": ["resources/*.yml"]}))
    for name in ("a.yml", "b.yml"):
        (tmp_path / "resources" / name).write_text(yaml.safe_dump({"resources": {"jobs": {"same": {"name": "s"}}}}))
    with pytest.raises(BundleError, match="'same' defined in both"):
        load_bundle(tmp_path)
