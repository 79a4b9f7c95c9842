"""Which model scores: a registry alias or version, loaded once, checked against the input's feature version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from iris_mlops.errors import ModelError, ModelInputError
from iris_mlops.ml.tracking import first_line
from iris_mlops.schemas import PROBABILITY_COLUMNS, PROBABILITY_PREFIX

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

KNOWN_CLASSES = tuple(c.removeprefix(PROBABILITY_PREFIX) for c in PROBABILITY_COLUMNS)
# Where training records the feature version: on the model version, else on its run (tag, then parameter).
VERSION_TAG = "feature_version"
RUN_TAG = "iris_mlops.feature_version"
RUN_PARAM = "feature_version"


@dataclass(frozen=True)
class LoadedModel:
    """A registered model version ready to score: the fitted pipeline and where it came from."""

    name: str
    version: str
    alias: str | None
    run_id: str | None
    feature_version: str
    classes: tuple[str, ...]
    pipeline: Any = field(repr=False, compare=False)

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"


def resolve_model(
    mlflow_client: MlflowClient,
    *,
    model_name: str,
    alias: str | None,
    version: str | None,
    expected_feature_version: str,
) -> LoadedModel:
    """Find `model_name@alias` (or version `version`), check its feature version, load its pipeline.

    Raises ModelInputError (exit 2) for a missing alias, version or model and for a feature-version mismatch,
    ModelError for a registry or artifact failure.
    """
    found = _find_version(mlflow_client, model_name=model_name, alias=alias, version=version)
    trained_on = model_feature_version(mlflow_client, found)
    label = f"model {model_name} version {found.version}"
    if trained_on is None:
        raise ModelInputError(f"{label} records no feature version: retrain it with `iris-mlops train`")
    if trained_on != expected_feature_version:
        raise ModelInputError(
            f"{label} was trained on feature version {trained_on} but the input has {expected_feature_version}: "
            "retrain with `iris-mlops train` or pick a matching --model-version"
        )
    pipeline = load_pipeline(f"models:/{model_name}/{found.version}")
    classes = tuple(str(c) for c in getattr(pipeline, "classes_", ()))
    unknown = sorted(set(classes) - set(KNOWN_CLASSES))
    if not classes or unknown or not hasattr(pipeline, "predict_proba"):
        raise ModelInputError(
            f"{label} cannot fill the predictions table: it needs predict_proba over the classes "
            f"{', '.join(KNOWN_CLASSES)} (found {', '.join(classes) or 'none'})"
        )
    return LoadedModel(model_name, str(found.version), alias if version is None else None, found.run_id,
                       trained_on, classes, pipeline)


def _find_version(mlflow_client: MlflowClient, *, model_name: str, alias: str | None, version: str | None) -> Any:
    from iris_mlops.ml.registry import alias_version

    if version is not None:
        return _get_version(mlflow_client, model_name, version)
    if alias is None:
        raise ModelInputError("name a model: --model-alias ALIAS or --model-version N")
    found = alias_version(mlflow_client, model_name, alias)
    if found is None:
        hint = "train one with `iris-mlops train`" if alias == "champion" else "see `iris-mlops models list`"
        raise ModelInputError(f"model {model_name} has no version with alias {alias!r}: {hint}")
    return found


def _get_version(mlflow_client: MlflowClient, model_name: str, version: str) -> ModelVersion:
    from mlflow.exceptions import MlflowException

    if not version.isdigit():
        raise ModelInputError(f"model version {version!r} is not a number: see `iris-mlops models list`")
    try:
        return mlflow_client.get_model_version(model_name, version)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND", "INVALID_PARAMETER_VALUE"):
            raise ModelInputError(
                f"model {model_name} has no version {version}: see `iris-mlops models list`"
            ) from None
        raise ModelError(f"model registry unreachable while reading {model_name} v{version}: {first_line(exc)}") \
            from None


def model_feature_version(mlflow_client: MlflowClient, found: ModelVersion) -> str | None:
    """The feature version a model version was trained on (version tag, else its run's tag or parameter)."""
    tagged = (found.tags or {}).get(VERSION_TAG)
    if tagged:
        return str(tagged)
    if not found.run_id:
        return None
    try:
        run = mlflow_client.get_run(found.run_id)
    except Exception:  # the run may be gone (deleted, other workspace): the version tag was the main source
        return None
    return run.data.tags.get(RUN_TAG) or run.data.params.get(RUN_PARAM)


def load_pipeline(model_uri: str) -> Any:
    """The fitted scikit-learn pipeline behind `model_uri` (it has predict_proba, unlike the pyfunc wrapper)."""
    import mlflow.sklearn

    try:
        return mlflow.sklearn.load_model(model_uri)
    except Exception as exc:  # a broken or unreachable artifact: name the model, one line
        raise ModelError(f"cannot load model {model_uri}: {first_line(exc)}") from None
