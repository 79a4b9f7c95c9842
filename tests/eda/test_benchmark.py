"""The ten-model benchmark: one row per model, ranked by macro F1, reproducible with the same seed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from iris_mlops.automl.cv import stratified_splits
from iris_mlops.benchmark.flow import read_leaderboard, write_leaderboard
from iris_mlops.benchmark.runner import leaderboard, run_benchmark
from iris_mlops.config import BenchmarkConfig
from iris_mlops.features.definitions import RAW_MEASUREMENTS
from iris_mlops.ml.pipeline import build_pipeline


def _run(frame: pd.DataFrame, seed: int) -> list[dict]:
    models = BenchmarkConfig().models
    splits = stratified_splits(frame["species"], folds=2, seed=seed, repeats=2)
    scores = run_benchmark(
        frame.loc[:, list(RAW_MEASUREMENTS)], frame["species"], splits, models=models, build=build_pipeline, seed=seed
    )
    return leaderboard(scores)


@pytest.fixture(scope="module")
def board(iris_features: pd.DataFrame) -> list[dict]:
    return _run(iris_features, seed=4)


def test_leaderboard_has_ten_ranked_rows(board: list[dict]) -> None:
    assert len(board) == 10
    assert [r["rank"] for r in board] == list(range(1, 11))
    assert {r["model"] for r in board} == set(BenchmarkConfig().models)
    means = [r["f1_macro_mean"] for r in board]
    assert means == sorted(means, reverse=True)
    assert all(r["folds"] == 4 for r in board)  # 2 folds × 2 repeats
    for key in (
        "accuracy_mean",
        "precision_macro_mean",
        "recall_macro_mean",
        "f1_macro_std",
        "fit_seconds_mean",
        "predict_seconds_mean",
    ):
        assert all(key in r for r in board)


def test_leaderboard_is_reproducible_with_the_same_seed(board: list[dict], iris_features: pd.DataFrame) -> None:
    def scores(rows: list[dict]) -> list[tuple]:
        return [(r["model"], r["f1_macro_mean"], r["f1_macro_std"], r["accuracy_mean"]) for r in rows]

    assert scores(_run(iris_features, seed=4)) == scores(board)


def test_write_leaderboard_writes_csv_json_and_chart(board: list[dict], tmp_path: Path) -> None:
    paths = write_leaderboard(board, tmp_path, meta={"seed": 4}, png=b"\x89PNG")
    assert sorted(p.name for p in paths) == [
        "benchmark_leaderboard.csv",
        "benchmark_leaderboard.json",
        "benchmark_leaderboard.png",
    ]
    assert len(pd.read_csv(tmp_path / "benchmark_leaderboard.csv")) == 10
    assert json.loads((tmp_path / "benchmark_leaderboard.json").read_text())["seed"] == 4
    assert read_leaderboard(tmp_path) == json.loads(json.dumps(board))


def test_read_leaderboard_without_a_file_is_empty(tmp_path: Path) -> None:
    assert read_leaderboard(tmp_path) == []


def test_benchmark_config_refuses_an_unknown_model() -> None:
    with pytest.raises(ValueError, match="xgboost"):
        BenchmarkConfig(models=("knn", "xgboost"))


def test_run_benchmark_reports_progress_in_folds(iris_features: pd.DataFrame) -> None:
    splits = stratified_splits(iris_features["species"], folds=2, seed=1, repeats=1)
    calls: list[tuple[int, int]] = []
    run_benchmark(
        iris_features.loc[:, list(RAW_MEASUREMENTS)], iris_features["species"], splits,
        models=("logistic_regression", "knn", "naive_bayes"), build=build_pipeline, seed=1,
        on_progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(2, 6), (4, 6), (6, 6)]
