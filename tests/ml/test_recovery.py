"""The registry's gate against the best earlier champion, and `train` killed at each registry write, then recovered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from iris_mlops.ml import registry as reg
from iris_mlops.ml.data import TrainingData
from iris_mlops.ml.recovery import LEDGER_TAG, recover_unfinished
from iris_mlops.ml.registry import CHALLENGER, CHAMPION, alias_version, client, register_and_gate

REGISTRY_WRITES = ("set_registered_model_alias", "set_tag", "log_metric", "log_dict")


class KilledError(Exception):
    """The injected crash."""


@pytest.fixture(scope="module")
def log_model(iris_data: TrainingData, mlflow_home: Path) -> Callable[[], tuple[str, str]]:
    """Log a small fitted pipeline in a new run; returns (model URI, run id)."""
    import mlflow
    from sklearn.tree import DecisionTreeClassifier

    from iris_mlops.ml.packaging import log_pipeline_model
    from iris_mlops.ml.pipeline import build_pipeline

    model = build_pipeline(DecisionTreeClassifier(max_depth=3, random_state=0)).fit(iris_data.features,
                                                                                    iris_data.labels)
    example = iris_data.features.head(5)

    def log() -> tuple[str, str]:
        with mlflow.start_run() as run:
            info = log_pipeline_model(model, input_example=example, predictions=model.predict(example))
        return info.model_uri, run.info.run_id

    return log


@pytest.fixture()
def scripted_scores(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, float]]:
    """score_model returns scripted scores: `next` for the challenger, `v<N>` for registered version N."""
    scores: dict[str, float] = {}

    def score(model_uri: str, frame: Any) -> float:
        return scores[f"v{model_uri.rsplit('/', 1)[1]}"] if model_uri.startswith("models:/iris") else scores["next"]

    monkeypatch.setattr(reg, "score_model", score)
    yield scores


def _gate(log_model: Callable[[], tuple[str, str]], iris_data: TrainingData, name: str) -> reg.GateOutcome:
    uri, run_id = log_model()
    return register_and_gate(model_uri=uri, run_id=run_id, model_name=name, test_frame=iris_data.frame, margin=0.05)


def test_ten_slightly_worse_registrations_keep_the_champion_within_the_margin(
    log_model: Callable[[], tuple[str, str]], iris_data: TrainingData, scripted_scores: dict[str, float]
) -> None:
    name, first = "iris_walk", 0.98
    scripted_scores["next"] = first
    champion_score = first
    for _ in range(11):  # the first model, then ten models each 4 % worse than the champion of the moment
        outcome = _gate(log_model, iris_data, name)
        scripted_scores[f"v{outcome.version}"] = scripted_scores["next"]
        champion_score = scripted_scores[f"v{alias_version(client(), name, CHAMPION).version}"]
        scripted_scores["next"] = champion_score * 0.96
    assert champion_score >= first * 0.95
    assert str(alias_version(client(), name, CHALLENGER).version) == "11"
    rejected = client().get_model_version(name, "11")
    assert rejected.tags["gate_decision"] == "rejected" and "best earlier champion v1" in rejected.tags["gate_reason"]


def _experiment_id() -> str:
    import mlflow

    from iris_mlops.config import load_settings

    return str(mlflow.get_experiment_by_name(load_settings("local").mlflow.experiment).experiment_id)


def _state(name: str) -> dict[str, Any]:
    """Aliases, each version's decision tag and its run's ledger tag."""
    registry = client()
    versions = sorted(registry.search_model_versions(f"name = '{name}'"), key=lambda v: int(v.version))
    aliases = {a: str(v.version) if v else None for a in (CHAMPION, CHALLENGER)
               for v in [alias_version(registry, name, a)]}
    return {"aliases": aliases,
            "versions": [(v.tags.get("gate_decision"), registry.get_run(v.run_id).data.tags.get(LEDGER_TAG))
                         for v in versions]}


def _crash_at(mp: pytest.MonkeyPatch, k: int) -> list[str]:
    """Raise KilledError at the k-th registry write of the client (0: never); returns the writes seen."""
    from mlflow import MlflowClient

    seen: list[str] = []
    for method in REGISTRY_WRITES:
        real = getattr(MlflowClient, method)

        def write(self: Any, *args: Any, _real: Any = real, _name: str = method, **kwargs: Any) -> Any:
            seen.append(_name)
            if len(seen) == k:
                raise KilledError(f"killed at registry write {k} ({_name})")
            return _real(self, *args, **kwargs)

        mp.setattr(MlflowClient, method, write)
    return seen


@pytest.mark.parametrize("second", [0.99, 0.90], ids=["second-promoted", "second-rejected"])
def test_train_killed_at_each_registry_write_is_completed_on_the_next_start(
    log_model: Callable[[], tuple[str, str]], iris_data: TrainingData, scripted_scores: dict[str, float],
    second: float, mlflow_home: Path,
) -> None:
    def scenario(name: str, k: int) -> list[str]:
        scripted_scores["next"] = 0.95
        first = _gate(log_model, iris_data, name)
        scripted_scores[f"v{first.version}"], scripted_scores["next"] = 0.95, second
        uri, run_id = log_model()  # logged before the crash is armed: only the registration's writes are counted
        with pytest.MonkeyPatch.context() as mp:
            seen = _crash_at(mp, k)
            try:
                register_and_gate(model_uri=uri, run_id=run_id, model_name=name, test_frame=iris_data.frame,
                                  margin=0.05)
            except KilledError:
                assert k
        return seen

    writes = scenario(f"iris_clean_{second}", 0)
    expected = _state(f"iris_clean_{second}")
    for k in range(1, len(writes) + 1):
        name = f"iris_crash_{second}_{k}"
        scenario(name, k)
        assert _state(name) != expected
        recovery = recover_unfinished(client(), experiment_id=_experiment_id(), model_name=name)
        assert _state(name) == expected, f"killed at registry write {k} ({writes[k - 1]}): not completed"
        assert recovery.completed_versions == ["2"]
        assert not recover_unfinished(client(), experiment_id=_experiment_id(), model_name=name)  # idempotent


def test_stale_running_runs_are_marked_failed(mlflow_home: Path) -> None:

    registry = client()
    experiment_id = _experiment_id()
    stale = registry.create_run(experiment_id)  # a run whose process was killed: never ended
    shared = recover_unfinished(registry, experiment_id=experiment_id, model_name="iris_no_such_model",
                                stale_after_hours=1.0)
    assert not shared.failed_runs  # on a shared workspace a run started a moment ago may be alive
    assert registry.get_run(stale.info.run_id).info.status == "RUNNING"
    recovery = recover_unfinished(registry, experiment_id=experiment_id, model_name="iris_no_such_model")
    assert recovery.failed_runs == [stale.info.run_id] and not recovery.completed_versions
    run = registry.get_run(stale.info.run_id)
    assert run.info.status == "FAILED" and "iris_mlops.recovered" in run.data.tags


def test_a_version_without_a_stored_decision_is_labelled_not_promoted(
    log_model: Callable[[], tuple[str, str]], mlflow_home: Path
) -> None:
    import mlflow

    uri, _ = log_model()
    version = mlflow.register_model(uri, "iris_undecided").version  # registered by an older or foreign process
    recovery = recover_unfinished(client(), experiment_id=_experiment_id(),
                                  model_name="iris_undecided")
    assert recovery.interrupted_versions == [str(version)]
    assert client().get_model_version("iris_undecided", version).tags["gate_decision"] == "interrupted"
    assert alias_version(client(), "iris_undecided", CHAMPION) is None
