"""MLflow's registry errors reworded in the project's terms, with what to run next."""

from __future__ import annotations

import pytest

from iris_mlops.errors import ModelError
from iris_mlops.ml.registry_errors import reworded


class FakeMlflowError(Exception):
    def __init__(self, message: str, error_code: str) -> None:
        super().__init__(message)
        self.error_code = error_code


@pytest.mark.parametrize(
    ("exc", "version", "expected"),
    [
        (FakeMlflowError("Model Version (name=iris, version=9) not found", "RESOURCE_DOES_NOT_EXIST"), "9",
         "model iris has no version 9: see `iris-mlops models list`"),
        (FakeMlflowError("Registered Model with name=iris not found", "RESOURCE_DOES_NOT_EXIST"), None,
         "no model named iris is registered yet: run `iris-mlops train` first"),
        (FakeMlflowError("Parameter 'version' must be an integer, got 'x'", "INVALID_PARAMETER_VALUE"), "x",
         "version 'x' of iris is not valid for the model registry"),
        (ConnectionError("connection refused"), None, "the model registry could not be read for iris"),
    ],
)
def test_registry_errors_are_one_line_model_errors_with_a_hint(exc: Exception, version: str | None,
                                                             expected: str) -> None:
    error = reworded(exc, model_name="iris", version=version)
    assert isinstance(error, ModelError)
    assert str(error).startswith(expected)
    assert "\n" not in str(error)
