"""Run the trial plans of every family under a wall-clock safety stop and rank the outcome."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iris_mlops.automl.catalog import make_estimator
from iris_mlops.automl.cv import METRICS, Split, cross_validate
from iris_mlops.automl.search import Trial, plan_trials
from iris_mlops.automl.selection import Leaderboard, TrialResult, build_leaderboard

if TYPE_CHECKING:
    import pandas as pd

    from iris_mlops.config import AutomlConfig

PipelineFactory = Callable[[Any], Any]


@dataclass(frozen=True)
class SearchOutcome:
    """Every trial's result, the leaderboard built from them and the search's wall time."""

    results: tuple[TrialResult, ...]
    leaderboard: Leaderboard
    seconds: float


def plan(config: AutomlConfig) -> list[Trial]:
    """All trials of all families, in the configured family order."""
    trials: list[Trial] = []
    for family in config.family_order:
        space = config.search_spaces.get(family, {})
        trials += plan_trials(family, space, search=config.search, budget=config.trials_per_family, seed=config.seed)
    return trials


def candidate(trial: Trial, build: PipelineFactory, *, seed: int) -> Any:
    """The full candidate pipeline of one trial: feature engineering, any scaling, then the model."""
    return build(make_estimator(trial.family, trial.params, seed=seed))


def run_trial(
    trial: Trial,
    x: pd.DataFrame,
    y: Sequence[Any],
    splits: Sequence[Split],
    *,
    build: PipelineFactory,
    seed: int,
    n_jobs: int = 1,
) -> TrialResult:
    """Cross-validate one trial; a candidate that fails to fit is recorded as failed, not fatal."""
    try:
        folds = cross_validate(candidate(trial, build, seed=seed), x, y, splits, n_jobs=n_jobs)
    except (ValueError, ArithmeticError) as exc:
        return TrialResult(trial.family, trial.index, trial.params, "failed", error=f"{type(exc).__name__}: {exc}")
    metrics = {m: tuple(f.metrics[m] for f in folds) for m in METRICS}
    return TrialResult(
        family=trial.family,
        index=trial.index,
        params=trial.params,
        status="done",
        fold_metrics=metrics,
        fit_seconds=sum(f.fit_seconds for f in folds),
        predict_seconds=sum(f.predict_seconds for f in folds),
    )


def run_search(
    x: pd.DataFrame,
    y: Sequence[Any],
    splits: Sequence[Split],
    *,
    config: AutomlConfig,
    build: PipelineFactory,
    clock: Callable[[], float] = time.perf_counter,
    on_trial: Callable[[TrialResult], None] | None = None,
) -> SearchOutcome:
    """Run every planned trial until the time limit; trials not started by then are marked skipped."""
    started = clock()
    results: list[TrialResult] = []
    for trial in plan(config):
        if clock() - started >= config.time_limit_seconds:
            results.append(TrialResult(trial.family, trial.index, trial.params, "skipped"))
            continue
        result = run_trial(trial, x, y, splits, build=build, seed=config.seed, n_jobs=config.n_jobs)
        results.append(result)
        if on_trial is not None:
            on_trial(result)
    board = build_leaderboard(results, family_order=config.family_order, metric="f1_macro")
    return SearchOutcome(results=tuple(results), leaderboard=board, seconds=clock() - started)


def refit(
    family: str, params: Mapping[str, Any], x: pd.DataFrame, y: Sequence[Any], *, build: PipelineFactory, seed: int
) -> Any:
    """The winner's pipeline fitted once on the whole training split."""
    model = build(make_estimator(family, params, seed=seed))
    model.fit(x, y)
    return model
