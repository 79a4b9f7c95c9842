"""Logging a model so that it loads anywhere: explicit pip requirements and the project's code inside it.

The model is a scikit-learn Pipeline whose first step (`FeatureEngineer`) is project code, so the model
ships the modules it imports at load time (MODEL_CODE, nothing else of the package) through `code_paths`:
MLflow puts them on `sys.path` when loading, and a process where iris-mlops is not installed can still
unpickle and run it. An import-linter contract (pyproject.toml) keeps these modules from importing the rest.
Serialization is cloudpickle: skops refuses the project's transformer and tree internals unless their types
are trusted one by one.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from mlflow.models.model import ModelInfo

MODEL_ARTIFACT = "model"
# What unpickling the pipeline imports: the feature transformer, the feature definitions and their formula
# language, and the column names. Package __init__ files come along (they import nothing).
MODEL_CODE = (
    "__init__.py",
    "schemas.py",
    "features/__init__.py",
    "features/definitions.py",
    "features/expressions.py",
    "ml/__init__.py",
    "ml/pipeline.py",
)


def pip_requirements() -> list[str]:
    """What the model needs at load time, pinned to the versions that trained it (inferring them costs ≈ 4.5 s)."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in ("mlflow-skinny", "scikit-learn", "pandas", "numpy", "cloudpickle")]


def package_copy(destination: Path) -> Path:
    """Copy the MODEL_CODE modules of the installed `iris_mlops` package under `destination`; return the copy."""
    import iris_mlops

    source = Path(iris_mlops.__file__).resolve().parent
    target = destination / "iris_mlops"
    for module in MODEL_CODE:
        (target / module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / module, target / module)
    return target


def log_pipeline_model(model: Any, *, input_example: pd.DataFrame, predictions: Any) -> ModelInfo:
    """Log a fitted `build_pipeline` model to the active run (signature: raw measurements -> species)."""
    import mlflow
    from mlflow.models import infer_signature

    signature = infer_signature(input_example, predictions)
    # MLflow warns that cloudpickle runs code when loading: that is the point here (the model carries its code).
    logging.getLogger("mlflow.sklearn").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="iris-mlops-code-") as folder:
        code = package_copy(Path(folder))
        return mlflow.sklearn.log_model(
            model,
            name=MODEL_ARTIFACT,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements(),
            code_paths=[str(code)],
            serialization_format="cloudpickle",
        )
