"""The one-pass Spark profile equals the in-memory summaries; metrics from confusion counts equal scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from iris_mlops.config import MEASUREMENTS, MonitoringConfig
from iris_mlops.monitoring.performance import evaluate_performance, metrics_from_confusion
from iris_mlops.monitoring.profile import OTHER
from iris_mlops.monitoring.records import WindowInfo, profile_rows, read_profile_rows
from iris_mlops.monitoring.simulate import iris_frame, simulate_batch
from iris_mlops.monitoring.summary import CategoricalSummary, NumericSummary, summarise_numeric

CLASSES = ("setosa", "versicolor", "virginica")


@pytest.fixture(scope="module")
def reference(spark):  # type: ignore[no-untyped-def]
    from iris_mlops.tasks.monitor_profiles import build_reference

    return build_reference(spark.createDataFrame(iris_frame()), config=MonitoringConfig(), source="test")


def test_profile_window_counts_equal_numpy_histograms(spark, reference) -> None:  # type: ignore[no-untyped-def]
    from iris_mlops.tasks.monitor_profiles import profile_window

    frame = simulate_batch("scale", column="sepal_width", severity=1.5, seed=3)
    frame.loc[0, "species"] = "iris-unknown"
    window = profile_window(spark.createDataFrame(frame), reference.plan_for_window(), exact_limit=0)
    for name in MEASUREMENTS:
        expected = summarise_numeric(frame[name].to_numpy(), edges=reference.plan.edges[name], exact_limit=0)
        got = window.columns[name]
        assert isinstance(got, NumericSummary)
        assert got.counts == expected.counts
        assert got.mean == pytest.approx(expected.mean, abs=1e-9)
        assert got.std == pytest.approx(expected.std, abs=1e-9)
        assert (got.minimum, got.maximum) == (expected.minimum, expected.maximum)
    species = window.columns["species"]
    assert isinstance(species, CategoricalSummary) and species.counts[OTHER] == 1
    assert window.rows == 150


def test_profile_window_counts_outliers_per_species_and_keeps_values_of_small_windows(spark, reference) -> None:  # type: ignore[no-untyped-def]
    from iris_mlops.tasks.monitor_profiles import profile_window

    frame = simulate_batch("outliers", column="petal_length", severity=0.2, seed=4)
    plan = reference.plan_for_window(outlier_z=3.0)
    window = profile_window(spark.createDataFrame(frame), plan, exact_limit=1000)
    moments = plan.species_moments["petal_length"]
    z = [abs(v - moments[s][0]) / moments[s][1] for v, s in zip(frame["petal_length"], frame["species"], strict=True)]
    assert window.outliers["petal_length"] == sum(value > 3 for value in z) > 0
    assert window.columns["petal_length"].values == tuple(sorted(frame["petal_length"]))  # type: ignore[union-attr]


def test_profile_rows_round_trip(reference) -> None:  # type: ignore[no-untyped-def]
    rows = profile_rows(reference.profile, WindowInfo("w", None, None), log_type="BASELINE", model_version="1",
                        run_id="r")
    profile, plan = read_profile_rows(rows)
    assert profile.columns == reference.profile.columns
    assert plan.edges == dict(reference.plan.edges)
    assert profile.slices == reference.profile.slices


def test_metrics_from_confusion_equal_scikit_learn() -> None:
    rng = np.random.default_rng(1)
    truth = rng.choice(CLASSES, 200)
    predicted = np.where(rng.random(200) < 0.8, truth, rng.choice(CLASSES, 200))
    confusion = {(a, b): int(((truth == a) & (predicted == b)).sum()) for a in CLASSES for b in CLASSES}
    got = metrics_from_confusion(confusion, CLASSES)
    p, r, f, _ = precision_recall_fscore_support(truth, predicted, labels=list(CLASSES), average="macro",
                                                 zero_division=0)
    assert got["accuracy"] == pytest.approx(accuracy_score(truth, predicted), abs=1e-12)
    assert (got["precision_macro"], got["recall_macro"], got["f1_macro"]) == pytest.approx((p, r, f), abs=1e-12)


def test_evaluate_performance_needs_k_of_n_degraded_windows_to_alert() -> None:
    confusion = {("setosa", "setosa"): 50, ("versicolor", "virginica"): 30, ("versicolor", "versicolor"): 20,
                 ("virginica", "virginica"): 50}
    baseline = {"accuracy": 0.97, "precision_macro": 0.97, "recall_macro": 0.97, "f1_macro": 0.97}
    args = {"classes": CLASSES, "baseline": baseline, "margin": 0.05, "degraded_windows": 2, "window_history": 3}
    once = evaluate_performance(confusion, past_degraded=[False, False], **args)  # type: ignore[arg-type]
    twice = evaluate_performance(confusion, past_degraded=[False, True], **args)  # type: ignore[arg-type]
    assert once is not None and once.degraded and not once.alert
    assert twice is not None and twice.alert and twice.degraded_windows == 2
    assert evaluate_performance({}, past_degraded=[], **args) is None  # type: ignore[arg-type]


def test_profile_window_bins_edge_values_nulls_and_predictions_exactly(spark, reference) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    from iris_mlops.tasks.monitor_profiles import profile_window

    edges = reference.plan.edges
    rows = [{**{m: edges[m][i] for m in MEASUREMENTS}, "species": CLASSES[i % 3]}
            for i in range(len(edges["sepal_length"]))]  # every edge value: numpy's rule at each boundary
    rows += [{**{m: float(np.nextafter(edges[m][i], side)) for m in MEASUREMENTS}, "species": CLASSES[i % 3]}
             for i in range(len(edges["sepal_length"])) for side in (-np.inf, np.inf)]  # one ulp either side
    rows += [{"sepal_length": 100.0, "sepal_width": -5.0, "petal_length": None, "petal_width": 1e6,
              "species": "iris-unknown"}, dict.fromkeys((*MEASUREMENTS, "species"))]
    frame = pd.DataFrame(rows)
    frame["predicted_species"] = [CLASSES[(i + (i % 4 == 0)) % 3] for i in range(len(frame) - 1)] + [None]
    plan = reference.plan_for_window(predicted_column="predicted_species")
    window = profile_window(spark.createDataFrame(frame), plan, exact_limit=0)
    for name in MEASUREMENTS:
        values = frame[name].astype(float).to_numpy()
        expected = summarise_numeric(values, edges=edges[name], exact_limit=0)
        got = window.columns[name]
        assert isinstance(got, NumericSummary)
        assert (got.counts, got.nulls, got.tail_sums) == (expected.counts, expected.nulls, expected.tail_sums)
        assert (got.minimum, got.maximum) == (expected.minimum, expected.maximum)
    labelled = frame.dropna(subset=["species", "predicted_species"])
    confusion = {(a, b): int(((labelled["species"] == a) & (labelled["predicted_species"] == b)).sum())
                 for a in CLASSES for b in CLASSES}
    assert window.confusion == confusion and sum(confusion.values()) > 0
    setosa = frame.loc[frame["species"] == "setosa", "petal_width"]
    assert window.slices["petal_width"]["setosa"][0] == pytest.approx(setosa.mean(), abs=1e-12)
    assert window.slices["petal_width"]["setosa"][1] == pytest.approx(setosa.std(ddof=0), abs=1e-12)
