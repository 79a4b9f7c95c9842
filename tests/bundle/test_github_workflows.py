"""The GitHub Actions workflows, checked offline: GitHub's workflow schema (check-jsonschema) and zizmor's audits."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / name), *args], capture_output=True, text=True, timeout=120)


@pytest.mark.slow  # check-jsonschema in a subprocess
def test_workflows_match_github_schema() -> None:
    result = tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # zizmor in a subprocess
def test_workflows_pass_zizmor_offline_audits() -> None:
    result = tool("zizmor", "--offline", "--persona", "auditor", "--no-progress", str(ROOT / ".github"))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # both tools in subprocesses
def test_checks_fail_on_a_broken_workflow(tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    bad = folder / "bad.yml"
    bad.write_text(
        "on: pull_request_target\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    audit = tool("zizmor", "--offline", "--no-progress", str(tmp_path / ".github"))
    assert audit.returncode != 0 and "template-injection" in audit.stdout + audit.stderr
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    schema = tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(bad))
    assert schema.returncode != 0


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_pin_actions_and_drop_permissions(path: Path) -> None:
    text = path.read_text()
    for action in re.findall(r"uses:\s*(\S+)", text):
        # Actions by commit; a reusable workflow of this repository runs from the caller's own commit.
        pinned = re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action)
        assert pinned or re.fullmatch(r"\./\.github/workflows/[\w.-]+\.yml", action), f"{action} is not pinned"
    assert yaml.safe_load(text)["permissions"] == {}


def test_setup_cli_pin_is_the_release_whose_schema_the_tests_use() -> None:
    """One pin everywhere: v1.13.0, the CLI release of the bundle schema in ../shared/databricks (SOURCE.txt)."""
    pins = set()
    for path in WORKFLOWS:
        pins |= set(re.findall(r"uses: databricks/setup-cli@([0-9a-f]{40}) # (v[\d.]+)", path.read_text()))
    assert pins == {("6bb7075f85b326f8b9ce160933dfe9bcd63c8121", "v1.13.0")}
    assert "could not be checked" in (ROOT / ".github/workflows/cd.yml").read_text()


def test_ci_and_cd_triggers_and_targets() -> None:
    ci = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    cd = yaml.safe_load((ROOT / ".github/workflows/cd.yml").read_text())
    assert set(ci[True]) == {"pull_request", "workflow_call"}  # PyYAML reads the `on` key as True
    assert ci["jobs"]["bundle-validate"]["strategy"]["matrix"]["target"] == ["dev", "staging", "prod"]
    assert cd[True]["push"] == {"branches": ["main"], "tags": ["v*"]}
    assert cd[True]["workflow_dispatch"]["inputs"]["target"]["options"] == ["dev", "staging", "prod"]
    assert "'prod' || 'staging'" in cd["jobs"]["deploy"]["environment"]
    for workflow in (ci, cd):
        assert workflow["jobs"]["notify"]["if"].startswith("failure()")


def test_cd_deploys_only_after_ci_passed_on_the_same_commit() -> None:
    cd = yaml.safe_load((ROOT / ".github/workflows/cd.yml").read_text())
    # Every trigger (branch, tag, manual) runs CI from the caller's commit first; deploy needs it to succeed.
    assert cd["jobs"]["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert cd["jobs"]["deploy"]["needs"] == ["ci"] and "if" not in cd["jobs"]["deploy"]
    steps = cd["jobs"]["deploy"]["steps"]
    check = next(i for i, s in enumerate(steps) if "check_cd_vars.py" in s.get("run", ""))
    deploy = next(i for i, s in enumerate(steps) if "databricks bundle deploy" in s.get("run", ""))
    assert check < deploy
