"""The one Spark session of the test suite, and a fresh home folder per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# One JVM serves the whole suite (minutes of queries), where C2 pays for itself: the full JIT, not the quick one.
os.environ.setdefault("IRIS_MLOPS_SPARK_JIT", "full")


@pytest.fixture(scope="session")
def spark() -> Iterator:
    """One local Spark session for the whole run (starting one costs about 5 s)."""
    from iris_mlops.spark import get_spark

    session = get_spark("iris-mlops-tests")
    yield session
    session.stop()


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty $IRIS_MLOPS_HOME for one test: two homes never share anything."""
    folder = tmp_path / "home"
    monkeypatch.setenv("IRIS_MLOPS_HOME", str(folder))
    monkeypatch.delenv("IRIS_MLOPS_ENV", raising=False)
    return folder


@pytest.fixture(autouse=True, scope="session")
def _isolated_environment() -> None:
    # Tests must not pick up a developer's overrides (IRIS_MLOPS_VERBOSE=1 only shows the JVM's output).
    kept = ("IRIS_MLOPS_SPARK_MASTER", "IRIS_MLOPS_SPARK_JIT", "IRIS_MLOPS_VERBOSE")
    for key in list(os.environ):
        if key.startswith("IRIS_MLOPS_") and key not in kept:
            del os.environ[key]


@pytest.fixture()
def quality_gate_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests of the medallion's accounting alone (the suites accept tiny files; this skips their cost).

    The gate itself is tested in tests/quality and by the end-to-end runs on the embedded data.
    """
    monkeypatch.setenv("IRIS_MLOPS_QUALITY__ENABLED", "false")
