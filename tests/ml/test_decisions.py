"""Decisions people make stay made: a manual promotion pins the champion; duplicates are found by fingerprint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iris_mlops.ml.data import TrainingData
from iris_mlops.ml.fingerprint import FINGERPRINT_TAG, find_version_by_fingerprint, training_fingerprint
from iris_mlops.ml.registry import CHAMPION, GateOutcome, client, promote, register_and_gate, require_alias, unpin
from iris_mlops.ml.train import train_model

SPECIES = ("setosa", "versicolor", "virginica")
NAME = "iris_classifier"


def _weak() -> Any:
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(max_depth=1, random_state=0)


def _good(seed: int) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=10, random_state=seed)


def _train(data: TrainingData, classifier: Any, *, force: bool = False, tags: dict[str, str] | None = None
           ) -> GateOutcome:
    result = train_model(data, classifier=classifier, labels=SPECIES, test_fraction=0.2, split_seed=42,
                         tags={"iris_mlops.run_id": "local-test", "iris_mlops.task": "train"})
    return register_and_gate(model_uri=result.model_uri, run_id=result.run_id, model_name=NAME,
                             test_frame=result.test_frame, margin=0.05, force=force,
                             tags={"features_table": data.table, "features_table_version": str(data.version),
                                   "feature_version": data.feature_version, **(tags or {})})


def _champion() -> str:
    return str(require_alias(client(), NAME, CHAMPION).version)


@pytest.fixture(scope="module")
def pinned_weak(iris_data: TrainingData, mlflow_home: Path) -> GateOutcome:
    """A weak first model (champion by default), then promoted by hand: pinned."""
    first = _train(iris_data, _weak(), tags={FINGERPRINT_TAG: "fp-weak"})
    promote(NAME, first.version, reason="known good on the audit set", who="alice")
    return first


def test_a_pinned_champion_stays_when_a_better_challenger_passes_the_gate(
    pinned_weak: GateOutcome, iris_data: TrainingData
) -> None:
    better = _train(iris_data, _good(1))
    assert better.decision.gate.passed and not better.promoted and better.pinned
    assert _champion() == pinned_weak.version
    assert "pinned to version" in better.decision.reason and "alice" in better.decision.reason
    mv = client().get_model_version(NAME, better.version)
    assert mv.tags["gate_decision"] == "kept_pinned" and mv.tags["gate_pinned_version"] == pinned_weak.version
    assert client().get_run(mv.run_id).data.tags["gate.pinned"] == "true"


def test_force_overrides_the_pin_and_lifts_it(pinned_weak: GateOutcome, iris_data: TrainingData) -> None:
    forced = _train(iris_data, _good(2), force=True)
    assert forced.promoted and forced.decision.forced and _champion() == forced.version
    assert "overridden by --force" in forced.decision.reason
    assert unpin(NAME) is None  # the forced promotion lifted the pin
    promote(NAME, pinned_weak.version, reason="back to the audited model", who="alice")  # pin again for later tests


def test_after_unpin_the_gate_moves_the_champion_again(pinned_weak: GateOutcome, iris_data: TrainingData) -> None:
    lifted = unpin(NAME)
    assert lifted is not None and lifted.version == pinned_weak.version and lifted.by == "alice"
    better = _train(iris_data, _good(3))
    assert better.promoted and not better.pinned and _champion() == better.version
    # The gate compares with the best model that was ever champion (here as good as the new one), not just v1.
    assert "best earlier champion" in better.decision.reason and "champion v1" in better.decision.reason


def test_find_version_by_fingerprint_returns_the_tagged_version_only(pinned_weak: GateOutcome) -> None:
    found = find_version_by_fingerprint(client(), NAME, "fp-weak")
    assert found is not None and str(found.version) == pinned_weak.version
    assert find_version_by_fingerprint(client(), NAME, "fp-other") is None
    assert find_version_by_fingerprint(client(), "no_such_model", "fp-weak") is None


def test_training_fingerprint_changes_with_table_version_params_and_code() -> None:
    base = {"features_table": "t", "features_table_version": 1, "feature_version": "1.0", "params": {"a": 1},
            "code": "c1"}
    same = training_fingerprint(**base)  # type: ignore[arg-type]
    assert same == training_fingerprint(**base)  # type: ignore[arg-type]
    for change in ({"features_table_version": 2}, {"params": {"a": 2}}, {"code": "c2"}, {"feature_version": "1.1"}):
        assert training_fingerprint(**{**base, **change}) != same  # type: ignore[arg-type]


def test_fingerprint_of_follows_the_data_version_and_the_parameters(iris_data: TrainingData) -> None:
    from dataclasses import replace

    from iris_mlops.ml.fingerprint import fingerprint_of

    first = fingerprint_of(iris_data, _good(1), test_fraction=0.2, split_seed=42)
    assert first == fingerprint_of(iris_data, _good(1), test_fraction=0.2, split_seed=42)
    assert first != fingerprint_of(iris_data, _good(2), test_fraction=0.2, split_seed=42)
    assert first != fingerprint_of(iris_data, _good(1), test_fraction=0.3, split_seed=42)
    assert first != fingerprint_of(replace(iris_data, version=1), _good(1), test_fraction=0.2, split_seed=42)


def test_models_list_shows_algorithm_metric_data_version_and_pin(pinned_weak: GateOutcome) -> None:
    from typer.testing import CliRunner

    from iris_mlops.cli import app

    rows = json.loads(CliRunner().invoke(app, ["models", "list", "--json"]).stdout)
    by_version = {r["version"]: r for r in rows}
    weak = by_version[pinned_weak.version]
    assert weak["algorithm"] == "DecisionTreeClassifier" and weak["data"] == "iris_features@v0"
    assert 0 < weak["f1_macro"] < 1 and "aliases" in weak
    text = CliRunner().invoke(app, ["models", "list"]).stdout
    assert "algorithm" in text and "RandomForestClassifier" in text and "iris_features@v0" in text


def test_models_describe_shows_the_lineage(pinned_weak: GateOutcome) -> None:
    from typer.testing import CliRunner

    from iris_mlops.cli import app

    done = CliRunner().invoke(app, ["models", "describe", pinned_weak.version])
    assert done.exit_code == 0, done.output
    for expected in ("local.iris.iris_features v0", "MLflow run", "promoted by     alice", "run    local-test"):
        assert expected in done.stdout
    info = json.loads(CliRunner().invoke(app, ["models", "describe", pinned_weak.version, "--json"]).stdout)
    assert info["lineage"]["features_table_version"] == "0" and info["lineage"]["task"] == "train"
    missing = CliRunner().invoke(app, ["models", "describe", "999"])
    assert missing.exit_code == 2 and "no version 999" in missing.output  # a version never registered: bad input


def test_models_unpin_says_what_it_lifted(pinned_weak: GateOutcome) -> None:
    from typer.testing import CliRunner

    from iris_mlops.cli import app

    promote(NAME, pinned_weak.version, reason="hold", who="bob")
    done = CliRunner().invoke(app, ["models", "unpin"])
    assert done.exit_code == 0 and f"pin on version {pinned_weak.version} (by bob" in done.stdout
    again = CliRunner().invoke(app, ["models", "unpin"])
    assert "was not pinned" in again.stdout


def test_experiment_and_registered_model_carry_descriptions(pinned_weak: GateOutcome) -> None:
    import mlflow

    experiment = mlflow.get_experiment_by_name("iris-mlops")
    assert experiment is not None
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    assert "feature table" in experiment.tags["mlflow.note.content"]
    assert "champion" in client().get_registered_model(NAME).description
