"""MLflow setup: where runs and models go, for the local default and for Databricks.

- Local (store ``local_delta``): tracking and registry in one SQLite file, ``$IRIS_MLOPS_HOME/mlflow.db``;
  artifacts under ``$IRIS_MLOPS_HOME/mlartifacts``. (MLflow 3's file store is in maintenance mode.)
- Databricks (store ``spark_delta``): the workspace tracking server (``databricks``) and the Unity
  Catalog registry (``databricks-uc``), where the model is ``catalog.schema.iris_classifier``.
``mlflow.tracking_uri`` / ``mlflow.registry_uri`` in the configuration override either default.
"""

from __future__ import annotations

import os
import shlex
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from iris_mlops import logs
from iris_mlops.errors import ModelError
from iris_mlops.masking import mask_text

if TYPE_CHECKING:
    from iris_mlops.config import Settings

# An unreachable server should fail in seconds, not after MLflow's default 7 retries with backoff.
_HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}
# Creating a SQLite store runs MLflow's schema migrations: one thread at a time (see prepare_local_store).
_STORE_LOCK = threading.Lock()
EXPERIMENT_DESCRIPTION = (
    "iris-mlops training runs: `train` (random forest), `automl` (six families, nested runs per family and trial) "
    "and `eda-benchmark`. Each run records the feature table and version it read, the feature version and the "
    "commit (tags iris_mlops.*); the registered model is iris_classifier (@champion, @challenger)."
)
# MLflow 3's UI opens an experiment on the view its kind names; without the tag it may guess GenAI (traces).
EXPERIMENT_TAGS = {"mlflow.note.content": EXPERIMENT_DESCRIPTION, "mlflow.experimentKind": "custom_model_development"}


@dataclass(frozen=True)
class MlflowTarget:
    """The resolved MLflow locations for one environment."""

    tracking_uri: str
    registry_uri: str
    experiment_name: str
    experiment_id: str
    model_name: str
    artifact_location: str | None

    def ui_command(self) -> str:
        """The command that opens the MLflow UI on these runs (local stores only)."""
        if not self.tracking_uri.startswith("sqlite:"):
            return f"open the experiment {self.experiment_name} in the workspace ({mask_text(self.tracking_uri)})"
        return f"mlflow ui --backend-store-uri {shlex.quote(self.tracking_uri)}"


def default_uris(settings: Settings) -> tuple[str, str]:
    """(tracking URI, registry URI) the settings resolve to."""
    if settings.store == "spark_delta":
        tracking = settings.mlflow.tracking_uri or "databricks"
        return tracking, settings.mlflow.registry_uri or "databricks-uc"
    tracking = settings.mlflow.tracking_uri or f"sqlite:///{settings.home / 'mlflow.db'}"
    return tracking, settings.mlflow.registry_uri or tracking


def configure_mlflow(settings: Settings) -> MlflowTarget:
    """Point MLflow at the configured stores, create the experiment if needed and make it current.

    Raises ModelError (one line) when the tracking store cannot be reached or used.
    """
    import mlflow

    logs.quiet_mlflow(settings.home)
    for key, value in _HTTP_DEFAULTS.items():
        os.environ.setdefault(key, value)
    tracking, registry = default_uris(settings)
    artifacts = None
    if tracking.startswith("sqlite:"):
        Path(settings.home).mkdir(parents=True, exist_ok=True)
        artifacts = (Path(settings.home) / "mlartifacts").resolve().as_uri()
    mlflow.set_tracking_uri(tracking)
    mlflow.set_registry_uri(registry)
    name = settings.experiment_name
    try:
        with _STORE_LOCK:
            experiment = mlflow.get_experiment_by_name(name)
        experiment_id = experiment.experiment_id if experiment else mlflow.create_experiment(name, artifacts)
        mlflow.set_experiment(experiment_id=experiment_id)
        existing = experiment.tags if experiment else {}
        for key, value in EXPERIMENT_TAGS.items():
            if key not in existing:
                mlflow.set_experiment_tag(key, value)
    except Exception as exc:  # any client, HTTP or database failure: the store is unusable
        raise ModelError(f"MLflow tracking store {tracking} cannot be reached: {first_line(exc)}") from None
    return MlflowTarget(tracking, registry, name, str(experiment_id), settings.model_full_name, artifacts)


def prepare_local_store(settings: Settings) -> None:
    """Create the local SQLite tracking and registry store ahead of the first run (other stores: nothing to do).

    A new store costs seconds of schema migrations; the local runner calls this in the background while Spark
    works, and configure_mlflow waits for it. Failures are left for configure_mlflow to report.
    """
    tracking, registry = default_uris(settings)
    if not tracking.startswith("sqlite:") or not registry.startswith("sqlite:"):
        return
    from mlflow import MlflowClient

    logs.quiet_mlflow(settings.home)
    Path(settings.home).mkdir(parents=True, exist_ok=True)
    with _STORE_LOCK:
        client = MlflowClient(tracking_uri=tracking, registry_uri=registry)
        client.search_experiments(max_results=1)  # the first call on a new store creates its tables
        client.search_registered_models(max_results=1)


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message, trimmed for one-line errors."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
