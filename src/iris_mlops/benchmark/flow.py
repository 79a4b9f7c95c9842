"""The benchmark half of `eda-benchmark`: run it, write the leaderboard next to the EDA report, log it to MLflow."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iris_mlops.automl.cv import METRICS, stratified_splits
from iris_mlops.benchmark.runner import ModelScores, leaderboard, run_benchmark

if TYPE_CHECKING:
    import pandas as pd
    from mlflow import MlflowClient

    from iris_mlops.config import BenchmarkConfig

LEADERBOARD_STEM = "benchmark_leaderboard"


def benchmark(
    train: pd.DataFrame, config: BenchmarkConfig, *, on_progress: Callable[[int, int], None] | None = None
) -> tuple[list[ModelScores], list[dict[str, Any]]]:
    """Every configured model under the same repeated stratified CV of the training rows (progress in folds)."""
    from iris_mlops.features.definitions import RAW_MEASUREMENTS
    from iris_mlops.ml.pipeline import build_pipeline

    splits = stratified_splits(train["species"], folds=config.folds, seed=config.seed, repeats=config.repeats)
    scores = run_benchmark(
        train.loc[:, list(RAW_MEASUREMENTS)],
        train["species"],
        splits,
        models=config.models,
        build=build_pipeline,
        seed=config.seed,
        n_jobs=config.n_jobs,
        on_progress=on_progress,
    )
    return scores, leaderboard(scores)


def write_leaderboard(records: list[dict[str, Any]], folder: Path, *, meta: dict[str, Any], png: bytes) -> list[Path]:
    """CSV, JSON (rows + how they were produced) and the chart with error bars, under `folder`."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    csv, js, chart = (folder / f"{LEADERBOARD_STEM}.{ext}" for ext in ("csv", "json", "png"))
    pd.DataFrame(records).to_csv(csv, index=False)
    js.write_text(json.dumps({**meta, "rows": records}, indent=2, sort_keys=True), encoding="utf-8")
    chart.write_bytes(png)
    return [csv, js, chart]


def read_leaderboard(folder: Path) -> list[dict[str, Any]]:
    """The rows of the last written leaderboard, or [] when there is none."""
    path = folder / f"{LEADERBOARD_STEM}.json"
    if not path.is_file():
        return []
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8")).get("rows", [])
    return rows


def log_models(
    client: MlflowClient, experiment_id: str, parent: str, scores: list[ModelScores], *, base_tags: dict[str, str]
) -> None:
    """One child run per model (with `base_tags`): per-fold metrics (step = fold), mean ± std, fit and predict time."""
    from mlflow.entities import Metric, Param

    from iris_mlops.automl.tracking import child_run

    now = int(time.time() * 1000)
    for model in scores:
        tags = {**base_tags, "benchmark.model": model.model}
        run_id = child_run(client, experiment_id, parent, f"benchmark-{model.model}", tags)
        metrics = [Metric(f"{m}_fold", f.metrics[m], now, f.fold) for f in model.folds for m in METRICS]
        metrics += [Metric("fit_seconds_fold", f.fit_seconds, now, f.fold) for f in model.folds]
        record = model.record()
        metrics += [Metric(k, float(v), now, 0) for k, v in record.items() if k.endswith(("_mean", "_std"))]
        client.log_batch(run_id, metrics=metrics, params=[Param("model", model.model), Param("settings", "defaults")])
        client.set_terminated(run_id, "FINISHED")
