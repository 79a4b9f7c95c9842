"""Reading the registry for people: every version in one table, and one version's lineage."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from iris_mlops.ml.fingerprint import FINGERPRINT_TAG
from iris_mlops.ml.metrics import PRIMARY_METRIC
from iris_mlops.ml.pins import read_pin
from iris_mlops.ml.registry import client
from iris_mlops.ml.registry_errors import reworded

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run
    from mlflow.entities.model_registry import ModelVersion


def list_versions(model_name: str) -> list[dict[str, Any]]:
    """Every version of `model_name`, newest first: aliases, algorithm, primary metric, data version, gate, pin."""
    registry = client()
    versions = _versions(registry, model_name)
    aliases = _aliases(registry, model_name) if versions else {}
    pin = read_pin(registry, model_name) if versions else None
    rows = []
    for mv in sorted(versions, key=lambda v: int(v.version), reverse=True):
        run = registry.get_run(mv.run_id) if mv.run_id else None
        metrics = run.data.metrics if run else {}
        tags = mv.tags or {}
        rows.append({
            "version": str(mv.version),
            "aliases": sorted(aliases.get(str(mv.version), [])),
            "algorithm": _algorithm(run, tags),
            PRIMARY_METRIC: metrics.get(PRIMARY_METRIC),
            "accuracy": metrics.get("accuracy"),
            "data": _data_version(run, tags),
            "feature_version": tags.get("feature_version"),
            "gate": tags.get("gate_decision"),
            "pinned": pin is not None and pin.version == str(mv.version),
            "promoted_by": tags.get("promoted_by"),
            "created": _iso(mv.creation_timestamp),
            "run_id": mv.run_id,
        })
    return rows


def describe_version(model_name: str, version: str) -> dict[str, Any]:
    """One version's lineage: tables and versions read, feature version, code, MLflow run, gate and promotion."""
    registry = client()
    try:
        mv = registry.get_model_version(model_name, version)
    except Exception as exc:  # MlflowException or a transport error: reworded in the project's terms
        raise reworded(exc, model_name=model_name, version=version) from None
    run = registry.get_run(mv.run_id) if mv.run_id else None
    tags, run_tags = mv.tags or {}, (run.data.tags if run else {})
    pin = read_pin(registry, model_name)
    return {
        "model": model_name,
        "version": str(mv.version),
        "aliases": sorted(_aliases(registry, model_name).get(str(mv.version), [])),
        "algorithm": _algorithm(run, tags),
        "metrics": dict(sorted((run.data.metrics if run else {}).items())),
        "lineage": _lineage(run_tags, tags),
        "mlflow_run_id": mv.run_id,
        "experiment_id": run.info.experiment_id if run else None,
        "source": mv.source,
        "created": _iso(mv.creation_timestamp),
        "gate": {"decision": tags.get("gate_decision"), "reason": tags.get("gate_reason")},
        "promotion": {k: tags.get(k) for k in ("promoted_by", "promotion_reason", "promoted_at", "previous_champion")},
        "pinned": pin is not None and pin.version == str(mv.version),
    }


def _lineage(run_tags: dict[str, str], tags: dict[str, str]) -> dict[str, Any]:
    """Where the version came from, upstream first: source table, feature table, code, pipeline run."""
    def pick(key: str) -> str | None:
        return run_tags.get(f"iris_mlops.{key}") or tags.get(key)

    return {
        "source_table": pick("source_table"),
        "source_table_version": pick("source_version"),
        "features_table": pick("features_table"),
        "features_table_version": pick("features_table_version"),
        "feature_version": pick("feature_version"),
        "git_commit": run_tags.get("mlflow.source.git.commit"),
        "fingerprint": tags.get(FINGERPRINT_TAG),
        "pipeline_run_id": run_tags.get("iris_mlops.run_id") or tags.get("iris_mlops.run_id"),
        "task": run_tags.get("iris_mlops.task"),
    }


def _versions(registry: MlflowClient, model_name: str) -> list[ModelVersion]:
    from mlflow.exceptions import MlflowException

    try:
        return list(registry.search_model_versions(f"name = '{model_name}'"))
    except MlflowException as exc:
        raise reworded(exc, model_name=model_name) from None


def _aliases(registry: MlflowClient, model_name: str) -> dict[str, list[str]]:
    # Search results do not carry aliases on every store: read them from the registered model.
    aliases: dict[str, list[str]] = {}
    for alias, version in registry.get_registered_model(model_name).aliases.items():
        aliases.setdefault(str(version), []).append(alias)
    return aliases


def _algorithm(run: Run | None, tags: dict[str, str]) -> str | None:
    """The model family: AutoML's family name, else the classifier's class name logged as a parameter."""
    if tags.get("automl.family"):
        return tags["automl.family"]
    return run.data.params.get("classifier") if run else None


def _data_version(run: Run | None, tags: dict[str, str]) -> str | None:
    """`table@vN` of the feature table the version was trained on."""
    run_tags = run.data.tags if run else {}
    table = tags.get("features_table") or run_tags.get("iris_mlops.features_table")
    version = tags.get("features_table_version") or run_tags.get("iris_mlops.features_table_version")
    if table is None or version is None:
        return None
    return f"{table.split('.')[-1]}@v{version}"


def _iso(millis: int | None) -> str | None:
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).isoformat(timespec="seconds")
