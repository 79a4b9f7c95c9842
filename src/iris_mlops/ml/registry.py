"""The model registry: register every trained model as `challenger`, gate it against `champion`.

Both models are scored by the same function on the same held-out rows (same table version, same
split); the relative-margin rule and the pin rule live in `iris_mlops.ml.gate`. The first model becomes
champion. A champion a person promoted stays pinned (`iris_mlops.ml.pins`) until unpinned or a forced run.
Works on the local SQLite registry and on Unity Catalog (aliases and tags only, no stages).
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iris_mlops.errors import ModelError
from iris_mlops.ml.gate import Pin, PromotionDecision, decide_promotion
from iris_mlops.ml.metrics import PRIMARY_METRIC
from iris_mlops.ml.pins import clear_pin, read_pin, set_pin
from iris_mlops.ml.registry_errors import reworded
from iris_mlops.ml.tracking import first_line

if TYPE_CHECKING:
    import pandas as pd
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

CHAMPION = "champion"
CHALLENGER = "challenger"
MODEL_DESCRIPTION = (
    "Iris species classifier (setosa, versicolor, virginica) from the four raw measurements; feature engineering "
    "is inside the model. Every version is registered as @challenger; the promotion gate moves @champion unless "
    "a person pinned it (`iris-mlops models promote`). Lineage: the version's tags and `iris-mlops models describe`."
)


@dataclass(frozen=True)
class GateOutcome:
    """A registration and its gate decision."""

    model_name: str
    version: str
    previous_champion: str | None
    champion: str
    decision: PromotionDecision

    @property
    def promoted(self) -> bool:
        return self.decision.promote

    @property
    def pinned(self) -> bool:
        """True when a person's pin kept the champion."""
        return self.decision.pinned

    def as_dict(self) -> dict[str, Any]:
        """Plain data for --json output."""
        return {"model_name": self.model_name, "version": self.version, "previous_champion": self.previous_champion,
                "champion": self.champion, "promoted": self.promoted, **self.decision.as_dict()}


def client() -> MlflowClient:
    """A client on the configured registry (call `configure_mlflow` first)."""
    from mlflow import MlflowClient

    return MlflowClient()


def alias_version(mlflow_client: MlflowClient, name: str, alias: str) -> ModelVersion | None:
    """The version `alias` points to, None when the model or the alias does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return mlflow_client.get_model_version_by_alias(name, alias)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND", "INVALID_PARAMETER_VALUE"):
            return None
        raise ModelError(f"model registry unreachable while reading {name}@{alias}: {first_line(exc)}") from None


def require_alias(mlflow_client: MlflowClient, name: str, alias: str) -> ModelVersion:
    """The version behind `name@alias`, or a one-line ModelError naming what is missing."""
    found = alias_version(mlflow_client, name, alias)
    if found is None:
        raise ModelError(f"model {name} has no version with alias {alias!r}: train one with `iris-mlops train`")
    return found


def score_model(model_uri: str, frame: pd.DataFrame) -> float:
    """Macro F1 of the model at `model_uri` on `frame` (raw measurements + species)."""
    import mlflow
    from sklearn.metrics import f1_score

    from iris_mlops.features.definitions import RAW_MEASUREMENTS

    try:
        model = mlflow.pyfunc.load_model(model_uri)
    except Exception as exc:  # a broken or unreachable artifact: name the model, one line
        raise ModelError(f"cannot load model {model_uri}: {first_line(exc)}") from None
    predicted = model.predict(frame.loc[:, list(RAW_MEASUREMENTS)])
    return float(f1_score(frame["species"], predicted, average="macro", zero_division=0))


def register_and_gate(
    *, model_uri: str, run_id: str, model_name: str, test_frame: pd.DataFrame, margin: float,
    tags: dict[str, str] | None = None, force: bool = False,
) -> GateOutcome:
    """Gate `model_uri`, then register it as a new version of `model_name` aliased `challenger` (and `champion`).

    The challenger, the current champion and the best earlier champion are scored on `test_frame` (the
    challenger's held-out rows: raw measurements + species); `gate.decide_promotion` compares against the best
    of them (always passes for the first model; never promotes while a person's pin holds, unless `force`,
    which also lifts the pin when the challenger wins). The decision is made BEFORE registration and stored in
    the new version's tags, so `ml.recovery` can complete a run killed later; the run's `gate.decision` tag,
    written last, says the registration is complete.
    """
    registry = client()
    champion = alias_version(registry, model_name, CHAMPION)
    references = reference_scores(registry, model_name, champion, test_frame)
    decision = decide_promotion(candidate_score=score_model(model_uri, test_frame),
                                champion_score=references.get(f"champion v{champion.version}") if champion else None,
                                margin=margin, metric=PRIMARY_METRIC, pin=read_pin(registry, model_name), force=force,
                                references=references)
    version = _register(registry, model_uri, model_name, {**(tags or {}), **_version_tags(decision)})
    registry.set_registered_model_alias(model_name, CHALLENGER, version)
    if decision.promote:
        registry.set_registered_model_alias(model_name, CHAMPION, version)
        if decision.forced:
            clear_pin(registry, model_name)
    previous = str(champion.version) if champion else None
    now_champion = str(version) if decision.passed else str(previous)
    outcome = GateOutcome(model_name, str(version), previous, now_champion, decision)
    _record(registry, outcome, run_id=run_id)
    return outcome


def reference_scores(
    registry: MlflowClient, model_name: str, champion: ModelVersion | None, frame: pd.DataFrame
) -> dict[str, float | None]:
    """The champion's and the best earlier champion's scores on `frame`, by name (same rows as the challenger)."""
    if champion is None:
        return {}
    scores: dict[str, float | None] = {
        f"champion v{champion.version}": score_model(f"models:/{model_name}/{champion.version}", frame)
    }
    earlier: dict[str, float] = {}
    for version in earlier_champions(registry, model_name, exclude=str(champion.version)):
        try:  # an earlier champion that no longer loads cannot be a reference; the champion itself must load
            earlier[version] = score_model(f"models:/{model_name}/{version}", frame)
        except ModelError:
            continue
    if earlier:
        best = max(earlier, key=lambda v: (earlier[v], int(v)))
        scores[f"best earlier champion v{best}"] = earlier[best]
    return scores


def earlier_champions(registry: MlflowClient, model_name: str, *, exclude: str) -> list[str]:
    """Versions that were champion once: promoted by the gate or by hand (recorded in their tags)."""
    versions = registry.search_model_versions(f"name = '{model_name}'")
    return [str(v.version) for v in versions if str(v.version) != exclude
            and ((v.tags or {}).get("gate_decision") == "promoted" or "promoted_by" in (v.tags or {}))]


def _register(registry: MlflowClient, model_uri: str, model_name: str, tags: dict[str, str] | None) -> str:
    """A new version of `model_name` (with its decision in `tags`); the model gets its description when it is new."""
    import mlflow

    try:
        version = str(mlflow.register_model(model_uri, model_name, tags=tags).version)
        if not registry.get_registered_model(model_name).description:
            registry.update_registered_model(model_name, description=MODEL_DESCRIPTION)
    except Exception as exc:
        raise ModelError(f"cannot register {model_uri} as {model_name}: {first_line(exc)}") from None
    return version


def _verdict(decision: PromotionDecision) -> str:
    return "promoted" if decision.promote else ("kept_pinned" if decision.pinned else "rejected")


def _version_tags(decision: PromotionDecision) -> dict[str, str]:
    """The decision as version tags, stored when the version is created (one registry call)."""
    tags = {"gate_decision": _verdict(decision), "gate_reason": decision.reason[:5000],
            PRIMARY_METRIC: f"{decision.candidate_score:.6f}"}
    if decision.pinned_version:
        tags["gate_pinned_version"] = decision.pinned_version
    return tags


def _record(registry: MlflowClient, outcome: GateOutcome, *, run_id: str) -> None:
    """The decision on the training run (metrics, JSON, tags); its `gate.decision` tag last (the ledger entry)."""
    decision = outcome.decision
    registry.log_metric(run_id, f"gate_challenger_{decision.metric}", decision.candidate_score)
    if decision.reference_score is not None:
        registry.log_metric(run_id, f"gate_champion_{decision.metric}", decision.reference_score)
    registry.log_dict(run_id, outcome.as_dict(), "gate_decision.json")
    for key, value in {"gate.reason": decision.reason, "gate.model_version": outcome.version,
                       "gate.previous_champion": outcome.previous_champion or "none",
                       "gate.pinned": str(decision.pinned).lower(), "gate.decision": _verdict(decision)}.items():
        registry.set_tag(run_id, key, value)


def promote(model_name: str, version: str, *, reason: str, who: str | None = None) -> str | None:
    """Move `champion` to `version` by hand and pin it there, recording who, when and why; returns the previous one.

    The automatic gate leaves a pinned champion alone until `unpin` (or a forced training run).
    """
    registry = client()
    try:
        registry.get_model_version(model_name, version)
    except Exception as exc:  # MlflowException or a transport error: reworded in the project's terms
        raise reworded(exc, model_name=model_name, version=version) from None
    previous = alias_version(registry, model_name, CHAMPION)
    registry.set_registered_model_alias(model_name, CHAMPION, version)
    pin = set_pin(registry, model_name, version=version, by=who or current_user(), reason=reason)
    tags = {"promoted_by": pin.by, "promotion_reason": reason, "promoted_at": pin.at,
            "previous_champion": str(previous.version) if previous else "none"}
    for key, value in tags.items():
        registry.set_model_version_tag(model_name, version, key, value)
    return str(previous.version) if previous else None


def unpin(model_name: str) -> Pin | None:
    """Let the automatic gate move `champion` again; returns the pin that was lifted (None when there was none)."""
    return clear_pin(client(), model_name)


def current_user() -> str:
    """Who is acting: $DATABRICKS_USER, the workspace user on a Databricks registry, $USER or $USERNAME, else the OS."""
    if os.environ.get("DATABRICKS_USER"):
        return os.environ["DATABRICKS_USER"]
    workspace_user = _databricks_user()
    if workspace_user:
        return workspace_user
    for key in ("USER", "USERNAME"):
        if os.environ.get(key):
            return os.environ[key]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _databricks_user() -> str | None:
    """The signed-in workspace user when the registry is Databricks' (None locally or when it cannot be read)."""
    import mlflow

    if not str(mlflow.get_registry_uri()).startswith("databricks"):
        return None
    try:
        from databricks.sdk import WorkspaceClient

        return WorkspaceClient().current_user.me().user_name
    except Exception:  # no credentials or no network: fall back to the OS account
        return None
