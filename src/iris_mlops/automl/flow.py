"""The AutoML flow: training split -> search -> MLflow runs -> winner refit, held-out score, register, gate."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from iris_mlops.automl.catalog import make_estimator
from iris_mlops.automl.cv import stratified_splits
from iris_mlops.automl.runner import SearchOutcome, plan, run_search
from iris_mlops.automl.selection import FamilyRow, TrialResult
from iris_mlops.errors import ModelError
from iris_mlops.timing import Timings

if TYPE_CHECKING:
    from iris_mlops.config import Settings
    from iris_mlops.ml.data import TrainingData
    from iris_mlops.ml.tracking import MlflowTarget

Echo = Callable[[str], None]
Progress = Callable[[int, int], None]


def config_params(settings: Settings) -> dict[str, str]:
    """The search settings as MLflow parameters of the parent run."""
    cfg = settings.automl
    params = {
        "folds": cfg.folds,
        "search": cfg.search,
        "trials_per_family": cfg.trials_per_family,
        "seed": cfg.seed,
        "time_limit_seconds": cfg.time_limit_seconds,
        "n_jobs": cfg.n_jobs,
        "family_order": ",".join(cfg.family_order),
        "primary_metric": settings.training.primary_metric,
        "split.test_fraction": settings.split.test_fraction,
        "split.seed": settings.split.seed,
    }
    params |= {f"space.{family}": json.dumps(space, sort_keys=True) for family, space in cfg.search_spaces.items()}
    return {f"automl.{k}": str(v) for k, v in params.items()}


def search(
    data: TrainingData, settings: Settings, *, echo: Echo, on_progress: Progress | None = None
) -> tuple[SearchOutcome, int]:
    """Cross-validate every trial on the training split only; returns the outcome and the training row count.

    `on_progress(trials_done, trials_planned)` follows the search; trials skipped at the time limit count as done.
    """
    from iris_mlops.features.definitions import RAW_MEASUREMENTS
    from iris_mlops.ml.pipeline import build_pipeline
    from iris_mlops.ml.split import split_frame

    train, _ = split_frame(data.frame, test_fraction=settings.split.test_fraction, seed=settings.split.seed)
    cfg = settings.automl
    splits = stratified_splits(train["species"], folds=cfg.folds, seed=cfg.seed)
    planned, done = len(plan(cfg)), [0]

    def progress(result: TrialResult) -> None:
        done[0] += 1
        if on_progress is not None:
            on_progress(done[0], planned)
        if result.status == "done":
            score = f"f1_macro {result.mean('f1_macro'):.4f} ± {result.std('f1_macro'):.4f}"
        else:
            score = result.error or result.status
        echo(f"{result.family}#{result.index} {json.dumps(dict(result.params), sort_keys=True)}: {score}")

    outcome = run_search(
        train.loc[:, list(RAW_MEASUREMENTS)],
        train["species"],
        splits,
        config=cfg,
        build=build_pipeline,
        on_trial=progress,
    )
    if on_progress is not None:
        on_progress(planned, planned)
    return outcome, len(train)


def fit_winner(data: TrainingData, settings: Settings, winner: FamilyRow, *, parent: str, tags: dict[str, str]) -> Any:
    """Refit the winner on the training split, score it once on the held-out split, log it as a child run."""
    from iris_mlops.automl.tracking import PARENT_TAG
    from iris_mlops.ml.train import train_model

    if winner.best is None:  # a ranked row always has a best trial
        raise ModelError(f"family {winner.family} has no finished trial to refit")
    return train_model(
        data,
        classifier=make_estimator(winner.family, winner.best.params, seed=settings.automl.seed),
        labels=settings.silver.species,
        test_fraction=settings.split.test_fraction,
        split_seed=settings.split.seed,
        tags={
            **tags,
            PARENT_TAG: parent,
            "automl.family": winner.family,
            "automl.params": json.dumps(dict(winner.best.params), sort_keys=True),
            "automl.cv_f1_macro_mean": f"{winner.best.mean('f1_macro'):.6f}",
        },
        run_name=f"winner-{winner.family}",
    )


def run_automl(
    data: TrainingData,
    settings: Settings,
    target: MlflowTarget,
    *,
    run_id: str,
    echo: Echo,
    tags: Mapping[str, str] | None = None,
    timings: Timings | None = None,
    on_progress: Progress | None = None,
) -> dict[str, Any]:
    """The whole flow for loaded training data; returns the leaderboard, the winner and the gate decision.

    `tags` go on every MLflow run it opens (default: the run id and task); `timings` collects its phases.
    """
    from mlflow import MlflowClient

    from iris_mlops.ml.train import lineage_tags

    timings, client = timings or Timings(), MlflowClient()
    tags = dict(tags or {"iris_mlops.run_id": run_id, "iris_mlops.task": "automl"})
    with timings.phase("mlflow_logging"):
        parent = client.create_run(target.experiment_id, run_name=f"automl-{run_id}",
                                   tags={**lineage_tags(data), **tags})
        parent_id = parent.info.run_id
        client.log_batch(parent_id, params=_as_params(config_params(settings)))
    try:
        outcome, n_train, winner, result, gate = _search_and_promote(
            data, settings, target, client=client, parent_id=parent_id, tags=tags, timings=timings, echo=echo,
            on_progress=on_progress,
        )
    except BaseException:
        client.set_terminated(parent_id, "FAILED")
        raise
    verdict = "promoted to champion" if gate.promoted else f"not promoted (champion stays version {gate.champion})"
    echo(
        f"winner {winner.family} {json.dumps(dict(winner.best.params), sort_keys=True) if winner.best else ''}: "
        f"held-out f1_macro {result.score:.4f} on {result.n_test} rows"
    )
    echo(f"{target.model_name} version {gate.version} (alias challenger) {verdict}: {gate.decision.reason}")
    return _summary(parent_id, outcome, winner, result, gate, n_train=n_train, data=data, timings=timings)


def _search_and_promote(
    data: TrainingData,
    settings: Settings,
    target: MlflowTarget,
    *,
    client: Any,
    parent_id: str,
    tags: dict[str, str],
    timings: Timings,
    echo: Echo,
    on_progress: Progress | None = None,
) -> tuple[SearchOutcome, int, FamilyRow, Any, Any]:
    """Search, log the leaderboard, refit the winner, register it and run the gate."""
    from iris_mlops.automl.report import leaderboard_text
    from iris_mlops.automl.tracking import log_leaderboard
    from iris_mlops.ml.registry import register_and_gate

    with timings.phase("search_fit"):
        outcome, n_train = search(data, settings, echo=echo, on_progress=on_progress)
    with timings.phase("mlflow_logging"):
        log_leaderboard(client, target.experiment_id, parent_id, outcome.leaderboard, outcome.results, base_tags=tags)
    board = outcome.leaderboard
    echo("leaderboard (CV on the training split):\n" + leaderboard_text(board))
    winner = board.winner
    if winner is None:
        raise ModelError("AutoML finished no trial within the time limit: raise automl.time_limit_seconds")
    with timings.phase("winner_fit_and_log"):
        result = fit_winner(data, settings, winner, parent=parent_id, tags=tags)
    version_tags = {"feature_version": data.feature_version, "features_table": data.table,
                    "features_table_version": str(data.version), "automl.family": winner.family, **tags}
    with timings.phase("register_and_gate"):
        gate = register_and_gate(model_uri=result.model_uri, run_id=result.run_id, model_name=target.model_name,
                                 test_frame=result.test_frame, margin=settings.training.promotion_margin,
                                 tags=version_tags)
    with timings.phase("mlflow_logging"):
        _finish_parent(client, parent_id, result, gate)
    return outcome, n_train, winner, result, gate


def _summary(
    parent_id: str,
    outcome: SearchOutcome,
    winner: FamilyRow,
    result: Any,
    gate: Any,
    *,
    n_train: int,
    data: TrainingData,
    timings: Timings,
) -> dict[str, Any]:
    from iris_mlops.automl.selection import leaderboard_records

    board = outcome.leaderboard
    return {
        "mlflow_parent_run_id": parent_id,
        "mlflow_winner_run_id": result.run_id,
        "leaderboard": leaderboard_records(board),
        "partial": board.partial,
        "skipped_trials": list(board.skipped),
        "winner": winner.family,
        "holdout_metrics": {k: result.metrics[k] for k in ("f1_macro", "accuracy")},
        "n_train": n_train,
        "n_test": result.n_test,
        "gate": gate.as_dict(),
        "search_seconds": outcome.seconds,
        "timings": timings.phases,
        "features_table_version": data.version,
        "feature_version": data.feature_version,
    }


def _as_params(values: dict[str, str]) -> list[Any]:
    from mlflow.entities import Param

    return [Param(k, v) for k, v in values.items()]


def _finish_parent(client: Any, parent_id: str, result: Any, gate: Any) -> None:
    from mlflow.entities import Metric, RunTag

    now = int(time.time() * 1000)
    metrics = [Metric(f"holdout_{k}", result.metrics[k], now, 0) for k in ("f1_macro", "accuracy")]
    tags = [
        RunTag("automl.winner_run_id", result.run_id),
        RunTag("gate.decision", "promoted" if gate.promoted else "rejected"),
        RunTag("gate.reason", gate.decision.reason),
        RunTag("gate.model_version", str(gate.version)),
    ]
    client.log_batch(parent_id, metrics=metrics, tags=tags)
    client.set_terminated(parent_id, "FINISHED")
