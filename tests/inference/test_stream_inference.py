"""Task run_stream_inference with --available-now over small files: valid rows scored, bad ones quarantined."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.inference.conftest import write_csv

from iris_mlops.tasks.stream_inference import run_stream_inference

GOOD = ["5.1,3.5,1.4,0.2,setosa", "6.2,2.9,4.3,1.3,versicolor", "7.7,3.0,6.1,2.3,virginica"]


def _drop_files(landing: Path) -> None:
    write_csv(landing / "a.csv", GOOD)
    write_csv(landing / "b.csv", ["4.9,3.0,1.4,0.2,Iris-setosa", "abc,3.0,1.4,0.2,setosa"])
    (landing / "c.jsonl").write_text('{"sepal_length": 6.3, "sepal_width": 3.3, "petal_length": 6.0, '
                                     '"petal_width": 2.5, "species": "virginica"}\n', encoding="utf-8")
    (landing / "broken.csv").write_text("nothing,useful\n1,2\n", encoding="utf-8")


def test_available_now_scores_valid_rows_and_quarantines_the_rest(make_ctx: Any, tmp_path: Path) -> None:
    ctx = make_ctx(inference={"max_files_per_trigger": 2})
    landing = tmp_path / "landing"
    _drop_files(landing)
    result = run_stream_inference(ctx, landing=str(landing), available_now=True)
    assert (result.micro_batches, result.files, result.rows_scored, result.rows_quarantined) == (2, 4, 5, 2)
    predictions = ctx.store.read(ctx.settings.table("predictions")).toPandas()
    assert len(predictions) == 5 and set(predictions["mode"]) == {"stream"}
    assert set(predictions["species"]) == {"setosa", "versicolor", "virginica"}  # CSV and JSON records
    quarantine = ctx.store.read(ctx.settings.table("prediction_quarantine")).toPandas()
    reasons = sorted(r for rs in quarantine["reasons"] for r in rs)
    assert reasons[0] == "not_a_number:sepal_length"
    assert reasons[1].startswith("unreadable_file: no header naming the Iris columns")


def test_restart_processes_only_new_files_and_a_copy_adds_no_row(make_ctx: Any, tmp_path: Path) -> None:
    ctx = make_ctx()
    landing = tmp_path / "landing"
    write_csv(landing / "a.csv", GOOD)
    assert run_stream_inference(ctx, landing=str(landing), available_now=True).rows_scored == 3
    assert run_stream_inference(ctx, landing=str(landing), available_now=True).micro_batches == 0
    shutil.copy(landing / "a.csv", landing / "a-again.csv")  # same bytes: same batch id, same sample ids
    write_csv(landing / "d.csv", [*GOOD[:1], "5.9,3.0,5.1,1.8,virginica"])
    second = run_stream_inference(ctx, landing=str(landing), available_now=True)
    assert (second.micro_batches, second.files) == (1, 2)
    assert ctx.store.read(ctx.settings.table("predictions")).count() == 5


def test_a_failing_micro_batch_stops_with_one_line_and_is_replayed_later(make_ctx: Any, tmp_path: Path,
                                                                         spark: Any) -> None:
    from iris_mlops.errors import SchemaMismatchError

    ctx = make_ctx()
    landing = tmp_path / "landing"
    write_csv(landing / "a.csv", GOOD)
    predictions = ctx.settings.table("predictions")
    ctx.store.overwrite(predictions, spark.createDataFrame([("x",)], "sample_id string"), run_id="t")
    with pytest.raises(SchemaMismatchError, match=f"cannot write to {predictions}"):
        run_stream_inference(ctx, landing=str(landing), available_now=True)
    shutil.rmtree(ctx.store.location(predictions))  # fix the table: the failed micro-batch runs again
    assert run_stream_inference(ctx, landing=str(landing), available_now=True).rows_scored == 3


def test_unlabelled_files_are_scored_with_a_null_species(make_ctx: Any, tmp_path: Path) -> None:
    ctx = make_ctx()
    landing = tmp_path / "landing"
    landing.mkdir(parents=True)
    (landing / "unlabelled.csv").write_text("sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n"
                                            "7.7,3.0,6.1,2.3\n", encoding="utf-8")
    result = run_stream_inference(ctx, landing=str(landing), available_now=True)
    assert (result.rows_scored, result.rows_quarantined) == (2, 0)
    predictions = ctx.store.read(ctx.settings.table("predictions")).toPandas()
    assert predictions["species"].isna().all() and set(predictions["predicted_species"]) <= {"setosa", "virginica"}
