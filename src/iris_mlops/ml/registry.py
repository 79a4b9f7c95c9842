"""The model registry: register every trained model as `challenger`, gate it against `champion`.

Both models are scored by the same function on the same held-out rows (same table version, same
split); the relative-margin rule lives in `iris_mlops.ml.gate`. The first model becomes champion.
Works on the local SQLite registry and on Unity Catalog (aliases and tags only, no stages).
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from iris_mlops.errors import ModelError
from iris_mlops.ml.gate import GateDecision, decide
from iris_mlops.ml.metrics import PRIMARY_METRIC
from iris_mlops.ml.tracking import first_line

if TYPE_CHECKING:
    import pandas as pd
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

CHAMPION = "champion"
CHALLENGER = "challenger"


@dataclass(frozen=True)
class GateOutcome:
    """A registration and its gate decision."""

    model_name: str
    version: str
    previous_champion: str | None
    champion: str
    decision: GateDecision

    @property
    def promoted(self) -> bool:
        return self.decision.passed

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
    tags: dict[str, str] | None = None,
) -> GateOutcome:
    """Register `model_uri` as a new version of `model_name`, alias it `challenger`, then gate it.

    The challenger and the current champion are both scored on `test_frame` (the challenger's held-out
    rows: raw measurements + species). The challenger becomes `champion` when `gate.decide` passes
    (always for the first model). The decision is logged to the run `run_id` and tagged on the version.
    """
    import mlflow

    registry = client()
    try:
        version = mlflow.register_model(model_uri, model_name, tags=tags).version
        registry.set_registered_model_alias(model_name, CHALLENGER, version)
    except Exception as exc:
        raise ModelError(f"cannot register {model_uri} as {model_name}: {first_line(exc)}") from None
    champion = alias_version(registry, model_name, CHAMPION)
    challenger_score = score_model(f"models:/{model_name}/{version}", test_frame)
    champion_score = score_model(f"models:/{model_name}/{champion.version}", test_frame) if champion else None
    decision = decide(candidate_score=challenger_score, reference_score=champion_score, margin=margin,
                      metric=PRIMARY_METRIC)
    if decision.passed:
        registry.set_registered_model_alias(model_name, CHAMPION, version)
    previous = str(champion.version) if champion else None
    now_champion = str(version) if decision.passed else str(previous)
    outcome = GateOutcome(model_name, str(version), previous, now_champion, decision)
    _record(registry, outcome, run_id=run_id)
    return outcome


def _record(registry: MlflowClient, outcome: GateOutcome, *, run_id: str) -> None:
    """The decision on the training run (metrics, tags, JSON) and on the model version (tags)."""
    decision = outcome.decision
    verdict = "promoted" if outcome.promoted else "rejected"
    registry.log_metric(run_id, f"gate_challenger_{decision.metric}", decision.candidate_score)
    if decision.reference_score is not None:
        registry.log_metric(run_id, f"gate_champion_{decision.metric}", decision.reference_score)
    registry.log_dict(run_id, outcome.as_dict(), "gate_decision.json")
    for key, value in {"gate.decision": verdict, "gate.reason": decision.reason, "gate.model_version": outcome.version,
                       "gate.previous_champion": outcome.previous_champion or "none"}.items():
        registry.set_tag(run_id, key, value)
    for key, value in {"gate_decision": verdict, "gate_reason": decision.reason,
                       PRIMARY_METRIC: f"{decision.candidate_score:.6f}"}.items():
        registry.set_model_version_tag(outcome.model_name, outcome.version, key, value)


def promote(model_name: str, version: str, *, reason: str, who: str | None = None) -> str | None:
    """Move `champion` to `version` by hand, recording who and why on the version; returns the previous champion."""
    registry = client()
    try:
        registry.get_model_version(model_name, version)
    except Exception as exc:
        raise ModelError(f"model {model_name} has no version {version}: {first_line(exc)}") from None
    previous = alias_version(registry, model_name, CHAMPION)
    registry.set_registered_model_alias(model_name, CHAMPION, version)
    tags = {"promoted_by": who or current_user(), "promotion_reason": reason,
            "promoted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "previous_champion": str(previous.version) if previous else "none"}
    for key, value in tags.items():
        registry.set_model_version_tag(model_name, version, key, value)
    return str(previous.version) if previous else None


def current_user() -> str:
    """Who is promoting: $DATABRICKS_USER, $USER or $USERNAME, else the OS account."""
    for key in ("DATABRICKS_USER", "USER", "USERNAME"):
        if os.environ.get(key):
            return os.environ[key]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def list_versions(model_name: str) -> list[dict[str, Any]]:
    """Every version of `model_name`, newest first: aliases, run, metrics and the gate's verdict."""
    from mlflow.exceptions import MlflowException

    registry = client()
    try:
        versions = registry.search_model_versions(f"name = '{model_name}'")
    except MlflowException as exc:
        raise ModelError(f"cannot list versions of {model_name}: {first_line(exc)}") from None
    aliases: dict[str, list[str]] = {}
    if versions:  # search results do not carry aliases on every store: read them from the model
        for alias, version in registry.get_registered_model(model_name).aliases.items():
            aliases.setdefault(str(version), []).append(alias)
    rows = []
    for mv in sorted(versions, key=lambda v: int(v.version), reverse=True):
        metrics = registry.get_run(mv.run_id).data.metrics if mv.run_id else {}
        rows.append({
            "version": str(mv.version),
            "aliases": sorted(aliases.get(str(mv.version), [])),
            "run_id": mv.run_id,
            "created": _iso(mv.creation_timestamp),
            "f1_macro": metrics.get("f1_macro"),
            "accuracy": metrics.get("accuracy"),
            "feature_version": (mv.tags or {}).get("feature_version"),
            "gate": (mv.tags or {}).get("gate_decision"),
            "promoted_by": (mv.tags or {}).get("promoted_by"),
        })
    return rows


def _iso(millis: int | None) -> str | None:
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).isoformat(timespec="seconds")
