"""The AutoML flow: training split -> search -> MLflow runs -> winner refit, held-out score, register, gate."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from iris_mlops.automl.catalog import make_estimator
from iris_mlops.automl.cv import stratified_splits
from iris_mlops.automl.runner import SearchOutcome, run_search
from iris_mlops.automl.selection import FamilyRow, TrialResult
from iris_mlops.errors import ModelError

if TYPE_CHECKING:
    from iris_mlops.config import Settings
    from iris_mlops.ml.data import TrainingData
    from iris_mlops.ml.tracking import MlflowTarget

Echo = Callable[[str], None]


@dataclass
class Timings:
    """Where the wall time went, in seconds (reported, never used to choose)."""

    phases: dict[str, float] = field(default_factory=dict)

    def add(self, phase: str, started: float) -> float:
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - started
        return now


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


def search(data: TrainingData, settings: Settings, *, echo: Echo) -> tuple[SearchOutcome, int]:
    """Cross-validate every trial on the training split only; returns the outcome and the training row count."""
    from iris_mlops.features.definitions import RAW_MEASUREMENTS
    from iris_mlops.ml.pipeline import build_pipeline
    from iris_mlops.ml.split import split_frame

    train, _ = split_frame(data.frame, test_fraction=settings.split.test_fraction, seed=settings.split.seed)
    cfg = settings.automl
    splits = stratified_splits(train["species"], folds=cfg.folds, seed=cfg.seed)

    def progress(result: TrialResult) -> None:
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
    data: TrainingData, settings: Settings, target: MlflowTarget, *, run_id: str, echo: Echo
) -> dict[str, Any]:
    """The whole flow for loaded training data; returns the leaderboard, the winner and the gate decision."""
    from mlflow import MlflowClient

    from iris_mlops.automl.report import leaderboard_text
    from iris_mlops.automl.selection import leaderboard_records
    from iris_mlops.automl.tracking import log_leaderboard
    from iris_mlops.ml.registry import register_and_gate
    from iris_mlops.ml.train import lineage_tags

    timings, client = Timings(), MlflowClient()
    tags = {"iris_mlops.run_id": run_id, "iris_mlops.task": "automl"}
    started = time.perf_counter()
    parent = client.create_run(target.experiment_id, run_name=f"automl-{run_id}", tags={**lineage_tags(data), **tags})
    parent_id = parent.info.run_id
    client.log_batch(parent_id, params=_as_params(config_params(settings)))
    started = timings.add("mlflow_logging", started)
    try:
        outcome, n_train = search(data, settings, echo=echo)
        started = timings.add("search_fit", started)
        log_leaderboard(client, target.experiment_id, parent_id, outcome.leaderboard, outcome.results)
        started = timings.add("mlflow_logging", started)
        board = outcome.leaderboard
        echo("leaderboard (CV on the training split):\n" + leaderboard_text(board))
        winner = board.winner
        if winner is None:
            raise ModelError("AutoML finished no trial within the time limit: raise automl.time_limit_seconds")
        result = fit_winner(data, settings, winner, parent=parent_id, tags=tags)
        started = timings.add("winner_fit_and_log", started)
        gate = register_and_gate(
            model_uri=result.model_uri,
            run_id=result.run_id,
            model_name=target.model_name,
            test_frame=result.test_frame,
            margin=settings.training.promotion_margin,
            tags={
                "feature_version": data.feature_version,
                "features_table": data.table,
                "features_table_version": str(data.version),
                "automl.family": winner.family,
                **tags,
            },
        )
        started = timings.add("register_and_gate", started)
        _finish_parent(client, parent_id, result, gate)
        timings.add("mlflow_logging", started)
    except BaseException:
        client.set_terminated(parent_id, "FAILED")
        raise
    verdict = "promoted to champion" if gate.promoted else f"not promoted (champion stays version {gate.champion})"
    echo(
        f"winner {winner.family} {json.dumps(dict(winner.best.params), sort_keys=True) if winner.best else ''}: "
        f"held-out f1_macro {result.score:.4f} on {result.n_test} rows"
    )
    echo(f"{target.model_name} version {gate.version} (alias challenger) {verdict}: {gate.decision.reason}")
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
