"""Backends for the storage contract suite: local Delta on the session's Spark, Spark Delta on pysail.

pysail (a Spark Connect server with a DataFusion engine) stands in for a Spark with Delta, because the
Delta jars cannot be fetched here. It is started in-process once per test session. The Connect
session is built with the Connect builder itself: the generic `SparkSession.builder.remote()` would
set SPARK_CONNECT_MODE_ENABLED for the whole process and turn the classic `spark` fixture's
functions into Spark Connect ones.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CATALOG = "iris_test"
SCHEMA = "contract"
ROWS_SCHEMA = "id long, batch string, value double"
SAIL_ENV = {
    "SAIL_CATALOG__LIST": f'[{{type="memory", name="{CATALOG}", initial_database=["default"]}}]',
    "SAIL_CATALOG__DEFAULT_CATALOG": CATALOG,
    "RUST_LOG": "warn",
}


@pytest.fixture(scope="session")
def sail_spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Spark Connect session on an in-process pysail server (tables under a temporary warehouse)."""
    try:
        from pysail.spark import SparkConnectServer
        from pyspark.sql.connect.session import SparkSession as ConnectSession
    except ImportError as exc:
        pytest.skip(f"pysail or the Spark Connect client is not installed ({exc}): Spark Delta contract not run")
    saved = {key: os.environ.get(key) for key in SAIL_ENV}
    os.environ.update(SAIL_ENV)
    try:
        server = SparkConnectServer()
        server.start(background=True)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    warehouse = tmp_path_factory.mktemp("sail-warehouse")
    port = server.listening_address[1]
    session = ConnectSession.builder.remote(f"sc://127.0.0.1:{port}").config(
        "spark.sql.warehouse.dir", str(warehouse)
    ).getOrCreate()
    session.sql(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{SCHEMA}").collect()
    yield session
    session.stop()
    server.stop()


@dataclass
class Backend:
    """One store under test, with the Spark session its DataFrames must come from."""

    kind: str
    spark: Any
    store: Any

    def new_name(self) -> str:
        return f"{CATALOG}.{SCHEMA}.t_{uuid.uuid4().hex[:10]}"

    def df(self, rows: Sequence[tuple[Any, ...]], schema: str = ROWS_SCHEMA) -> Any:
        return self.spark.createDataFrame(list(rows), schema)

    @staticmethod
    def rows(df: Any) -> list[tuple[Any, ...]]:
        return sorted(tuple(row) for row in df.collect())


@pytest.fixture(params=["local_delta", "spark_delta"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Each contract test runs once per implementation."""
    if request.param == "local_delta":
        from iris_mlops.storage.local_delta import LocalDeltaStore

        spark = request.getfixturevalue("spark")
        return Backend("local_delta", spark, LocalDeltaStore(spark, tmp_path / "warehouse"))
    from iris_mlops.storage.spark_delta import SparkDeltaStore

    spark = request.getfixturevalue("sail_spark")
    return Backend("spark_delta", spark, SparkDeltaStore(spark))
