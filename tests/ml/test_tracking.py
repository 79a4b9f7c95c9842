"""MLflow locations and the one-line errors of an unusable store."""

from __future__ import annotations

from pathlib import Path

import pytest

from iris_mlops.config import load_settings
from iris_mlops.errors import ModelError
from iris_mlops.ml.data import check_feature_version
from iris_mlops.ml.tracking import default_uris


def test_default_uris_local_sqlite_under_home(home: Path) -> None:
    tracking, registry = default_uris(load_settings("local"))
    assert tracking == registry == f"sqlite:///{home.resolve() / 'mlflow.db'}"


def test_default_uris_databricks_targets(home: Path) -> None:
    settings = load_settings("dev")
    assert default_uris(settings) == ("databricks", "databricks-uc")
    # Each developer's schema (the bundle passes --schema dev_<user>) holds their own registered model.
    assert settings.model_full_name == f"iris_dev.{settings.schema_name}.iris_classifier"


def test_configure_mlflow_unreachable_server_is_one_line(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from iris_mlops.ml.tracking import configure_mlflow

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    monkeypatch.setenv("IRIS_MLOPS_MLFLOW__TRACKING_URI", "http://127.0.0.1:9")
    with pytest.raises(ModelError, match="cannot be reached") as info:
        configure_mlflow(load_settings("local"))
    assert "\n" not in str(info.value)


def test_check_feature_version_refuses_a_mismatch() -> None:
    with pytest.raises(ModelError, match=r"feature_version 0\.9\.0"):
        check_feature_version(["0.9.0+abc"], "1.0.0+def", table="t")
