"""The scoring transform and the input validation: predictions equal the model's own predict_proba on pandas."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.inference.conftest import Registry

from iris_mlops.config import MEASUREMENTS
from iris_mlops.inference.inputs import FILE_ERROR, parse_file, validate_input
from iris_mlops.inference.scoring import INPUT_COLUMNS, predict_frame, score
from iris_mlops.schemas import PREDICTIONS_SCHEMA, PROBABILITY_COLUMNS, QUARANTINE_SCHEMA

RANGES = {"sepal_length": (0.0, 10.0), "sepal_width": (0.0, 6.0), "petal_length": (0.0, 10.0),
          "petal_width": (0.0, 4.0)}
SCORED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _input_frame(spark: Any, frame: pd.DataFrame) -> Any:
    rows = frame.assign(batch_id="b1", source_position=range(1, len(frame) + 1)).loc[:, list(INPUT_COLUMNS)]
    return spark.createDataFrame(rows)


def test_score_matches_predict_proba_on_pandas(spark: Any, registry: Registry) -> None:
    from tests.ml.conftest import iris_frame

    frame = iris_frame().sample(40, random_state=3).reset_index(drop=True)
    frame.loc[::5, "species"] = None  # unlabelled records are scored too
    out = score(_input_frame(spark, frame), model=registry.pipeline, model_name="iris_classifier", model_version="7",
                model_alias="champion", feature_version="fv", run_id="r1", scored_at=SCORED_AT, mode="batch")
    assert [(f.name, f.dataType) for f in out.schema] == [(f.name, f.dataType) for f in PREDICTIONS_SCHEMA]
    got = out.toPandas().sort_values("sample_id", key=lambda s: s.str.split(":").str[1].astype(int))
    expected = registry.pipeline.predict_proba(frame.loc[:, list(MEASUREMENTS)])
    classes = list(registry.pipeline.classes_)
    for i, column in enumerate(PROBABILITY_COLUMNS):
        assert np.allclose(got[column].to_numpy(), expected[:, classes.index(column.split("_", 1)[1])], atol=1e-12), i
    assert got["predicted_species"].tolist() == [classes[k] for k in expected.argmax(axis=1)]
    assert got["sample_id"].tolist() == [f"b1:{i}" for i in range(1, 41)]
    assert got["species"].isna().sum() == 8
    first = got.iloc[0]
    assert (first["model_version"], first["model_alias"], first["mode"], first["ab_arm"], first["served"]) == (
        "7", "champion", "batch", "champion", True)
    assert pd.Timestamp(first.scored_at).tz_localize(None) == pd.Timestamp(SCORED_AT).tz_localize(None)


def test_predict_frame_gives_zero_probability_to_a_class_the_model_never_saw() -> None:
    from sklearn.linear_model import LogisticRegression
    from tests.ml.conftest import iris_frame

    from iris_mlops.ml.pipeline import build_pipeline

    frame = iris_frame()
    two = frame[frame["species"] != "virginica"]
    model = build_pipeline(LogisticRegression(max_iter=500)).fit(two.loc[:, list(MEASUREMENTS)], two["species"])
    out = predict_frame(model, frame.head(5))
    assert (out["probability_virginica"] == 0.0).all()
    assert np.allclose(out[["probability_setosa", "probability_versicolor"]].sum(axis=1), 1.0)
    assert "predicted_species" not in frame.columns  # the input is not modified


def test_validate_input_quarantines_bad_rows_and_keeps_unlabelled_ones(spark: Any) -> None:
    from iris_mlops.schemas import BUSINESS_COLUMNS

    rows = [("b", 1, "5.1", "3.5", "1.4", "0.2", "Iris-setosa"), ("b", 2, "6.0", "2.9", "4.5", "1.5", None),
            ("b", 3, "abc", "2.9", "4.5", "1.5", "versicolor"), ("b", 4, "6.0", "2.9", "4.5", "1.5", "tulip"),
            ("b", 5, "6.0", None, "4.5", "1.5", None)]
    raw = spark.createDataFrame(rows, ["batch_id", "source_position", *BUSINESS_COLUMNS]).selectExpr(
        "*", "timestamp'2026-01-01 00:00:00' AS ingested_at")
    scorable, quarantine = validate_input(raw, ranges=RANGES, species=("setosa", "versicolor", "virginica"),
                                          run_id="r1")
    assert sorted((r.source_position, r.species) for r in scorable.collect()) == [(1, "setosa"), (2, None)]
    reasons = {r.source_position: r.reasons for r in quarantine.collect()}
    assert reasons == {3: ["not_a_number:sepal_length"], 4: ["unknown_species"], 5: ["null:sepal_width"]}
    assert quarantine.columns == QUARANTINE_SCHEMA.fieldNames()


def test_parse_file_reads_every_bronze_layout_and_turns_a_bad_file_into_one_reason() -> None:
    when = pd.Timestamp("2026-01-01")
    uci = parse_file("file:/x/iris.data", b"5.1,3.5,1.4,0.2,Iris-setosa\n4.9,3.0,1.4,0.2,Iris-setosa\n", when)
    assert uci["source_position"].tolist() == [1, 2] and uci[FILE_ERROR].isna().all()
    lines = parse_file("/x/a.jsonl", b'{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, '
                       b'"petal_width": 0.2, "species": "setosa"}\n', when)
    assert lines["species"].tolist() == ["setosa"] and lines["sepal_length"].tolist() == ["5.1"]
    bad = parse_file("file:/x/bad.csv", b"sepal_length,species\n5.1,setosa\n", when)
    assert len(bad) == 1 and bad[FILE_ERROR][0].startswith("unreadable_file: missing required column(s)")
    import hashlib

    assert bad["batch_id"][0] == hashlib.sha256(b"sepal_length,species\n5.1,setosa\n").hexdigest()[:16]


@pytest.mark.parametrize("content", [b"", b"   \n"])
def test_parse_file_refuses_an_empty_file_with_a_reason(content: bytes) -> None:
    bad = parse_file("/x/empty.csv", content, pd.Timestamp("2026-01-01"))
    assert bad[FILE_ERROR].tolist() == ["unreadable_file: the file is empty"]

