"""Each bundle target as the Databricks CLI resolves it: variables, names, grants, permissions and root paths."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from iris_mlops.config import load_settings
from iris_mlops.workflow.bundle import BundleError, bundle_jobs, load_bundle
from iris_mlops.workflow.resolve import resolve_references
from iris_mlops.workflow.schema import find_schema, validate_file
from iris_mlops.workflow.targets import select_target, unset_variables, variable_values

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ("dev", "staging", "prod")
# The deploying identity as `${workspace.current_user.*}` shows it (the CLI derives short_name from userName).
USER = {
    "workspace.current_user.userName": "ada.lovelace@example.com",
    "workspace.current_user.short_name": "ada_lovelace",
}
CD_VALUES = {"BUNDLE_VAR_alert_email": "mlops@example.com",
             "BUNDLE_VAR_service_principal": "6f1c1d9e-2b3a-4c5d-8e9f-0a1b2c3d4e5f"}


def cd_module() -> ModuleType:
    """scripts/check_cd_vars.py, the one list of values CD passes in."""
    spec = importlib.util.spec_from_file_location("check_cd_vars", ROOT / "scripts" / "check_cd_vars.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return load_bundle(ROOT)


def cd_bundle_vars(target: str) -> list[str]:
    cd = cd_module()
    names = (name for name, spec in cd.CD_VARIABLES.items() if target in spec.targets)
    return sorted(name for name in names if name.startswith("BUNDLE_VAR_"))


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def resolved(document: dict[str, Any], target: str, environ: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The target's document with every `${...}` substituted as the CLI would for USER deploying commit 'abc'."""
    selected = select_target(document, target)
    refs: dict[str, Any] = {**USER, "bundle.target": target, "bundle.name": "iris-mlops", "bundle.git.commit": "abc"}
    refs.update({f"var.{name}": value for name, value in variable_values(selected, environ).items()})
    refs["resources.schemas.iris_schema.name"] = selected["resources"]["schemas"]["iris_schema"]["name"]

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return resolve_references(node, refs, where=f"target {target}")
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    return walk(selected), selected


def test_dev_needs_no_variable_it_does_not_set_or_default(document: dict[str, Any]) -> None:
    assert unset_variables(select_target(document, "dev"), {}) == []


@pytest.mark.parametrize("target", ["staging", "prod"])
def test_staging_and_prod_need_exactly_what_cd_passes(document: dict[str, Any], target: str) -> None:
    selected = select_target(document, target)
    needed = [f"BUNDLE_VAR_{name}" for name in unset_variables(selected, {})]
    assert needed == cd_bundle_vars(target) and needed
    assert unset_variables(selected, CD_VALUES) == []


def test_cd_workflow_passes_every_listed_value_from_its_source() -> None:
    text = (ROOT / ".github/workflows/cd.yml").read_text()
    for name, spec in cd_module().CD_VARIABLES.items():
        # Twice: to the check step, and to the deploy step.
        assert text.count(f"{name}: ${{{{ {spec.source} }}}}") == 2, name


@pytest.mark.parametrize("target", TARGETS)
def test_every_reference_resolves_per_target(document: dict[str, Any], target: str) -> None:
    doc, _ = resolved(document, target, CD_VALUES if target != "dev" else {})
    leftovers = [text for text in strings(doc) if "${" in text]
    assert leftovers == []


@pytest.mark.parametrize("target", TARGETS)
def test_tasks_schema_volume_and_config_agree_per_target(document: dict[str, Any], target: str) -> None:
    doc, _ = resolved(document, target, CD_VALUES if target != "dev" else {})
    schema = doc["resources"]["schemas"]["iris_schema"]
    volume = doc["resources"]["volumes"]["iris_files"]
    for job in bundle_jobs(doc).values():
        for task in job["tasks"]:
            params = task["python_wheel_task"]["parameters"]
            pairs = dict(zip(params[::2], params[1::2], strict=True))
            assert pairs["--env"] == target and pairs["--git-commit"] == "abc"
            assert (pairs["--catalog"], pairs["--schema"]) == (schema["catalog_name"], schema["name"])
    settings = load_settings(target, overrides={"schema": schema["name"]}, environ={})
    assert (volume["catalog_name"], volume["schema_name"], volume["name"]) == (
        settings.catalog, settings.schema_name, settings.volume)
    assert settings.reports_dir == Path("/Volumes", settings.catalog, settings.schema_name, settings.volume, "reports")


def test_dev_is_per_person(document: dict[str, Any]) -> None:
    doc, _ = resolved(document, "dev", {})
    schema = doc["resources"]["schemas"]["iris_schema"]["name"]
    settings = load_settings("dev", overrides={"schema": schema}, environ={})
    assert settings.schema_name == "dev_ada_lovelace"
    assert settings.experiment_name == "/Shared/iris-mlops-dev_ada_lovelace"
    assert settings.model_full_name == "iris_dev.dev_ada_lovelace.iris_classifier"
    assert "schema" not in yaml.safe_load((ROOT / "conf/dev.yml").read_text())  # conf/dev.yml: nothing per person
    # Development mode would prefix the schema (dev_ada_lovelace_...): the bundle keeps the name the tasks get.
    assert document["experimental"]["skip_name_prefix_for_schema"] is True


@pytest.mark.parametrize("target", ["staging", "prod"])
def test_staging_and_prod_match_conf_and_deploy_under_the_deployer(document: dict[str, Any], target: str) -> None:
    doc, _ = resolved(document, target, CD_VALUES)
    settings = load_settings(target, environ={})
    assert doc["resources"]["schemas"]["iris_schema"]["name"] == settings.schema_name
    assert doc["resources"]["experiments"]["iris_experiment"]["name"] == settings.experiment_name
    assert doc["resources"]["registered_models"]["iris_classifier"]["name"] == settings.mlflow.model_name
    assert doc["workspace"]["root_path"] == f"/Workspace/Users/ada.lovelace@example.com/.bundle/iris-mlops/{target}"
    assert doc["run_as"] == {"service_principal_name": CD_VALUES["BUNDLE_VAR_service_principal"]}


@pytest.mark.parametrize("target", TARGETS)
def test_run_as_principal_is_granted_schema_and_volume(document: dict[str, Any], target: str) -> None:
    doc, _ = resolved(document, target, CD_VALUES if target != "dev" else {})
    principal = "ada.lovelace@example.com" if target == "dev" else CD_VALUES["BUNDLE_VAR_service_principal"]
    grants = {key: {g["principal"]: set(g["privileges"]) for g in doc["resources"][kind][key]["grants"]}
              for kind, key in (("schemas", "iris_schema"), ("volumes", "iris_files"))}
    assert {"USE_SCHEMA", "SELECT", "MODIFY", "CREATE_TABLE", "CREATE_MODEL"} <= grants["iris_schema"][principal]
    assert {"READ_VOLUME", "WRITE_VOLUME"} <= grants["iris_files"][principal]


@pytest.mark.parametrize("target", TARGETS)
def test_no_permission_names_the_admins_group(document: dict[str, Any], target: str) -> None:
    doc, _ = resolved(document, target, CD_VALUES if target != "dev" else {})
    groups = re.findall(r"'group_name': '([^']*)'", repr(doc))
    assert "admins" not in groups
    if target != "dev":
        assert {"iris-mlops-maintainers", "users"} <= set(groups)


@pytest.mark.parametrize("target", TARGETS)
def test_offline_schema_check_passes_per_target(document: dict[str, Any], target: str) -> None:
    schema = find_schema(ROOT)
    if schema is None:
        pytest.skip("no bundle JSON schema (.databricks/bundle_schema.json or ../shared/databricks/...)")
    assert validate_file(select_target(document, target), schema) == []


def test_select_target_refuses_an_undeclared_variable(document: dict[str, Any]) -> None:
    broken = {**document, "targets": {"dev": {"variables": {"katalog": "x"}}}}
    with pytest.raises(BundleError, match="katalog is not defined"):
        select_target(broken, "dev")
    with pytest.raises(BundleError, match="no target 'qa'"):
        select_target(document, "qa")


def test_target_override_replaces_default_and_bundle_var_wins(document: dict[str, Any]) -> None:
    selected = select_target(document, "prod")
    assert selected["variables"]["schedule_pause_status"]["default"] == "UNPAUSED"
    values = variable_values(selected, {"BUNDLE_VAR_schema": "other", **CD_VALUES})
    assert values["schema"] == "other" and values["catalog"] == "iris_prod"


WORKSPACE_ENV = {"DATABRICKS_HOST": "https://adb-1.azuredatabricks.net", "DATABRICKS_CLIENT_ID": "id",
                 "DATABRICKS_CLIENT_SECRET": "s3cr3t-value"}


def test_check_cd_vars_fails_in_one_line_naming_the_gap(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cd = cd_module()
    for name in cd.CD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in {**WORKSPACE_ENV, "BUNDLE_VAR_alert_email": " ", "BUNDLE_VAR_service_principal": "nope"}.items():
        monkeypatch.setenv(name, value)
    assert cd.main(["dev"]) == 0  # dev needs only the workspace credentials
    assert cd.main(["staging"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: cannot deploy to staging: ")
    assert "BUNDLE_VAR_alert_email is empty (set ALERT_EMAIL" in err
    assert "BUNDLE_VAR_service_principal does not look like" in err
    for name, value in CD_VALUES.items():
        monkeypatch.setenv(name, value)
    assert cd.main(["prod"]) == 0 and cd.main(["qa"]) == 2
    assert "s3cr3t" not in "".join(capsys.readouterr())


@pytest.mark.slow  # a subprocess, as CD runs it
def test_check_cd_vars_exit_code_as_cd_runs_it() -> None:
    script = str(ROOT / "scripts" / "check_cd_vars.py")
    env = {"PATH": "/usr/bin:/bin", **WORKSPACE_ENV}
    bad = subprocess.run([sys.executable, script, "prod"], env=env, capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1 and "BUNDLE_VAR_alert_email is empty" in bad.stderr
    ok = subprocess.run([sys.executable, script, "prod"], env={**env, **CD_VALUES}, capture_output=True, text=True,
                        timeout=30)
    assert ok.returncode == 0, ok.stderr
