"""End to end on a temporary home: feature-store then train through the real CLI, and their bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iris_mlops.cli import app


def _write_silver(spark, silver_rows, *, rows: int = 150) -> None:
    from sklearn.datasets import load_iris

    from iris_mlops.config import load_settings
    from iris_mlops.storage import make_store

    iris = load_iris()
    names = [str(iris.target_names[t]) for t in iris.target]
    data = [("batch1", i, *map(float, iris.data[i]), names[i], False) for i in range(rows)]
    settings = load_settings("local")
    make_store(settings, spark).overwrite(settings.table("silver"), silver_rows(data), run_id="r0")


def _run(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.stdout, done.stderr


def test_feature_store_then_train_ends_with_a_champion(
    spark, silver_rows, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IRIS_MLOPS_TRAINING__RANDOM_FOREST__N_ESTIMATORS", "10")
    _write_silver(spark, silver_rows)
    code, out, err = _run("feature-store", "--json")
    assert code == 0, err
    written = json.loads(out)
    assert (written["rows"], written["silver_version"]) == (150, 0)
    code, out, err = _run("train", "--json")
    assert code == 0, err
    trained = json.loads(out)
    assert trained["gate"]["promoted"] and trained["gate"]["champion"] == "1"
    assert trained["features_table_version"] == written["version"]
    assert trained["metrics"]["accuracy"] >= 0.9
    assert trained["ui_command"].startswith("mlflow ui --backend-store-uri sqlite:///")


def test_train_reuses_an_identical_training_and_force_trains_despite_a_pin(
    spark, silver_rows, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IRIS_MLOPS_TRAINING__RANDOM_FOREST__N_ESTIMATORS", "10")
    _write_silver(spark, silver_rows)
    assert _run("feature-store")[0] == 0
    first = json.loads(_run("train", "--json")[1])
    again = json.loads(_run("train", "--json")[1])
    assert again["reused_version"] == "1" and again["mlflow_run_id"] == first["mlflow_run_id"]
    code, _, err = _run("train")
    assert code == 0 and "iris_classifier version 1 was trained on the same" in err and "reusing it" in err
    assert [v["version"] for v in json.loads(_run("models", "list", "--json")[1])] == ["1"]
    assert _run("models", "promote", "1", "--reason", "audited")[0] == 0
    code, out, err = _run("train", "--force", "--json")
    assert code == 0, err
    forced = json.loads(out)
    assert "reused_version" not in forced and forced["gate"]["version"] == "2"
    assert forced["gate"]["forced"] and forced["gate"]["promoted"]


def test_feature_store_without_silver_is_one_line(spark, home: Path) -> None:
    code, _, err = _run("feature-store")
    assert code != 0 and "local.iris.iris_silver does not exist" in err and "iris-mlops silver" in err


def test_train_without_feature_table_is_one_line(spark, home: Path) -> None:
    code, _, err = _run("train")
    assert code != 0 and "run `iris-mlops feature-store` first" in err
    assert "Traceback" not in err


def test_train_refuses_a_feature_table_of_another_version(spark, silver_rows, home: Path) -> None:
    from iris_mlops.config import load_settings
    from iris_mlops.features.transforms import build_feature_table
    from iris_mlops.storage import make_store

    _write_silver(spark, silver_rows, rows=6)
    settings = load_settings("local")
    store = make_store(settings, spark)
    old = build_feature_table(store.read(settings.table("silver")), feature_version="0.9.0+old", run_id="r0")
    store.overwrite(settings.table("features"), old, run_id="r0")
    code, _, err = _run("train")
    assert code != 0 and "feature_version 0.9.0+old" in err


def test_train_on_an_empty_feature_table_is_one_line(spark, home: Path) -> None:
    from iris_mlops.config import load_settings
    from iris_mlops.features.transforms import feature_table_schema
    from iris_mlops.storage import make_store

    settings = load_settings("local")
    empty = spark.createDataFrame([], feature_table_schema())
    make_store(settings, spark).overwrite(settings.table("features"), empty, run_id="r0")
    code, _, err = _run("train")
    assert code != 0 and "is empty: nothing to train on" in err


def test_train_killed_before_its_champion_alias_is_completed_by_the_next_train(
    spark, silver_rows, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow import MlflowClient

    monkeypatch.setenv("IRIS_MLOPS_TRAINING__RANDOM_FOREST__N_ESTIMATORS", "10")
    _write_silver(spark, silver_rows)
    assert _run("feature-store")[0] == 0
    real = MlflowClient.set_registered_model_alias

    def killed(self, name, alias, version):
        if alias == "champion":
            raise KeyboardInterrupt("killed before the champion alias")
        return real(self, name, alias, version)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(MlflowClient, "set_registered_model_alias", killed)
        from iris_mlops.entrypoints import run_task

        assert run_task("train", []) != 0  # an interrupt ends the run (130), the version registered, no champion
    code, out, err = _run("train", "--json", "--force")  # --force: train again rather than reuse version 1
    assert code == 0, err
    trained = json.loads(out)
    assert trained["recovered"]["completed_versions"] == ["1"]
    assert trained["gate"]["previous_champion"] == "1" and trained["gate"]["version"] == "2"
    assert "champion v1" in trained["gate"]["reason"]
