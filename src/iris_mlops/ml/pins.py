"""A person's decision about the champion, kept as tags on the registered model until it is lifted.

`iris-mlops models promote V --reason ...` pins the champion to V; every automatic path (train, automl,
A/B) then leaves `@champion` alone (ml.gate.decide_promotion) until `iris-mlops models unpin` or a forced run.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from iris_mlops.errors import ModelError
from iris_mlops.ml.gate import Pin
from iris_mlops.ml.tracking import first_line

if TYPE_CHECKING:
    from mlflow import MlflowClient

# Registered-model tag keys: plain words, valid on the SQLite registry and in Unity Catalog.
PIN_TAGS = {"version": "pinned_champion_version", "by": "pinned_by", "at": "pinned_at", "reason": "pin_reason"}


def read_pin(client: MlflowClient, model_name: str) -> Pin | None:
    """The pin on `model_name`, or None when nobody pinned its champion (or the model does not exist yet)."""
    from mlflow.exceptions import MlflowException

    try:
        tags = client.get_registered_model(model_name).tags or {}
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"):
            return None
        raise ModelError(f"model registry unreachable while reading {model_name}: {first_line(exc)}") from None
    if not tags.get(PIN_TAGS["version"]):
        return None
    return Pin(**{field: str(tags.get(key, "")) for field, key in PIN_TAGS.items()})


def set_pin(client: MlflowClient, model_name: str, *, version: str, by: str, reason: str) -> Pin:
    """Pin the champion of `model_name` to `version`, recording who and why."""
    pin = Pin(version=str(version), by=by, at=datetime.now(timezone.utc).isoformat(timespec="seconds"), reason=reason)
    for field, key in PIN_TAGS.items():
        client.set_registered_model_tag(model_name, key, getattr(pin, field))
    return pin


def clear_pin(client: MlflowClient, model_name: str) -> Pin | None:
    """Lift the pin; returns the pin that was there (None when there was none)."""
    pin = read_pin(client, model_name)
    if pin is not None:
        for key in PIN_TAGS.values():
            client.delete_registered_model_tag(model_name, key)
    return pin
