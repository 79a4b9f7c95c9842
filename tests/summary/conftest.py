"""A run summary with a bit of everything: failures, a pin, quarantine reasons and long values that must wrap."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from iris_mlops.summary import Link, ModelSummary, QualityRow, RunSummary, TableVersion, TaskRun

LONG = "sepal_length_in_centimetres_measured_by_hand_" * 6


def sample_summary(run_id: str = "local-20261129T184052-e5e33e26", state: str = "FAILED",
                   started_at: str = "2026-11-29T18:40:52+00:00") -> RunSummary:
    """A failed run: data-quality failed, train still ran on the previous features."""
    return RunSummary(
        run_id=run_id, job="iris_workflow", env="local", state=state, started_at=started_at,
        duration_seconds=41.26,
        tasks=(
            TaskRun("bronze", "SUCCESS", 6.2), TaskRun("silver", "SUCCESS", 3.1, ("bronze",)),
            TaskRun("gold", "SUCCESS", 1.4, ("silver",)),
            TaskRun("data_quality", "FAILED", 2.9, ("gold",), note="exit code 1"),
            TaskRun("feature_store", "SUCCESS", 2.2, ("silver",)),
            TaskRun("train", "SUCCESS", 4.8, ("feature_store",)),
        ),
        tables=(
            TableVersion("iris_bronze", 3, 178), TableVersion("iris_silver", 3, 146, ("iris_bronze",)),
            TableVersion("iris_quarantine", 2, 32, ("iris_bronze",)),
            TableVersion("iris_gold", 2, 3, ("iris_silver",)),
            TableVersion("iris_features", 4, 146, ("iris_silver",)),
        ),
        quarantine_reasons={"not_a_number": 20, "unknown_species": 12},
        quality=(
            QualityRow("iris_silver", "sepal_length is strictly between 0 and 10", "error", True, "0 of 146"),
            QualityRow("iris_gold", "the share of setosa is between 0.2 and 0.45", "error", False, "0.5123", 1,
                       "expect_column_values_to_be_between"),
            QualityRow("iris_bronze", f"the columns are, in order: {LONG}", "warn", False, LONG, None,
                       "expect_table_columns_to_match_ordered_list"),
        ),
        model=ModelSummary("iris_classifier", "5", "3", promoted=False, pinned=True,
                           reason="champion pinned to version 3 by alice (rollback): kept; " + LONG,
                           score=0.9666, algorithm="RandomForestClassifier", mlflow_run_id="ab" * 16,
                           trained_on="iris_features@v4"),
        links=(Link("Data quality report", "../quality/run.html"), Link("EDA report", "../eda_report.html")),
        mlflow_command="mlflow ui --backend-store-uri sqlite:////very/long/path/" + "segment/" * 20 + "mlflow.db",
    )


@pytest.fixture()
def summary() -> RunSummary:
    return sample_summary()


@pytest.fixture()
def make_summary() -> Callable[..., RunSummary]:
    """sample_summary(run_id, state, started_at), for tests that need several runs."""
    return sample_summary
