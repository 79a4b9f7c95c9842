"""Task run_batch_inference: idempotent per model version, new silver batches only, bad input in one line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.inference.conftest import OTHER_FEATURES, Registry, write_csv

from iris_mlops.errors import IrisMlopsError, ModelInputError
from iris_mlops.inference.model import RUN_TAG
from iris_mlops.tasks.inference import run_batch_inference

ROWS = ["5.1,3.5,1.4,0.2,setosa", "6.2,2.9,4.3,1.3,versicolor", "7.7,3.0,6.1,2.3,", "x,3.0,6.1,2.3,virginica",
        "5.0,3.4,1.5,0.2,setosa"]


def _predictions(ctx: Any) -> Any:
    return ctx.store.read(ctx.settings.table("predictions")).toPandas()


def test_same_source_and_version_twice_replaces_another_version_adds(make_ctx: Any, registry: Registry,
                                                                      tmp_path: Path) -> None:
    ctx = make_ctx()
    source = write_csv(tmp_path / "batch.csv", ROWS)
    first = run_batch_inference(ctx, source=source)
    assert (first.rows_scored, first.rows_quarantined, first.model_version) == (4, 1, registry.champion)
    again = run_batch_inference(ctx, source=source)
    assert (again.rows_scored, len(_predictions(ctx))) == (4, 4)
    other = run_batch_inference(ctx, source=source, model_version=registry.second)
    table = _predictions(ctx)
    assert (other.rows_scored, len(table)) == (4, 8)
    assert sorted(table["model_version"].unique()) == sorted({registry.champion, registry.second})
    assert set(table.loc[table["model_version"] == registry.second, "model_alias"].isna()) == {True}
    quarantine = ctx.store.read(ctx.settings.table("prediction_quarantine")).toPandas()
    assert len(quarantine) == 1 and list(quarantine["reasons"][0]) == ["not_a_number:sepal_length"]


def test_a_file_without_a_species_column_is_scored(make_ctx: Any, registry: Registry, tmp_path: Path) -> None:
    ctx = make_ctx()
    source = write_csv(tmp_path / "unlabelled.csv", ["5.1,3.5,1.4,0.2", "7.7,3.0,6.1,2.3"],
                       header="sepal_length,sepal_width,petal_length,petal_width")
    result = run_batch_inference(ctx, source=source)
    assert (result.rows_scored, result.rows_quarantined) == (2, 0)
    assert _predictions(ctx)["species"].isna().all()


def test_default_scores_new_silver_batches_once(make_ctx: Any, tmp_path: Path) -> None:
    from iris_mlops.tasks.medallion import run_bronze, run_silver

    ctx = make_ctx()
    run_bronze(ctx, source=None)
    run_silver(ctx)
    first = run_batch_inference(ctx)
    assert (len(first.batches), first.rows_scored) == (1, 150)
    assert run_batch_inference(ctx).batches == ()  # nothing new: exit 0, nothing written
    run_bronze(ctx, source=write_csv(tmp_path / "more.csv", ROWS[:2]))
    run_silver(ctx)
    second = run_batch_inference(ctx)
    assert (len(second.batches), second.rows_scored, len(_predictions(ctx))) == (1, 2, 152)
    table = _predictions(ctx)
    assert (table["species"] == table["predicted_species"]).mean() > 0.9


def test_table_input_without_keys_or_labels_is_keyed_by_table_version(make_ctx: Any, spark: Any) -> None:
    ctx = make_ctx()
    rows = [(5.1, 3.5, 1.4, 0.2), (5.1, 3.5, 1.4, 0.2), (6.9, 3.1, 5.4, 2.1)]
    name = ctx.settings.qualify("to_score")
    ctx.store.overwrite(name, spark.createDataFrame(rows, ["sepal_length", "sepal_width", "petal_length",
                                                            "petal_width"]), run_id="t")
    result = run_batch_inference(ctx, table="to_score")
    table = _predictions(ctx)
    assert result.rows_scored == 3 and sorted(table["sample_id"]) == [f"{name}@v0:{i}" for i in (1, 2, 3)]
    assert table["species"].isna().all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model_alias": "nope"}, "has no version with alias 'nope'"),
        ({"model_version": "99"}, "has no version 99"),
        ({"model_version": "other"}, f"trained on feature version {OTHER_FEATURES} but the input has"),
        ({"source": "missing_column"}, "missing required column(s) petal_width"),
        ({"source": "empty"}, "the file is empty"),
        ({"table": "empty_table"}, "is empty: nothing to score"),
        ({"table": "no_measurements"}, "lacks the measurement column(s) petal_length, petal_width"),
        ({"table": "absent"}, "does not exist"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(make_ctx: Any, registry: Registry, spark: Any,
                                                          tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    ctx = make_ctx()
    if kwargs.get("model_version") == "other":
        kwargs = {"model_version": registry.other_features}
    if kwargs.get("source") == "missing_column":
        header = "sepal_length,sepal_width,petal_length"
        kwargs = {"source": write_csv(tmp_path / "m.csv", ["5.1,3.5,1.4"], header=header)}
    if kwargs.get("source") == "empty":
        (tmp_path / "e.csv").write_text("")
        kwargs = {"source": tmp_path / "e.csv"}
    if kwargs.get("table") in ("empty_table", "no_measurements"):
        columns = "sepal_length double, sepal_width double" + (", petal_length double, petal_width double"
                                                                if kwargs["table"] == "empty_table" else "")
        rows = [] if kwargs["table"] == "empty_table" else [(1.0, 2.0)]
        ctx.store.overwrite(ctx.settings.qualify(kwargs["table"]), spark.createDataFrame(rows, columns), run_id="t")
    with pytest.raises(IrisMlopsError, match=re.escape(message)) as caught:
        run_batch_inference(ctx, **kwargs)
    assert caught.value.exit_code == 2 and "\n" not in str(caught.value)
    assert not ctx.store.exists(ctx.settings.table("predictions"))
    assert not ctx.store.exists(ctx.settings.table("prediction_quarantine"))


def test_no_champion_is_a_model_input_error(make_ctx: Any, tmp_path: Path) -> None:
    ctx = make_ctx(tracking_uri=f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(ModelInputError, match="has no version with alias 'champion': train one"):
        run_batch_inference(ctx)


def test_feature_version_falls_back_to_the_run_tag(registry: Registry) -> None:
    from mlflow import MlflowClient

    from iris_mlops.inference.model import model_feature_version

    client = MlflowClient(tracking_uri=registry.uri, registry_uri=registry.uri)
    found = client.get_model_version("iris_classifier", registry.champion)
    untagged = type("Version", (), {"tags": {}, "run_id": found.run_id})()
    assert model_feature_version(client, untagged) == client.get_run(found.run_id).data.tags[RUN_TAG]


@pytest.fixture()
def second_is_challenger(registry: Registry) -> Any:
    """Point @challenger at the second forest for one test, then back at the champion's version."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=registry.uri, registry_uri=registry.uri)
    client.set_registered_model_alias("iris_classifier", "challenger", registry.second)
    yield
    client.set_registered_model_alias("iris_classifier", "challenger", registry.champion)


def test_ab_split_scores_each_record_with_the_arm_assign_arm_picks(make_ctx: Any, registry: Registry, tmp_path: Path,
                                                                    second_is_challenger: Any) -> None:
    from iris_mlops.serving.ab import assign_arm

    ctx = make_ctx(ab={"challenger_share": 0.5, "salt": "t"})
    rows = [f"{4.5 + i / 20:.2f},3.0,{1 + i / 10:.1f},{0.2 + i / 40:.2f},setosa" for i in range(30)]
    result = run_batch_inference(ctx, source=write_csv(tmp_path / "ab.csv", rows))
    table = _predictions(ctx)
    assert result.rows_scored == len(table) == 30 and table["served"].all()
    expected = {sid: assign_arm(sid, challenger_share=0.5, salt="t") for sid in table["sample_id"]}
    assert dict(zip(table["sample_id"], table["ab_arm"], strict=True)) == expected
    version = {"champion": registry.champion, "challenger": registry.second}
    assert all(version[arm] == v for arm, v in zip(table["ab_arm"], table["model_version"], strict=True))
    assert 5 < (table["ab_arm"] == "challenger").sum() < 25


def test_ab_shadow_scores_every_record_with_both_and_serves_the_champion(make_ctx: Any, registry: Registry,
                                                                        tmp_path: Path,
                                                                        second_is_challenger: Any) -> None:
    ctx = make_ctx(ab={"mode": "shadow"})
    result = run_batch_inference(ctx, source=write_csv(tmp_path / "s.csv", ROWS))
    table = _predictions(ctx)
    assert result.rows_scored == len(table) == 8
    served = table.groupby("ab_arm")["served"].agg(lambda s: set(s)).to_dict()
    assert served == {"champion": {True}, "challenger": {False}}
    assert set(table.loc[table["ab_arm"] == "challenger", "model_version"]) == {registry.second}
