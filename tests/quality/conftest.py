"""Helpers for the quality tests: suites written from inline dicts (no new Spark session here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from iris_mlops.quality.suite import Suite, load_suite

SuiteFactory = Callable[..., Suite]


def suite_file(folder: Path, expectations: list[dict[str, Any]], *, table: str = "silver", name: str = "t") -> Path:
    """Write a suite YAML file and return its path."""
    path = folder / f"{name}.yml"
    document = {"name": name, "version": "0.0.1", "table": table, "expectations": expectations}
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture()
def make_suite(tmp_path: Path) -> SuiteFactory:
    """Build a validated Suite from expectation dicts (columns checked against `columns` when given)."""

    def build(
        expectations: list[dict[str, Any]], *, columns: dict[str, str] | None = None, table: str = "silver"
    ) -> Suite:
        return load_suite(suite_file(tmp_path, expectations, table=table), columns=columns)

    return build

