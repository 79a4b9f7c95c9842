"""Outside the checkout: the wheel carries the bundle's job definitions and the CLI finds them from any folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from iris_mlops.workflow.bundle import BUNDLE_DIR_ENV, find_bundle_root, load_bundle, packaged_bundle_dir

ROOT = Path(__file__).resolve().parents[2]


def test_find_bundle_root_falls_back_to_the_packaged_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BUNDLE_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    root = find_bundle_root()
    assert root == packaged_bundle_dir() and (root / "databricks.yml").is_file()
    assert "iris_workflow" in load_bundle(root)["resources"]["jobs"]


def test_find_bundle_root_prefers_the_folder_it_runs_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BUNDLE_DIR_ENV, raising=False)
    (tmp_path / "databricks.yml").write_text("bundle: {name: mine}\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    assert find_bundle_root(tmp_path / "sub") == tmp_path.resolve()


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The project's wheel built offline and unpacked (what site-packages would hold)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(next(out.glob("*.whl"))) as wheel:
        wheel.extractall(site)
    yield site


PROBE = """
import json, sys
from typer.testing import CliRunner
from iris_mlops.cli import app
from iris_mlops.workflow.bundle import find_bundle_root
help_ok = CliRunner().invoke(app, ["--help"]).exit_code == 0
print(json.dumps({"root": str(find_bundle_root()), "help_ok": help_ok,
                  "pyspark_loaded": any(m == "pyspark" or m.startswith("pyspark.") for m in sys.modules)}))
"""


@pytest.mark.slow
def test_the_wheel_ships_the_jobs_and_help_loads_no_pyspark(unpacked_wheel: Path, tmp_path: Path) -> None:
    bundle = unpacked_wheel / "iris_mlops" / "bundle"
    assert (bundle / "databricks.yml").is_file() and (bundle / "resources" / "jobs" / "iris_workflow.job.yml").is_file()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IRIS_MLOPS_")} | {"PYTHONPATH": str(unpacked_wheel)}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"root": str(bundle), "help_ok": True, "pyspark_loaded": False}
