"""MLflow's registry errors in the project's terms: what is missing and which command makes it, in one line."""

from __future__ import annotations

from iris_mlops.errors import ModelError, ModelInputError
from iris_mlops.ml.tracking import first_line

MISSING = ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND")


def reworded(exc: BaseException, *, model_name: str, version: str | None = None) -> ModelError:
    """A ModelError saying what is missing (model, version) or that the registry cannot be read, with a hint."""
    code = str(getattr(exc, "error_code", "") or "")
    text = first_line(exc)
    if code in MISSING or "not found" in text.lower():
        if version is not None and "version" in text.lower():
            return ModelInputError(f"model {model_name} has no version {version}: see `iris-mlops models list`")
        return ModelError(f"no model named {model_name} is registered yet: run `iris-mlops train` first")
    if code == "INVALID_PARAMETER_VALUE":
        what = f"version {version!r} of {model_name}" if version is not None else f"model name {model_name!r}"
        return ModelInputError(f"{what} is not valid for the model registry ({text}): see `iris-mlops models list`")
    return ModelError(f"the model registry could not be read for {model_name} ({type(exc).__name__}: {text}); "
                      "check `iris-mlops config show` (mlflow.tracking_uri) and the log file")
