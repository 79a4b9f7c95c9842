"""Trial plans, the search under a safety stop, reproducibility and the absence of leakage across folds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from iris_mlops.automl.catalog import SCALE_SENSITIVE, make_estimator
from iris_mlops.automl.cv import cross_validate, stratified_splits
from iris_mlops.automl.runner import plan, run_search, run_trial
from iris_mlops.automl.search import grid, plan_trials
from iris_mlops.automl.selection import leaderboard_records
from iris_mlops.config import BENCHMARK_MODELS, AutomlConfig
from iris_mlops.features.definitions import RAW_MEASUREMENTS
from iris_mlops.ml.data import TrainingData
from iris_mlops.ml.pipeline import build_pipeline

SPACE = {"a": [1, 2, 3], "b": ["x", "y"]}


def test_grid_lists_every_combination_in_a_stable_order() -> None:
    assert grid(SPACE) == [{"a": a, "b": b} for a in (1, 2, 3) for b in ("x", "y")]


def test_plan_trials_random_draws_distinct_combinations_within_budget() -> None:
    trials = plan_trials("knn", SPACE, search="random", budget=4, seed=1)
    combos = [tuple(sorted(t.params.items())) for t in trials]
    assert len(combos) == 4 and len(set(combos)) == 4
    assert [t.index for t in trials] == [0, 1, 2, 3]


def test_plan_trials_same_seed_same_plan_other_seed_other_plan() -> None:
    first = plan_trials("knn", SPACE, search="random", budget=3, seed=1)
    assert first == plan_trials("knn", SPACE, search="random", budget=3, seed=1)
    assert any(plan_trials("knn", SPACE, search="random", budget=3, seed=s) != first for s in range(2, 6))


def test_plan_trials_runs_a_small_space_whole_and_an_empty_one_once() -> None:
    assert len(plan_trials("svm", SPACE, search="random", budget=50, seed=1)) == 6
    assert len(plan_trials("svm", SPACE, search="grid", budget=1, seed=1)) == 6
    assert [t.params for t in plan_trials("naive_bayes", {}, search="random", budget=5, seed=1)] == [{}]


def test_make_estimator_scales_only_scale_sensitive_models_and_seeds() -> None:
    assert isinstance(make_estimator("svm", {"C": 2.0}, seed=1), Pipeline)
    forest = make_estimator("random_forest", {"n_estimators": 5}, seed=11)
    assert (forest.n_estimators, forest.random_state) == (5, 11)


def test_make_estimator_names_an_unknown_parameter() -> None:
    with pytest.raises(ValueError, match="no parameter n_trees"):
        make_estimator("random_forest", {"n_trees": 5}, seed=1)


def test_catalogue_builds_every_configurable_model() -> None:
    for name in BENCHMARK_MODELS:
        assert hasattr(make_estimator(name, {}, seed=1), "fit"), name
    with pytest.raises(KeyError, match="unknown model 'no_such_model'"):
        make_estimator("no_such_model", {}, seed=1)


def _xy(data: TrainingData) -> tuple[pd.DataFrame, pd.Series]:
    return data.frame.loc[:, list(RAW_MEASUREMENTS)], data.frame["species"]


def test_run_search_same_seed_same_leaderboard(iris_training: TrainingData, tiny_config: AutomlConfig) -> None:
    x, y = _xy(iris_training)
    splits = stratified_splits(y, folds=tiny_config.folds, seed=tiny_config.seed)

    def scores() -> list[dict[str, Any]]:
        board = run_search(x, y, splits, config=tiny_config, build=build_pipeline).leaderboard
        return [{k: v for k, v in r.items() if k != "fit_seconds"} for r in leaderboard_records(board)]

    first = scores()
    assert first == scores()
    assert len(first) == 6 and all(r["status"] == "complete" for r in first)


def test_run_search_time_limit_marks_partial_and_lists_skipped(
    iris_training: TrainingData, tiny_config: AutomlConfig
) -> None:
    x, y = _xy(iris_training)
    splits = stratified_splits(y, folds=2, seed=1)
    ticks: Iterator[float] = iter(float(i) for i in range(1000))  # every clock reading advances one "second"
    config = tiny_config.model_copy(update={"time_limit_seconds": 3.0})
    outcome = run_search(x, y, splits, config=config, build=build_pipeline, clock=lambda: next(ticks))
    board = outcome.leaderboard
    planned = plan(config)
    assert board.partial
    assert len(board.skipped) == len(planned) - 2  # readings 1 and 2 start trials; reading 3 hits the limit
    assert board.skipped[0] == planned[2].key
    assert board.winner is not None and board.winner.family == planned[0].family
    assert {r.status for r in board.rows} >= {"skipped"}


class FitRecorder(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Passes data through and records the row labels of every fit (class-level: survives clone)."""

    seen: list[frozenset[int]] = []  # noqa: RUF012 - a deliberate shared log

    def fit(self, X: Any, y: Any = None) -> FitRecorder:  # noqa: N803
        FitRecorder.seen.append(frozenset(int(i) for i in X.index))
        return self

    def transform(self, X: Any) -> Any:  # noqa: N803
        return X


def test_cross_validate_fits_every_step_on_training_folds_only(iris_training: TrainingData) -> None:
    x, y = _xy(iris_training)
    splits = stratified_splits(y, folds=3, seed=5)
    FitRecorder.seen = []
    model = Pipeline([("spy", FitRecorder()), ("model", build_pipeline(make_estimator("knn", seed=5)))])
    cross_validate(model, x, y, splits)
    expected = [frozenset(int(i) for i in x.index[train]) for train, _ in splits]
    assert FitRecorder.seen == expected
    for seen, (_, test) in zip(FitRecorder.seen, splits, strict=True):
        assert seen.isdisjoint(int(i) for i in x.index[test])


def test_run_trial_never_fits_a_scaler_on_all_training_rows(
    iris_training: TrainingData, tiny_config: AutomlConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    x, y = _xy(iris_training)
    fitted_rows: list[int] = []
    original = StandardScaler.fit

    def recording_fit(self: StandardScaler, X: Any, y: Any = None, sample_weight: Any = None) -> StandardScaler:  # noqa: N803
        fitted_rows.append(len(X))
        return original(self, X, y, sample_weight)

    monkeypatch.setattr(StandardScaler, "fit", recording_fit)
    splits = stratified_splits(y, folds=3, seed=5)
    for trial in plan(tiny_config):
        if trial.family in SCALE_SENSITIVE:
            run_trial(trial, x, y, splits, build=build_pipeline, seed=5)
    assert fitted_rows, "the scale-sensitive families must fit a scaler"
    assert set(fitted_rows) == {len(train) for train, _ in splits}
    assert max(fitted_rows) < len(x)


def test_cross_validate_parallel_folds_match_serial(iris_training: TrainingData) -> None:
    x, y = _xy(iris_training)
    splits = stratified_splits(y, folds=2, seed=3)
    model = build_pipeline(make_estimator("random_forest", {"n_estimators": 5}, seed=3))
    serial = [f.metrics for f in cross_validate(model, x, y, splits)]
    parallel = [f.metrics for f in cross_validate(model, x, y, splits, n_jobs=2)]
    assert serial == parallel
    assert np.mean([m["f1_macro"] for m in serial]) > 0.8


def test_automl_config_refuses_a_family_order_missing_a_family() -> None:
    with pytest.raises(ValueError, match="family_order must list each"):
        AutomlConfig(family_order=("knn", "svm"))


def test_automl_config_refuses_an_unknown_family_and_an_empty_value_list() -> None:
    with pytest.raises(ValueError, match="unknown families xgboost"):
        AutomlConfig(search_spaces={"xgboost": {"eta": [0.1]}})
    with pytest.raises(ValueError, match=r"knn\.n_neighbors"):
        AutomlConfig(search_spaces={"knn": {"n_neighbors": []}})


def test_default_configuration_plans_six_families_within_budget() -> None:
    from iris_mlops.config import load_settings

    config = load_settings("local", environ={}).automl
    trials = plan(config)
    assert {t.family for t in trials} == set(config.family_order)
    assert all(sum(t.family == f for t in trials) <= config.trials_per_family for f in config.family_order)
