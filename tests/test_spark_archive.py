"""The local driver's class-data-sharing archive: where it lives, when the JVM gets it, and building one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from iris_mlops.commands.spark_archive import build_archive
from iris_mlops.spark import local_conf
from iris_mlops.spark_archive import ARCHIVE_ENV, DUMP_ENV, archive_options, archive_path


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(ARCHIVE_ENV, str(tmp_path))
    monkeypatch.delenv(DUMP_ENV, raising=False)
    return tmp_path


def test_an_archive_is_used_only_once_it_exists(folder: Path) -> None:
    path = archive_path()
    assert path is not None and path.parent == folder and path.name.startswith("spark-")
    assert archive_options() == ""
    path.write_bytes(b"archive")
    assert archive_options() == f"-XX:SharedArchiveFile={path}"
    assert f"-XX:SharedArchiveFile={path}" in local_conf()["spark.driver.extraJavaOptions"].split()


def test_the_archive_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ARCHIVE_ENV, "off")
    assert archive_path() is None
    assert archive_options() == ""
    assert "SharedArchiveFile" not in local_conf()["spark.driver.extraJavaOptions"]


def test_the_dump_option_wins_while_building(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DUMP_ENV, str(folder / "x.partial"))
    assert archive_options() == f"-XX:ArchiveClassesAtExit={folder / 'x.partial'}"


def test_another_pyspark_or_java_finds_no_archive(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyspark

    first = archive_path()
    monkeypatch.setattr(pyspark, "__version__", "0.0.1")
    assert archive_path() not in (None, first)
    monkeypatch.setenv("JAVA_HOME", str(folder / "no-java"))
    assert archive_path() is None  # no Java where JAVA_HOME points: nothing to key an archive on


@pytest.mark.slow
def test_a_built_archive_is_mapped_by_the_next_spark_start(folder: Path) -> None:
    path = archive_path()
    assert path is not None and build_archive(path) == path
    assert path.stat().st_size > 10_000_000 and not list(folder.glob("*.partial"))
    # -Xshare:on makes the JVM refuse to start unless it maps the archive (a mismatch would be a hard error).
    script = ("import iris_mlops.spark as s; s.MEMORY_OPTIONS += ' -Xshare:on'; "
              "print(s.get_spark('archive-check').range(3).count())")
    env = {**os.environ, ARCHIVE_ENV: str(folder), "IRIS_MLOPS_HOME": str(folder / "home")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "3"


def test_archives_of_a_removed_virtualenv_are_pruned(folder: Path) -> None:
    from iris_mlops.spark_archive import prune_stale, record_owner

    path = archive_path()
    assert path is not None
    path.write_bytes(b"archive")
    record_owner(path)  # this pyspark: kept
    gone = folder / "spark-0000000000000000.jsa"
    gone.write_bytes(b"old")
    gone.with_suffix(".owner").write_text(str(folder / "deleted-venv" / "pyspark" / "jars"), encoding="utf-8")
    unknown = folder / "spark-1111111111111111.jsa"  # no owner note: never guessed at
    unknown.write_bytes(b"?")
    killed = folder / f"{path.name}.999999999.partial"  # a build killed with -9: no such process any more
    killed.write_bytes(b"half")
    building = folder / f"{path.name}.{os.getpid()}.partial"  # a build still running
    building.write_bytes(b"half")
    assert sorted(prune_stale(folder)) == sorted([gone, killed])
    assert sorted(p.name for p in folder.iterdir()) == sorted([path.name, path.with_suffix(".owner").name,
                                                              unknown.name, building.name])


def test_an_unwritable_archive_folder_is_one_line_and_no_failure(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from iris_mlops.cli import app

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(ARCHIVE_ENV, str(blocker / "archives"))
    done = CliRunner().invoke(app, ["spark-archive"])
    assert done.exit_code == 0, done.output
    lines = done.output.strip().splitlines()
    assert lines[-1].startswith("the Spark class archive could not be built: local runs work without it")
    assert any("NotADirectoryError" in line or "FileExistsError" in line for line in lines)
    assert archive_options() == ""
