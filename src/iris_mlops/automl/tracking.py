"""MLflow logging of a search: a parent run, one child run per family and one grandchild per trial.

Runs are written with `MlflowClient.log_batch` (one call per run) after the search: logging never
interleaves with the timed fits, and a search of ~40 trials costs ~3 writes per run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from iris_mlops.automl.selection import FamilyRow, Leaderboard, TrialResult

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Metric

PARENT_TAG = "mlflow.parentRunId"
RUN_NAME_TAG = "mlflow.runName"


def _metrics(result: TrialResult, *, prefix: str = "") -> list[Metric]:
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    out = []
    for metric, values in result.fold_metrics.items():
        out += [Metric(f"{prefix}{metric}_fold", v, now, step) for step, v in enumerate(values)]
        out += [Metric(f"{prefix}{metric}_mean", result.mean(metric), now, 0)]
        out += [Metric(f"{prefix}{metric}_std", result.std(metric), now, 0)]
    out += [Metric(f"{prefix}fit_seconds", result.fit_seconds, now, 0)]
    out += [Metric(f"{prefix}predict_seconds", result.predict_seconds, now, 0)]
    return out


def _params(values: Mapping[str, Any], *, prefix: str = "") -> list[Any]:
    from mlflow.entities import Param

    return [Param(f"{prefix}{k}", str(v)) for k, v in sorted(values.items())]


def _tags(values: Mapping[str, str]) -> list[Any]:
    from mlflow.entities import RunTag

    return [RunTag(k, v) for k, v in values.items()]


def child_run(client: MlflowClient, experiment_id: str, parent: str, name: str, tags: Mapping[str, str]) -> str:
    """A run nested under `parent` (the UI nests by the parentRunId tag)."""
    run = client.create_run(experiment_id, run_name=name, tags={PARENT_TAG: parent, **tags})
    return str(run.info.run_id)


def log_trial(
    client: MlflowClient, experiment_id: str, family_run: str, result: TrialResult, *, base_tags: Mapping[str, str]
) -> str:
    """One trial: its parameters, per-fold and mean ± std metrics and fit time (failed trials: the error)."""
    tags = {**base_tags, "automl.family": result.family, "automl.trial": str(result.index)}
    tags["automl.status"] = result.status
    if result.error:
        tags["automl.error"] = result.error[:5000]
    run_id = child_run(client, experiment_id, family_run, f"{result.family}-{result.index}", tags)
    params = _params(result.params) + _params({"family": result.family, "trial": result.index}, prefix="automl.")
    client.log_batch(run_id, metrics=_metrics(result) if result.status == "done" else [], params=params)
    client.set_terminated(run_id, "FINISHED" if result.status == "done" else "FAILED")
    return run_id


def log_family(
    client: MlflowClient,
    experiment_id: str,
    parent: str,
    row: FamilyRow,
    trials: list[TrialResult],
    *,
    base_tags: Mapping[str, str],
) -> str:
    """One family: its trial counts and the best trial's parameters and scores; its trials nest under it."""
    tags = {**base_tags, "automl.family": row.family, "automl.status": row.status, "automl.rank": str(row.rank or "")}
    run_id = child_run(client, experiment_id, parent, row.family, tags)
    for trial in trials:
        if trial.status != "skipped":
            log_trial(client, experiment_id, run_id, trial, base_tags=base_tags)
    counts = {"trials_planned": row.trials_planned, "trials_done": row.trials_done}
    counts |= {"trials_skipped": len(row.trials_skipped), "trials_failed": len(row.trials_failed)}
    params = _params(counts, prefix="automl.")
    metrics = []
    if row.best is not None:
        params += _params(row.best.params, prefix="best.") + _params({"best_trial": row.best.index}, prefix="automl.")
        metrics = _metrics(row.best)
    client.log_batch(run_id, metrics=metrics, params=params)
    client.set_terminated(run_id, "FINISHED" if row.best is not None else "KILLED")
    return run_id


def log_leaderboard(
    client: MlflowClient,
    experiment_id: str,
    parent: str,
    board: Leaderboard,
    results: tuple[TrialResult, ...],
    *,
    base_tags: Mapping[str, str],
) -> None:
    """Family and trial runs under `parent` (each with `base_tags`); the leaderboard as a table, CSV and chart."""
    from iris_mlops.automl.report import leaderboard_figure, leaderboard_frame, trials_frame

    for row in board.rows:
        log_family(client, experiment_id, parent, row, [t for t in results if t.family == row.family],
                   base_tags=base_tags)
    table = leaderboard_frame(board)
    client.log_table(parent, table, "leaderboard.json")
    client.log_text(parent, table.to_csv(index=False), "leaderboard.csv")
    client.log_text(parent, trials_frame(results, metric=board.metric).to_csv(index=False), "trials.csv")
    client.log_figure(parent, leaderboard_figure(board), "leaderboard.png")
    client.log_text(parent, json.dumps({"partial": board.partial, "skipped": list(board.skipped)}), "skipped.json")
    tags = {"automl.partial": str(board.partial).lower(), "automl.skipped_trials": ",".join(board.skipped)[:5000]}
    if board.winner is not None:
        tags["automl.winner"] = board.winner.family
    client.log_batch(parent, tags=_tags(tags))
