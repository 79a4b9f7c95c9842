"""iris-mlops: a reference MLOps pipeline for Databricks on the Iris data set."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
