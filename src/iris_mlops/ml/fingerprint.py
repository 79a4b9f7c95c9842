"""What makes two trainings the same: feature table and version, parameters and code.

Training again on the same inputs gives the same model (every seed is explicit), so a new registered version
would be a duplicate: the task asks `find_version_by_fingerprint` first and reuses what it finds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iris_mlops.errors import ModelError
from iris_mlops.ml.tracking import first_line

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

    from iris_mlops.ml.data import TrainingData

FINGERPRINT_TAG = "training_fingerprint"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the package's Python source: any change to the code changes it (a git commit may not)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def training_fingerprint(
    *, features_table: str, features_table_version: int | str, feature_version: str, params: Mapping[str, Any],
    code: str | None = None,
) -> str:
    """A short stable hash of the training inputs: table, its version, feature version, parameters and code."""
    payload = {
        "features_table": features_table,
        "features_table_version": str(features_table_version),
        "feature_version": feature_version,
        "params": {str(k): _plain(v) for k, v in sorted(params.items())},
        "code": code if code is not None else code_digest(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else repr(value)


def find_version_by_fingerprint(client: MlflowClient, model_name: str, fingerprint: str) -> ModelVersion | None:
    """The newest registered version of `model_name` trained with `fingerprint`, or None."""
    from mlflow.exceptions import MlflowException

    try:
        versions = client.search_model_versions(f"name = '{model_name}'")
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"):
            return None
        raise ModelError(f"cannot list versions of {model_name}: {first_line(exc)}") from None
    # Filtered here, not in the query: tag filters on model versions differ between the SQLite and UC registries.
    matches = [v for v in versions if (v.tags or {}).get(FINGERPRINT_TAG) == fingerprint]
    return max(matches, key=lambda v: int(v.version)) if matches else None


def fingerprint_of(data: TrainingData, classifier: Any, *, test_fraction: float, split_seed: int) -> str:
    """The fingerprint of training `classifier` on `data` with this split (what `train` registers and looks up)."""
    params = {f"classifier.{k}": v for k, v in classifier.get_params(deep=False).items()}
    params |= {"classifier": type(classifier).__name__, "split.test_fraction": test_fraction,
               "split.seed": split_seed}
    return training_fingerprint(features_table=data.table, features_table_version=data.version,
                                feature_version=data.feature_version, params=params)
