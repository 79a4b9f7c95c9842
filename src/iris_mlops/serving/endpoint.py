"""A Databricks model serving endpoint for the champion, with its inference table, kept in step idempotently.

`ensure_endpoint` reads the endpoint; creates it when absent; updates its config only when the served
model version, workload or inference-table settings differ from what is wanted; otherwise calls nothing.
It never waits for the endpoint to become ready (that takes minutes; the workspace shows the progress).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from iris_mlops.errors import IrisMlopsError

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service.serving import AutoCaptureConfigInput, ServedEntityInput

Action = Literal["created", "updated", "unchanged"]


class EndpointError(IrisMlopsError):
    """The endpoint cannot be brought to the wanted state now (e.g. another update is in progress)."""


@dataclass(frozen=True)
class EndpointSpec:
    """What the endpoint should serve, and where its inference table goes."""

    name: str
    model_name: str  # three-level Unity Catalog name
    version: str
    workload_size: str = "Small"
    scale_to_zero: bool = True
    catalog: str = "main"
    schema_name: str = "iris_mlops"
    table_prefix: str = "iris_endpoint"

    @property
    def entity_name(self) -> str:
        """The served entity's name: the model's short name and version (letters, digits, - and _)."""
        return f"{self.model_name.split('.')[-1]}-{self.version}"

    def wanted(self) -> dict[str, Any]:
        """The settings compared with the endpoint's current (or pending) config."""
        return {"entity_name": self.model_name, "entity_version": self.version, "workload_size": self.workload_size,
                "scale_to_zero_enabled": self.scale_to_zero, "capture": self.capture()}

    def capture(self) -> tuple[str, str, str, bool]:
        return (self.catalog, self.schema_name, self.table_prefix, True)


@dataclass(frozen=True)
class EndpointOutcome:
    """What `ensure_endpoint` did, and the version served before (None when the endpoint is new)."""

    action: Action
    name: str
    version: str
    previous_version: str | None
    changes: tuple[str, ...] = ()


def connect() -> WorkspaceClient:
    """A workspace client from the environment (DATABRICKS_HOST/TOKEN, a profile, or the job's own identity)."""
    from databricks.sdk import WorkspaceClient

    try:
        return WorkspaceClient()
    except ValueError as exc:  # the SDK's "cannot configure default credentials"
        raise EndpointError(f"no usable Databricks credentials: {_first_line(exc)}") from None


def ensure_endpoint(workspace: WorkspaceClient, spec: EndpointSpec) -> EndpointOutcome:
    """Create or update the endpoint so that it serves `spec`; no call that changes anything when it already does."""
    from databricks.sdk.errors import DatabricksError
    from requests.exceptions import ConnectionError as RequestsConnectionError

    try:
        return _ensure(workspace, spec)
    except DatabricksError as exc:
        raise EndpointError(f"serving endpoint {spec.name}: {type(exc).__name__}: {_first_line(exc)}") from None
    except RequestsConnectionError:
        raise EndpointError(f"cannot reach the workspace {workspace.config.host}: check DATABRICKS_HOST") from None


def _ensure(workspace: WorkspaceClient, spec: EndpointSpec) -> EndpointOutcome:
    from databricks.sdk.errors import NotFound

    try:
        current = workspace.serving_endpoints.get(spec.name)
    except NotFound:
        workspace.serving_endpoints.create(spec.name, config=_config_input(spec))
        return EndpointOutcome("created", spec.name, spec.version, None, ("endpoint",))
    pending = getattr(current, "pending_config", None)
    found = _settings(pending) if pending is not None else _settings(getattr(current, "config", None))
    changes = tuple(key for key, value in spec.wanted().items() if found.get(key) != value)
    previous = found.get("entity_version")
    if not changes:
        return EndpointOutcome("unchanged", spec.name, spec.version, previous)
    if pending is not None:
        raise EndpointError(f"serving endpoint {spec.name} is being updated to version {previous}: "
                            "run deploy-serving again once that update is done")
    capture = _capture_input(spec) if "capture" in changes else None
    workspace.serving_endpoints.update_config(spec.name, served_entities=[_entity_input(spec)],
                                              auto_capture_config=capture)
    return EndpointOutcome("updated", spec.name, spec.version, previous, changes)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _settings(config: Any) -> dict[str, Any]:
    """The compared settings of an endpoint config (current or pending); {} when it serves nothing."""
    entities = list(getattr(config, "served_entities", None) or [])
    if config is None or len(entities) != 1:
        return {}
    entity = entities[0]
    capture = getattr(config, "auto_capture_config", None)
    return {
        "entity_name": entity.entity_name, "entity_version": str(entity.entity_version),
        "workload_size": entity.workload_size, "scale_to_zero_enabled": entity.scale_to_zero_enabled,
        "capture": None if capture is None else (capture.catalog_name, capture.schema_name,
                                                 capture.table_name_prefix, bool(capture.enabled)),
    }


def _entity_input(spec: EndpointSpec) -> ServedEntityInput:
    from databricks.sdk.service.serving import ServedEntityInput

    return ServedEntityInput(name=spec.entity_name, entity_name=spec.model_name, entity_version=spec.version,
                             workload_size=spec.workload_size, scale_to_zero_enabled=spec.scale_to_zero)


def _capture_input(spec: EndpointSpec) -> AutoCaptureConfigInput:
    from databricks.sdk.service.serving import AutoCaptureConfigInput

    return AutoCaptureConfigInput(catalog_name=spec.catalog, schema_name=spec.schema_name,
                                  table_name_prefix=spec.table_prefix, enabled=True)


def _config_input(spec: EndpointSpec) -> Any:
    from databricks.sdk.service.serving import EndpointCoreConfigInput

    return EndpointCoreConfigInput(name=spec.name, served_entities=[_entity_input(spec)],
                                   auto_capture_config=_capture_input(spec))
