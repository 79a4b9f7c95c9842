"""A corrupt bronze stops silver in one line, and nothing downstream is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from iris_mlops.config import load_settings
from iris_mlops.entrypoints import run_task

HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n"


@pytest.mark.usefixtures("quality_gate_off")
def test_silver_refuses_a_bronze_whose_latest_commit_is_empty(home: Path, tmp_path: Path, capsys) -> None:
    for name, species in (("a.csv", "setosa"), ("b.csv", "virginica")):
        (tmp_path / name).write_text(HEADER + f"5.1,3.5,1.4,0.2,{species}\n")
        assert run_task("bronze", ["--source", str(tmp_path / name)]) == 0
    settings = load_settings()
    bronze = home / "warehouse" / "local" / "iris" / settings.tables.bronze
    latest = max((bronze / "_delta_log").glob("*.json"))
    latest.write_bytes(b"")  # what a power cut after delta-rs' unsynced commit leaves
    capsys.readouterr()
    assert run_task("silver", []) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    version = int(latest.stem)
    assert err == [
        f"error: table {settings.table('bronze')} is corrupt at version {version}: commit {latest.name} is empty "
        "(an interrupted write); restore the file or remove it and every later commit"
    ]
    assert not (home / "warehouse" / "local" / "iris" / settings.tables.silver).exists()
