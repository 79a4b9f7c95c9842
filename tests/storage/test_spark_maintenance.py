"""Spark Delta VACUUM/OPTIMIZE: retention stretched for protected versions, one-line failures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from iris_mlops.errors import StorageError
from iris_mlops.storage.base import TableCommit
from iris_mlops.storage.spark_delta import SparkDeltaStore
from iris_mlops.storage.spark_maintenance import protected_retention

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
HISTORY = [TableCommit(v, NOW - timedelta(hours=h), "WRITE") for v, h in ((3, 1), (2, 50), (1, 400), (0, 900))]


def test_protected_retention_reaches_back_to_the_oldest_protected_version() -> None:
    assert protected_retention(HISTORY, retain_hours=168, keep_versions=[1, 2], now=NOW) == 401


def test_protected_retention_keeps_the_asked_retention_when_nothing_older_is_protected() -> None:
    assert protected_retention(HISTORY, retain_hours=168, keep_versions=[2], now=NOW) == 168
    assert protected_retention(HISTORY, retain_hours=0, keep_versions=[], now=NOW) == 0


class _Refusing:
    """A classic-session stand-in whose VACUUM is refused, as Databricks does below 168 h."""

    class catalog:  # noqa: N801 - mimics spark.catalog
        @staticmethod
        def tableExists(name: str) -> bool:  # noqa: N802
            return True

    def sql(self, text: str) -> Any:
        if text.startswith("VACUUM"):
            raise RuntimeError("[DELTA_VACUUM_RETENTION_PERIOD_TOO_SHORT] Are you sure you would like to vacuum\nmore")
        raise AssertionError(text)


def test_vacuum_refused_by_the_engine_is_one_storage_error(monkeypatch) -> None:
    store = SparkDeltaStore(_Refusing())  # type: ignore[arg-type]
    store.metadata_from_log = False
    monkeypatch.setattr(store, "history", lambda name: HISTORY)
    with pytest.raises(StorageError) as caught:
        store.vacuum("c.s.t", retain_hours=0)
    assert str(caught.value) == (
        "VACUUM c.s.t failed: [DELTA_VACUUM_RETENTION_PERIOD_TOO_SHORT] Are you sure you would like to vacuum"
    )
